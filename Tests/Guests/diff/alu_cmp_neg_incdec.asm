; alu_cmp_neg_incdec: CMP (all forms), NEG, INC, DEC (8/16/32-bit; register forms incl. the
; one-byte 40-4F encodings and the FE/FF /0 /1 register encodings; memory forms), real mode
; (full tables) and 32-bit flat protected mode (small tables).
; Flags: CMP/NEG: OF SF ZF AF PF CF defined (SDM Vol. 2 CMP, NEG) -> 0x8D5.
;        INC/DEC: OF SF ZF AF PF defined, CF not affected (SDM INC, DEC) -> 0x8D5 with CF in = 0
;        and 1 (the unaffected CF must survive).
%include "rom.inc"
%include "testlib.inc"
%include "alu_forms.inc"

%macro UN3 3 ; mnem, flagsin, mask: register and memory forms of a unary instruction
  TEST {%str(%1), "8 r (ah)"}, 8, 8, %2, %3, O_EAX
    mov ah, al
    %1 ah
  ENDT v8
  TEST {%str(%1), "16 r"}, 16, 16, %2, %3, O_EAX
    %1 ax
  ENDT v16
  TEST {%str(%1), "32 r"}, 32, 32, %2, %3, O_EAX
    %1 eax
  ENDT v32
  TEST {%str(%1), "8 m"}, 8, 8, %2, %3, O_M0
    %1 byte [DATA0]
  ENDT small8
  TEST {%str(%1), "16 m"}, 16, 16, %2, %3, O_M0
    %1 word [DATA0]
  ENDT small16
  TEST {%str(%1), "32 m"}, 32, 32, %2, %3, O_M0
    %1 dword [DATA0]
  ENDT small32
%endmacro

%macro TESTS 1
  STDTABLES %1
  RR3 cmp, 0x8D7, F_ARITH
  MEM3 cmp, 0x002, F_ARITH
  IMM cmp, 0x8D7, F_ARITH
  UN3 neg, 0x8D7, F_ARITH
  UN3 neg, 0x002, F_ARITH
  UN3 inc, 0x002, F_ARITH
  UN3 inc, 0x8D7, F_ARITH
  UN3 dec, 0x002, F_ARITH
  UN3 dec, 0x8D7, F_ARITH
  TEST "inc/dec one-byte forms: inc ecx; inc edx; dec ebx; dec esi; dec edi; inc ebp (or 16-bit)", 32, 32, 0x003, F_ARITH, O_ALL
    mov ecx, eax
    mov edx, eax
    mov ebx, eax
    mov esi, eax
    mov edi, eax
    mov ebp, eax
    inc ecx
    inc edx
    dec ebx
    dec esi
    dec edi
    inc ebp
  ENDT small32
  TEST "inc/dec one-byte forms, 16-bit: inc cx; dec dx; inc sp; dec sp", 16, 16, 0x003, F_ARITH, O_ECX|O_EDX
    mov cx, ax
    mov dx, ax
    inc cx
    dec dx
    inc sp
    dec sp
  ENDT small16
  TEST "FF /0 /1 and FE /0 /1 register encodings: inc eAX; dec eAX; inc al; dec al; dec al", 32, 32, 0x002, F_ARITH, O_EAX
    db 0xFF, 0xC0      ; inc eAX (operand size of the mode)
    db 0xFF, 0xC8      ; dec eAX
    db 0xFF, 0xC8      ; dec eAX
    db 0xFE, 0xC0      ; inc al
    db 0xFE, 0xC8      ; dec al
    db 0xFE, 0xC8      ; dec al
  ENDT small32
%endmacro

ROM_START
  PRINTLN "alu_cmp_neg_incdec: real mode"
  TESTS FULL
  PRINTLN "alu_cmp_neg_incdec: protected mode"
  CALL32 pm_tests
  PRINTLN "alu_cmp_neg_incdec: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
