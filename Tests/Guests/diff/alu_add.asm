; alu_add: ADD and ADC, 8/16/32-bit, real mode (full edge-value tables) and 32-bit flat
; protected mode (small tables). Forms: r/m,reg with registers and memory, reg,r/m with memory,
; accumulator,imm (04/05 14/15), r/m,imm (80/81), r/m,simm8 (83), memory,imm, and opcode 82.
; Flags in: 0x002 (all clear) and 0x8D7 (OF SF ZF AF PF CF set) for ADC; 0x8D7 for ADD.
; Flags: OF SF ZF AF PF CF all defined (SDM Vol. 2 ADD, ADC "Flags Affected") -> F_ARITH 0x8D5.
%include "rom.inc"
%include "testlib.inc"
%include "alu_forms.inc"

%macro TESTS 1
  STDTABLES %1
  RR3 add, 0x8D7, F_ARITH
  RR3 adc, 0x002, F_ARITH
  RR3 adc, 0x8D7, F_ARITH
  MEM3 add, 0x002, F_ARITH
  MEM3 adc, 0x003, F_ARITH
  IMM add, 0x002, F_ARITH
  IMM adc, 0x8D7, F_ARITH
  TEST "op82 /0 /2: add bl,5; adc bl,80", 8, 8, 0x002, F_ARITH, O_EBX
    mov bl, al
    db 0x82, 0xC3, 0x05          ; add bl, 5
    db 0x82, 0xD3, 0x80          ; adc bl, 0x80
  ENDT full8
%endmacro

ROM_START
  PRINTLN "alu_add: real mode"
  TESTS FULL
  PRINTLN "alu_add: protected mode"
  CALL32 pm_tests
  PRINTLN "alu_add: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
