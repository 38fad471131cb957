; rotate: ROL and ROR (RCL/RCR: rotate_carry.asm), 8/16/32-bit, register forms by CL (D2/D3),
; by imm8 (C0/C1) and by 1 (D0/D1), memory forms, counts 0 1 2 7 8 15 16 31 32 33. Flags in: all
; set / all clear, alternating between the CL and the imm forms. Real mode (full value tables),
; 32-bit flat protected mode (small tables).
; Flags: only CF and OF are affected, OF only for 1-bit rotates (SDM Vol. 2 RCL/RCR/ROL/ROR
; "Flags Affected"); see shift_forms.inc (kind ROT).
%include "rom.inc"
%include "testlib.inc"
%include "shift_forms.inc"

%macro TESTS 1
  STDTABLES %1
  SHTABLES
  SHSWEEP rol, ROT, 0x002, 0x8D7
  SHSWEEP ror, ROT, 0x8D7, 0x002
%endmacro

ROM_START
  PRINTLN "rotate: real mode"
  TESTS FULL
  PRINTLN "rotate: protected mode"
  CALL32 pm_tests
  PRINTLN "rotate: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
