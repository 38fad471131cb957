; pm_faults: protected-mode exception delivery with error codes, from segment-register loads and
; control transfers that the descriptor checks reject (SDM Vol. 3A 5.x, Vol. 2 MOV/POP/JMP/CALL
; "Protected Mode Exceptions"), INT n through a not-present gate and beyond the IDT limit,
; #UD (MOV CS, MOV CR1), #GP for an instruction longer than 15 bytes, DR4/DR5 aliasing DR6/DR7
; with CR4.DE=0; and the real-mode #UD/#GP cases (MOV CS, 16-byte instruction).
; A handler per vector prints vector, error code (vectors 8, 10-14, 17), CS:EIP and EFLAGS
; (masked 0x0FD5) of the frame, and resumes after the faulting instruction.
%include "rom.inc"
%include "testlib.inc"

%define RESUME 0x6E0
%define IDTRAM 0x0800
%define F_INT 0x0FD5

%macro GDT_EXTRA 0
  dw 0xFFFF, 0x1000          ; 28: data base 1000
  db 0x00, 0x93, 0x40, 0x00
  dw 0x0FFF, 0x2000          ; 30: data, read-only
  db 0x00, 0x91, 0x40, 0x00
  dw 0x00FF, 0x0000          ; 38: code, execute-only
  db 0x00, 0x99, 0x40, 0x00
  dw 0x0067, 0x3000          ; 40: 32-bit TSS (available)
  db 0x00, 0x89, 0x00, 0x00
  dw 0x0017, 0x3100          ; 48: LDT
  db 0x00, 0x82, 0x00, 0x00
  dw 0x1234, 0x0008          ; 50: call gate
  db 0x00, 0x8C, 0x00, 0x00
  dw 0x1234, 0x0008          ; 58: interrupt gate (invalid in the GDT)
  db 0x00, 0x8E, 0x00, 0x00
  dw 0xFFFF, 0x4000          ; 60: data DPL 3
  db 0x00, 0xF3, 0x40, 0x00
  dw 0xFFFF, 0x0000          ; 68: data, not present
  db 0x00, 0x13, 0x40, 0x00
  dw 0xFFFF, 0x0000          ; 70: writable data DPL 0, not present (for SS)
  db 0x00, 0x13, 0x40, 0x00
  dw 0xFFFF, 0x0000          ; 78: code, not present
  db 0x00, 0x1B, 0xCF, 0x00
%endmacro

; XT "label": resume point after the test body
%macro XT 1
  %push xt
  PRINT %1, ":"
  mov dword [RESUME], %$resume
%endmacro
%macro XEND 0
%$resume:
  NL
  %pop
%endmacro

CODE32
%macro PMH 2 ; vector, has error code
pmh_%1:
  push ebp
  mov ebp, esp
  push eax
  PRINT " -> #", %str(%1)
  %if %2
    PRINT " err="
    PHEX32 [ebp+4]
    %define %%o 4
  %else
    %define %%o 0
  %endif
  PRINT " at "
  PHEX16 [ebp+8+%%o]
  PCHAR ':'
  PHEX32 [ebp+4+%%o]
  PRINT " EFL="
  mov eax, [ebp+12+%%o]
  and eax, F_INT
  PHEX16 ax
  mov eax, [RESUME]
  mov [ebp+4+%%o], eax
  pop eax
  pop ebp
  %if %2
    add esp, 4
  %endif
  iretd
%endmacro
PMH 0, 0
PMH 6, 0
PMH 10, 1
PMH 11, 1
PMH 12, 1
PMH 13, 1


pm_tests:
  mov esi, rom_idt32
  mov edi, IDTRAM
  mov ecx, 32*8/4
  cld
  rep movsd
  SET_GATE 0, pmh_0
  SET_GATE 6, pmh_6
  SET_GATE 10, pmh_10
  SET_GATE 11, pmh_11
  SET_GATE 12, pmh_12
  SET_GATE 13, pmh_13
  ; gate 0x21: present interrupt gate; 0x22: not present; IDT limit covers 0x00-0x2F
  SET_GATE 0x21, pmh_6
  SET_GATE 0x22, pmh_6
  and byte [IDTRAM + 0x22*8 + 5], 0x7F
  lidt [pm_idtr]
  push dword 0x002
  popfd

  XT "mov ds,38 (execute-only code)"
  mov ax, 0x38
  mov ds, ax
  XEND
  XT "mov ds,1000 (beyond the GDT limit)"
  mov ax, 0x1000
  mov ds, ax
  XEND
  XT "mov es,40 (TSS: system descriptor)"
  mov ax, 0x40
  mov es, ax
  XEND
  XT "mov fs,58 (gate descriptor)"
  mov ax, 0x58
  mov fs, ax
  XEND
  XT "mov gs,68 (data, not present)"
  mov ax, 0x68
  mov gs, ax
  XEND
  XT "mov ds,13 (RPL 3 > DPL 0 data: #GP)"
  mov ax, 0x13
  mov ds, ax
  XEND
  XT "mov ss,0 (null)"
  mov ax, 0
  mov ss, ax
  XEND
  XT "mov ss,30 (read-only data)"
  mov ax, 0x30
  mov ss, ax
  XEND
  XT "mov ss,60 (DPL 3 /= CPL 0)"
  mov ax, 0x60
  mov ss, ax
  XEND
  XT "mov ss,70 (not present: #SS)"
  mov ax, 0x70
  mov ss, ax
  XEND
  mov [DATA3], esp
  XT "pop ds with 38 on the stack"
  push dword 0x38
  pop ds
  XEND
  mov esp, [DATA3]
  XT "lds eax,[m] with selector 68 (not present)"
  mov dword [DATA0], 0
  mov word [DATA0+4], 0x68
  lds eax, [DATA0]
  XEND
  XT "mov ds,null then mov ds,10 (fine)"
  mov ax, 0
  mov ds, ax
  mov ax, 0x10
  mov ds, ax
  XEND
  XT "jmp far 10:0 (data segment)"
  jmp 0x10:0
  XEND
  XT "call far 78:0 (code, not present)"
  call 0x78:0
  XEND
  XT "jmp far 1000:0 (beyond the GDT)"
  jmp 0x1000:0
  XEND
  XT "int 22h (gate not present: error = 22h*8+2)"
  int 0x22
  XEND
  XT "int 30h (beyond the IDT limit: error = 30h*8+2)"
  int 0x30
  XEND
  XT "int 21h (present gate: runs the #6 handler)"
  int 0x21
  XEND
  XT "mov cs,ax (8E /1: #UD)"
  mov ax, 0x08
  db 0x8E, 0xC8
  XEND
  XT "mov cr1,eax (#UD)"
  db 0x0F, 0x22, 0xC8
  XEND
  XT "16-byte instruction (15 x 66 + nop: #GP(0))"
  times 15 db 0x66
  nop
  XEND
  XT "15-byte instruction (14 x 66 + nop: fine)"
  times 14 db 0x66
  nop
  XEND
  PRINT "DR4/DR5 alias DR6/DR7 when CR4.DE=0: "
  mov eax, dr6
  mov ebx, dr4
  PREG eax, ebx
  mov eax, dr7
  mov ebx, dr5
  PREG eax, ebx
  NL
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  lidt [rom_idtr32]
  ret
pm_idtr:
  dw 0x30*8 - 1
  dd IDTRAM

CODE16
rmh_6:
  PRINT " -> #6"
  jmp rm_resume
rmh_13:
  PRINT " -> #13"
rm_resume:
  push bp
  mov bp, sp
  push ax
  PRINT " at "
  PHEX16 [bp+4]
  PCHAR ':'
  PHEX16 [bp+2]
  mov ax, [RESUME]
  mov [bp+2], ax
  pop ax
  pop bp
  iret

ROM_START
  PRINTLN "pm_faults: real mode"
  mov word [6*4], rmh_6
  mov word [13*4], rmh_13
  XT "mov cs,ax (#UD)"
  mov ax, 0xF000
  db 0x8E, 0xC8
  XEND
  XT "16-byte instruction (#GP)"
  times 15 db 0x26
  nop
  XEND
  XT "15-byte instruction (fine)"
  times 14 db 0x26
  nop
  XEND
  PRINTLN "pm_faults: protected mode"
  CALL32 pm_tests
  PRINTLN "pm_faults: done"
  EXIT 0
ROM_END
