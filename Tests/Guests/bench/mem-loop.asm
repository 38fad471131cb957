; virtlab: rom
; mem-loop.asm: the paging Bench guest. Enters flat 32-bit protected mode from the reset vector,
; optionally turns paging on (identity map of the first 4 MiB with 4 KiB pages; assemble with
; -DPAGING=1, which mem-loop-paged.asm does), then runs a load/add/store loop over 64 KiB (16
; pages) and stops through the exit port. `build.ps1 Bench` runs both builds and prints the MIPS
; with paging off and on: the cost of address translation (the TLB) is the difference.
bits 16
org 0

%ifndef PAGING
  %define PAGING 0
%endif
ITERATIONS equ 30000000
DATA equ 0x100000

start:
    cli
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(0xF0000 + pm32)

bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
%if PAGING
    mov edi, 0x201000           ; one page table: identity map 0-4 MiB, P|RW
    mov eax, 0x003
    mov ecx, 1024
.fill:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop .fill
    mov dword [0x200000], 0x201003
    mov eax, 0x200000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
%endif
    mov esi, DATA
    xor edx, edx
    mov ebx, 0x9E3779B9
    mov ecx, ITERATIONS
.loop:
    mov eax, [esi + edx]        ; load
    add eax, ebx
    mov [esi + edx + 4], eax    ; store
    add edx, 64                 ; next cache line, 16 pages round
    and edx, 0xFFFF
    dec ecx
    jnz .loop
    mov al, 0
    out 0xF4, al
.halt:
    hlt
    jmp .halt

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF       ; 08 flat code
    dq 0x00CF92000000FFFF       ; 10 flat data
gdtr:
    dw 23
    dd 0xF0000 + gdt

    times 0xFFF0 - ($ - $$) db 0xFF
bits 16
reset_vector:
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
