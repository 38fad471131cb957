; virtlab: rom
; protected-mode.asm: a 64 KiB BIOS-style ROM that does what every PC kernel's first steps do.
;   1. starts at the reset vector in real mode and reports POST code 0x01;
;   2. loads a GDT (flat 4 GiB ring-0 code and data), sets CR0.PE and far-jumps into 32-bit code;
;   3. in protected mode, writes a message through COM1 (waiting on LSR.THRE like a real driver),
;      sums 1..1000 with 32-bit arithmetic and prints the result in hex; POST 0x02;
;   4. goes back to real mode (16-bit code segment, clear PE, far jump) and reports POST 0x03;
;   5. exits through port 0xF4 with code 0x2A.
; Same image in QEMU: qemu-system-i386 -accel tcg -display none -monitor none -no-reboot
;   -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -bios protected-mode.bin
bits 16
org 0

COM1     equ 0x3F8
POST     equ 0x190
ROM_BASE equ 0xF0000            ; linear address of offset 0 of this ROM

start:
    cli
    mov dx, POST
    mov al, 0x01
    out dx, al
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    o32 lgdt [cs:gdt_descriptor]
    mov eax, cr0
    or al, 1                    ; CR0.PE
    mov cr0, eax
    jmp dword 0x08:(ROM_BASE + pm_entry)   ; reload CS with the 32-bit code segment

bits 32
pm_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    mov esi, ROM_BASE + message
    call print
    xor eax, eax                ; sum 1..1000 = 500500 = 0x7A314
    mov ecx, 1000
.sum:
    add eax, ecx
    loop .sum
    call print_hex
    mov esi, ROM_BASE + newline
    call print
    mov dx, POST
    mov al, 0x02
    out dx, al
    jmp 0x18:(back_to_16 - 0)   ; 16-bit code segment with base 0xF0000: offsets are ROM offsets

; print: ESI -> zero-terminated string, out through COM1 after LSR bit 5 (THR empty)
print:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp print
.done:
    ret

; print_hex: EAX as 8 hex digits
print_hex:
    mov ecx, 8
    mov ebx, eax
.digit:
    rol ebx, 4
    mov al, bl
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    mov dx, COM1
    out dx, al
    loop .digit
    ret

bits 16
back_to_16:                     ; 16-bit protected-mode code: now leave protected mode
    mov ax, 0x20                ; 16-bit data segment, 64 KiB limit, for real-mode-compatible caches
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and al, 0xFE
    mov cr0, eax
    jmp 0xF000:real_again
real_again:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov dx, POST
    mov al, 0x03
    out dx, al
    mov si, back_message
    mov dx, 0xE9
.next:
    mov al, [cs:si]
    inc si
    test al, al
    jz .exit
    out dx, al
    jmp .next
.exit:
    mov al, 0x2A
    out 0xF4, al
    hlt

message:      db "Hello from 32-bit protected mode. Sum of 1..1000 = 0x", 0
newline:      db 10, 0
back_message: db "Back in real mode.", 10, 0

align 8
gdt:
    dq 0                                        ; 0x00 null
    dw 0xFFFF, 0x0000, 0x9A00, 0x00CF           ; 0x08 code 32-bit, base 0, 4 GiB
    dw 0xFFFF, 0x0000, 0x9200, 0x00CF           ; 0x10 data 32-bit, base 0, 4 GiB
    dw 0xFFFF, 0x0000, 0x9A0F, 0x0000           ; 0x18 code 16-bit, base 0xF0000, 64 KiB
    dw 0xFFFF, 0x0000, 0x9200, 0x0000           ; 0x20 data 16-bit, base 0, 64 KiB
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd ROM_BASE + gdt

    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
