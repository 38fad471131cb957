; virtlab: rom
; hello.asm: a 64 KiB BIOS-style ROM that prints "Hello from VirtLab\n" on the debug console
; (port 0xE9) and stops through the exit port (0xF4) with exit code 0.
; The ROM is mapped at 0xF0000 (and aliased below 4 GiB), so offset N here is 0xF000:N.
; Same image in QEMU: qemu-system-i386 -accel tcg -display none -monitor none -no-reboot
;   -serial none -debugcon stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -bios hello.bin
bits 16
org 0

start:
    cli
    cld
    mov ax, cs
    mov ds, ax                  ; ds = cs, so lodsb reads the message from the ROM
    mov si, message
    mov dx, 0xE9                ; debug console
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    mov al, 0
    out 0xF4, al                ; exit code 0 (QEMU's isa-debug-exit turns it into status 1)
.halt:                          ; not reached when the exit port is present
    hlt
    jmp .halt

message:
    db "Hello from VirtLab", 10, 0

    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:                   ; the CPU starts here: CS base 0xFFFF0000, IP 0xFFF0
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
