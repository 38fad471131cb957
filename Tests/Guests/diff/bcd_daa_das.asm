; bcd_daa_das: DAA and DAS for every AL value 00-FF with each combination of AF and CF in
; (real mode), and a sample in 32-bit flat protected mode.
; Line: a = AL, b = EFLAGS in (AF=10h, CF=1); prints EAX (AH must be unchanged) and flags.
; Flags: "The CF and AF flags are set if the adjustment of the value results in a decimal carry
; in either digit of the result. The SF, ZF, and PF flags are set according to the result. The OF
; flag is undefined." (SDM Vol. 2 DAA, DAS) -> mask 0x0D5.
%include "rom.inc"
%include "testlib.inc"

%macro TESTS 1
  STDTABLES
  TABLE afcf, 0x002, 0x003, 0x012, 0x013
  %ifidni %1, FULL
    TABLE_RANGE al8, 0, 256, 1
  %else
    TABLE al8, 0x00, 0x09, 0x0A, 0x0F, 0x19, 0x66, 0x99, 0x9A, 0x9F, 0xA0, 0xF9, 0xFA, 0xFF
  %endif
  TEST "daa (a = AL, b = flags in)", 8, 8, 0, 0x0D5, O_EAX
    movzx ebx, bl
    push ebx
    popfd
    daa
  ENDT al8, afcf
  TEST "das (a = AL, b = flags in)", 8, 8, 0, 0x0D5, O_EAX
    movzx ebx, bl
    push ebx
    popfd
    das
  ENDT al8, afcf
%endmacro

ROM_START
  PRINTLN "bcd_daa_das: real mode"
  TESTS FULL
  PRINTLN "bcd_daa_das: protected mode"
  CALL32 pm_tests
  PRINTLN "bcd_daa_das: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
