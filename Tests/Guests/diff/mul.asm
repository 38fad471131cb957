; mul: MUL and IMUL, all forms: one-operand F6/F7 /4 /5 (AX <- AL*r/m8, DX:AX, EDX:EAX) with
; registers and memory; two-operand IMUL r16/32, r/m (0F AF); three-operand IMUL r, r/m, imm8
; (6B, sign-extended) and imm16/imm32 (69). 8/16/32-bit, real mode (full edge-value tables) and
; 32-bit flat protected mode (small tables).
; Flags: CF and OF defined (set when the high half is significant); SF ZF AF PF undefined
; (SDM Vol. 2 MUL: "The OF and CF flags are set to 0 if the upper half of the result is 0;
; otherwise, they are set to 1. The SF, ZF, AF, and PF flags are undefined."; IMUL: "For the
; one operand form ... CF and OF ... The SF, ZF, AF, and PF flags are undefined.")
; -> mask 0x801 (OF CF).
%include "rom.inc"
%include "testlib.inc"

%define F_MUL 0x801

%macro TESTS 1
  STDTABLES %1
  TEST "mul bl (F6 /4)", 8, 8, 0x8D7, F_MUL, O_EAX|O_EDX
    mul bl
  ENDT v8, v8
  TEST "mul bx", 16, 16, 0x002, F_MUL, O_EAX|O_EDX
    mul bx
  ENDT v16, v16
  TEST "mul ebx", 32, 32, 0x002, F_MUL, O_EAX|O_EDX
    mul ebx
  ENDT v32, v32
  TEST "imul bl (F6 /5)", 8, 8, 0x002, F_MUL, O_EAX|O_EDX
    imul bl
  ENDT v8, v8
  TEST "imul bx", 16, 16, 0x8D7, F_MUL, O_EAX|O_EDX
    imul bx
  ENDT v16, v16
  TEST "imul ebx", 32, 32, 0x002, F_MUL, O_EAX|O_EDX
    imul ebx
  ENDT v32, v32
  TEST "mul byte [m]; mul word [m]; mul dword [m] (m = b)", 8, 8, 0x002, F_MUL, O_EAX|O_EDX
    mul byte [DATA1]
  ENDT small8, small8
  TEST "mul word [m]", 16, 16, 0x002, F_MUL, O_EAX|O_EDX
    mul word [DATA1]
  ENDT small16, small16
  TEST "imul dword [m]", 32, 32, 0x002, F_MUL, O_EAX|O_EDX
    imul dword [DATA1]
  ENDT small32, small32
  TEST "imul ch (register other than BL)", 8, 8, 0x002, F_MUL, O_EAX|O_EDX
    mov ch, bl
    imul ch
  ENDT small8, small8
  TEST "imul ax,bx (0F AF)", 16, 16, 0x002, F_MUL, O_EAX
    imul ax, bx
  ENDT v16, v16
  TEST "imul eax,ebx (0F AF)", 32, 32, 0x002, F_MUL, O_EAX
    imul eax, ebx
  ENDT v32, v32
  TEST "imul cx,[m] (0F AF, memory)", 16, 16, 0x002, F_MUL, O_ECX
    mov cx, ax
    imul cx, [DATA1]
  ENDT small16, small16
  TEST "imul esi,[m] (0F AF, memory)", 32, 32, 0x002, F_MUL, O_ESI
    mov esi, eax
    imul esi, [DATA1]
  ENDT small32, small32
  TEST "imul dx,ax,-1 (6B)", 16, 16, 0x002, F_MUL, O_EDX
    imul dx, ax, strict byte -1
  ENDT v16
  TEST "imul dx,ax,127 (6B)", 16, 16, 0x002, F_MUL, O_EDX
    imul dx, ax, strict byte 127
  ENDT v16
  TEST "imul edx,eax,-128 (6B)", 32, 32, 0x002, F_MUL, O_EDX
    imul edx, eax, strict byte -128
  ENDT v32
  TEST "imul edi,[m],3 (6B, memory)", 32, 32, 0x002, F_MUL, O_EDI
    imul edi, [DATA0], strict byte 3
  ENDT v32
  TEST "imul bp,ax,7FFF (69 imm16)", 16, 16, 0x002, F_MUL, O_EBP
    imul bp, ax, strict word 0x7FFF
  ENDT v16
  TEST "imul bx,[m],8000 (69 imm16, memory)", 16, 16, 0x002, F_MUL, O_EBX
    imul bx, [DATA0], strict word 0x8000
  ENDT v16
  TEST "imul ebx,eax,12345678 (69 imm32)", 32, 32, 0x002, F_MUL, O_EBX
    imul ebx, eax, strict dword 0x12345678
  ENDT v32
  TEST "imul ecx,eax,80000000 (69 imm32)", 32, 32, 0x002, F_MUL, O_ECX
    imul ecx, eax, strict dword 0x80000000
  ENDT v32
  TEST "imul eax,eax,FFFFFFFF (69 imm32, dst = src)", 32, 32, 0x002, F_MUL, O_EAX
    imul eax, eax, strict dword 0xFFFFFFFF
  ENDT v32
%endmacro

ROM_START
  PRINTLN "mul: real mode"
  TESTS FULL
  PRINTLN "mul: protected mode"
  CALL32 pm_tests
  PRINTLN "mul: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
