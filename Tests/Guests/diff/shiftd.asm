; shiftd: SHLD and SHRD, 16/32-bit, by CL (0F A5 / 0F AD) and by imm8 (0F A4 / 0F AC), register and
; memory destinations, counts 0 1 2 7 8 15 16 31 32 33 (masked to 5 bits). Destination from the small
; value table, source (the bits shifted in) from {0, all ones, 12345678}. 16-bit operands with a
; masked count above 16 are skipped: "If the count is greater than the operand size, the result
; is undefined" (SDM Vol. 2 SHLD/SHRD). Real mode and 32-bit flat protected mode.
; Flags: c = 1: OF CF SF ZF PF defined; c > 1: OF undefined; AF undefined when a shift occurs;
; c = 0: nothing affected (SDM SHLD/SHRD "Flags Affected") -> masks from shift_forms.inc kind SHD.
%include "rom.inc"
%include "testlib.inc"
%include "shift_forms.inc"

; SHD1 mnem, size, count, flagsin
%macro SHD1 4
  SHMASK SHD, %2, %3
  %if SHSKIP == 0
    REGOF %2, a
    %xdefine RA RG
    REGOF %2, b
    TEST {%str(%1), %str(%2), " ", %str(RA), ",", %str(RG), ",cl  cl=", %str(%3)}, %2, %2, %4, SHM, O_EAX
      mov cl, %3
      %1 RA, RG, cl
    ENDT small%2, src%2
    TEST {%str(%1), %str(%2), " ", %str(RA), ",", %str(RG), ",", %str(%3), " (imm)"}, %2, %2, %4, SHM, O_EAX
      %1 RA, RG, %3
    ENDT imm%2, src%2
  %endif
%endmacro

%macro SHDALL 3 ; mnem, size, flagsin
  SHD1 %1, %2, 0, %3
  SHD1 %1, %2, 1, %3
  SHD1 %1, %2, 2, %3
  SHD1 %1, %2, 7, %3
  SHD1 %1, %2, 8, %3
  SHD1 %1, %2, 15, %3
  SHD1 %1, %2, 16, %3
  SHD1 %1, %2, 31, %3
  SHD1 %1, %2, 32, %3
  SHD1 %1, %2, 33, %3
%endmacro

%macro TESTS 1
  STDTABLES %1
  SHTABLES
  TABLE src16, 0x0000, 0xFFFF, 0x1234
  TABLE src32, 0x00000000, 0xFFFFFFFF, 0x12345678
  SHDALL shld, 16, 0x002
  SHDALL shld, 32, 0x8D7
  SHDALL shrd, 16, 0x8D7
  SHDALL shrd, 32, 0x002
  SHMASK SHD, 16, 4
  TEST "shld word [m],bx,cl=4", 16, 16, 0x002, SHM, O_M0
    mov cl, 4
    shld [DATA0], bx, cl
  ENDT small16, src16
  SHMASK SHD, 32, 1
  TEST "shrd dword [m],ebx,1", 32, 32, 0x002, SHM, O_M0
    shrd [DATA0], ebx, 1
  ENDT small32, src32
  SHMASK SHD, 32, 20
  TEST "shld dword [m],esi,20 (imm)", 32, 32, 0x8D7, SHM, O_M0
    mov esi, ebx
    shld [DATA0], esi, 20
  ENDT small32, src32
  SHMASK SHD, 16, 16
  TEST "shrd word [m],dx,cl=16", 16, 16, 0x002, SHM, O_M0
    mov dx, bx
    mov cl, 16
    shrd [DATA0], dx, cl
  ENDT small16, src16
%endmacro

ROM_START
  PRINTLN "shiftd: real mode"
  TESTS FULL
  PRINTLN "shiftd: protected mode"
  CALL32 pm_tests
  PRINTLN "shiftd: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
