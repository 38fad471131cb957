; shift: SHL (= SAL), SHR, SAR, 8/16/32-bit, register forms by CL (D2/D3), by imm8 (C0/C1) and
; by 1 (D0/D1), memory forms, counts 0 1 2 7 8 15 16 31 32 33. Real mode (full value tables)
; and 32-bit flat protected mode (small tables). SAL's encoding /6 (undocumented alias) is not used.
; Flag masks per count: see shift_forms.inc (SDM Vol. 2 SAL/SAR/SHL/SHR "Flags Affected").
%include "rom.inc"
%include "testlib.inc"
%include "shift_forms.inc"

%macro TESTS 1
  STDTABLES %1
  SHTABLES
  SHSWEEP shl, SHIFT, 0x002, 0x8D7
  SHSWEEP shr, SHIFT, 0x8D7, 0x002
  SHSWEEP sar, SAR, 0x002, 0x8D7
%endmacro

ROM_START
  PRINTLN "shift: real mode"
  TESTS FULL
  PRINTLN "shift: protected mode"
  CALL32 pm_tests
  PRINTLN "shift: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
