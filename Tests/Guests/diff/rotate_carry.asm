; rotate_carry: RCL and RCR (ROL/ROR: rotate.asm), 8/16/32-bit, register forms by CL (D2/D3),
; by imm8 (C0/C1) and by 1 (D0/D1), memory forms, counts 0 1 2 7 8 15 16 31 32 33 (8/16-bit RCL/RCR
; rotate modulo 9/17 after masking the count to 5 bits). CF in: 1 for the CL forms, 0 for the
; imm forms. Real mode (full value tables), 32-bit flat protected mode (small tables).
; Flags: only CF and OF are affected, OF only for 1-bit rotates (SDM Vol. 2 RCL/RCR/ROL/ROR
; "Flags Affected"); see shift_forms.inc (kind ROT).
%include "rom.inc"
%include "testlib.inc"
%include "shift_forms.inc"

%macro TESTS 1
  STDTABLES %1
  SHTABLES
  SHSWEEP rcl, ROT, 0x8D7, 0x002
  SHSWEEP rcr, ROT, 0x003, 0x8D6
%endmacro

ROM_START
  PRINTLN "rotate_carry: real mode"
  TESTS FULL
  PRINTLN "rotate_carry: protected mode"
  CALL32 pm_tests
  PRINTLN "rotate_carry: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
