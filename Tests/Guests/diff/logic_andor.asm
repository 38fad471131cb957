; logic_andor: AND and OR, 8/16/32-bit, all operand forms (r/m,reg with registers and memory,
; reg,r/m with memory, accumulator,imm 24/25 0C/0D, r/m,imm 80/81, r/m,simm8 83), real mode (full
; edge-value tables) and 32-bit flat protected mode (small tables). XOR/TEST/NOT: logic_xor_test_not.
; Flags: OF=CF=0, SF ZF PF per result, AF undefined (SDM Vol. 2 AND, OR "Flags Affected": "The
; state of the AF flag is undefined") -> F_LOGIC 0x8C5.
%include "rom.inc"
%include "testlib.inc"
%include "alu_forms.inc"

%macro TESTS 1
  STDTABLES %1
  RR3 and, 0x8D7, F_LOGIC
  RR3 or, 0x8D7, F_LOGIC
  MEM3 and, 0x8D7, F_LOGIC
  MEM3 or, 0x8D7, F_LOGIC
  IMM and, 0x8D7, F_LOGIC
  IMM or, 0x8D7, F_LOGIC
%endmacro

ROM_START
  PRINTLN "logic_andor: real mode"
  TESTS FULL
  PRINTLN "logic_andor: protected mode"
  CALL32 pm_tests
  PRINTLN "logic_andor: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
