; alu_sub: SUB and SBB, 8/16/32-bit, real mode (full edge-value tables) and 32-bit flat
; protected mode (small tables). Forms: r/m,reg with registers and memory, reg,r/m with memory,
; accumulator,imm (2C/2D 1C/1D), r/m,imm (80/81), r/m,simm8 (83), memory,imm, and opcode 82.
; Flags in: 0x002 (all clear) and 0x8D7 (OF SF ZF AF PF CF set) for SBB; 0x8D7 for SUB.
; Flags: OF SF ZF AF PF CF all defined (SDM Vol. 2 SUB, SBB "Flags Affected") -> F_ARITH 0x8D5.
%include "rom.inc"
%include "testlib.inc"
%include "alu_forms.inc"

%macro TESTS 1
  STDTABLES %1
  RR3 sub, 0x8D7, F_ARITH
  RR3 sbb, 0x002, F_ARITH
  RR3 sbb, 0x8D7, F_ARITH
  MEM3 sub, 0x002, F_ARITH
  MEM3 sbb, 0x003, F_ARITH
  IMM sub, 0x002, F_ARITH
  IMM sbb, 0x8D7, F_ARITH
  TEST "op82 /5 /3: sub bl,5; sbb bl,80", 8, 8, 0x002, F_ARITH, O_EBX
    mov bl, al
    db 0x82, 0xEB, 0x05          ; sub bl, 5
    db 0x82, 0xDB, 0x80          ; sbb bl, 0x80
  ENDT full8
%endmacro

ROM_START
  PRINTLN "alu_sub: real mode"
  TESTS FULL
  PRINTLN "alu_sub: protected mode"
  CALL32 pm_tests
  PRINTLN "alu_sub: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
