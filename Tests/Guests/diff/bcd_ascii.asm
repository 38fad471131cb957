; bcd_ascii: AAA, AAS (AX over a value table x AF/CF in), AAM with imm8 10, 16, 7, 1, 255
; (D4 ib) and AAD with imm8 10, 16, 7, 0, 255 (D5 ib) over AX values. AAM 0 (#DE) is in
; exceptions.asm. Real mode and 32-bit flat protected mode.
; Flags (SDM Vol. 2):
;   AAA/AAS: "The AF and CF flags are set to 1 if there is a decimal carry [borrow]; otherwise,
;            they are set to 0. The OF, SF, ZF, and PF flags are undefined." -> mask 0x011
;   AAM/AAD: "The SF, ZF, and PF flags are set according to the resulting binary value in the AL
;            register. The OF, AF, and CF flags are undefined." -> mask 0x0C4
%include "rom.inc"
%include "testlib.inc"

%macro AAMT 1
  TEST {"aam ", %str(%1)}, 16, 16, 0x8D7, 0x0C4, O_EAX
    aam %1
  ENDT ax16
%endmacro

%macro AADT 1
  TEST {"aad ", %str(%1)}, 16, 16, 0x002, 0x0C4, O_EAX
    aad %1
  ENDT ax16
%endmacro

%macro TESTS 0
  STDTABLES
  TABLE afcf, 0x02, 0x03, 0x12, 0x13
  TABLE ax16, 0x0000, 0x0009, 0x000A, 0x000F, 0x0010, 0x0063, 0x0064, 0x007F, 0x0080, 0x00F9, 0x00FA, 0x00FF, 0x0109, 0x0509, 0x09FF, 0xFF09, 0xFFFA, 0x1234, 0x8080
  TEST "aaa (a = AX, b = flags in)", 16, 8, 0, 0x011, O_EAX
    movzx ebx, bl
    push ebx
    popfd
    aaa
  ENDT ax16, afcf
  TEST "aas (a = AX, b = flags in)", 16, 8, 0, 0x011, O_EAX
    movzx ebx, bl
    push ebx
    popfd
    aas
  ENDT ax16, afcf
  AAMT 10
  AAMT 16
  AAMT 7
  AAMT 1
  AAMT 255
  AADT 10
  AADT 16
  AADT 7
  AADT 0
  AADT 255
%endmacro

ROM_START
  PRINTLN "bcd_ascii: real mode"
  TESTS
  PRINTLN "bcd_ascii: protected mode"
  CALL32 pm_tests
  PRINTLN "bcd_ascii: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
