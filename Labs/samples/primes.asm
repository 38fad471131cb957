; virtlab: boot
; primes.asm: a boot-sector-style image loaded at 0:7C00 and entered in real mode. It runs the
; sieve of Eratosthenes over 0..9999 in RAM (at 0x1000), prints every prime below 200 and the
; count of primes below 10000 (1229) in decimal on the debug console, then exits with code 0.
; Same image in QEMU (with its BIOS): qemu-system-i386 -accel tcg -display none -monitor none
;   -no-reboot -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04
;   -drive format=raw,file=primes.img,if=floppy
bits 16
org 0x7C00

LIMIT equ 10000
SIEVE equ 0x1000

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    cld
    mov di, SIEVE               ; mark every number as a candidate
    mov cx, LIMIT
    mov al, 1
    rep stosb
    mov byte [SIEVE], 0
    mov byte [SIEVE + 1], 0
    mov bx, 2
.outer:
    mov ax, bx
    mul bx                      ; DX:AX = n*n
    cmp ax, LIMIT
    jae .count
    cmp byte [SIEVE + bx], 0
    je .next
    mov di, ax                  ; strike n*n, n*n+n, ...
.strike:
    mov byte [SIEVE + di], 0
    add di, bx
    cmp di, LIMIT
    jb .strike
.next:
    inc bx
    jmp .outer
.count:
    xor si, si                  ; SI = index, BP = count
    xor bp, bp
.scan:
    cmp byte [SIEVE + si], 0
    je .skip
    inc bp
    cmp si, 200
    jae .skip
    mov ax, si
    call print_decimal
    mov al, ' '
    out 0xE9, al
.skip:
    inc si
    cmp si, LIMIT
    jb .scan
    mov al, 10
    out 0xE9, al
    mov si, count_text
    call print_string
    mov ax, bp
    call print_decimal
    mov al, 10
    out 0xE9, al
    xor al, al
    out 0xF4, al
    hlt

; print_decimal: AX unsigned, printed without leading zeros
print_decimal:
    push ax
    push bx
    push cx
    push dx
    mov bx, 10
    xor cx, cx
.divide:
    xor dx, dx
    div bx
    push dx
    inc cx
    test ax, ax
    jnz .divide
.emit:
    pop ax
    add al, '0'
    out 0xE9, al
    loop .emit
    pop dx
    pop cx
    pop bx
    pop ax
    ret

print_string:
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp print_string
.done:
    ret

count_text: db "primes below 10000: ", 0

    times 510 - ($ - $$) db 0
    dw 0xAA55                   ; boot signature, so the same image boots from a floppy in QEMU
