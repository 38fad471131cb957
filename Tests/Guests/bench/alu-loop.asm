; virtlab: rom
; alu-loop.asm: the Bench guest, a 64 KiB BIOS-style ROM that spins an ALU loop and then stops
; through the exit port (0xF4).
;
; Instruction count, exactly:
;   reset vector      1  (jmp 0xF000:start)
;   before the loop   4  (mov ecx; xor eax,eax; mov ebx; mov edx)
;   loop body         5 x 100,000,000 iterations = 500,000,000  (add, xor, sub, dec, jnz)
;   after the loop    2  (mov al; out)
;   total             500,000,007
; virtlab: instructions 500000007
; (build.ps1 Bench reads the line above to compute QEMU's MIPS; keep it in step with the code.)
bits 16
org 0

ITERATIONS equ 100000000

start:
    mov ecx, ITERATIONS
    xor eax, eax
    mov ebx, 0x12345678
    mov edx, 0x9E3779B9
.loop:
    add eax, ebx
    xor ebx, eax
    sub eax, edx
    dec ecx
    jnz .loop
    mov al, 0
    out 0xF4, al                ; exit code 0 (QEMU's isa-debug-exit turns it into status 1)
.halt:                          ; not reached when the exit port is present
    hlt
    jmp .halt

    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:                   ; the CPU starts here: CS base 0xFFFF0000, IP 0xFFF0
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
