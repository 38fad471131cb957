%include "rom.inc"
ROM_START
  PRINTLN "hello real mode"
  mov eax, 0x12345678
  mov bl, 0xAB
  PREG eax, ax, al, ah, bl, esp, sp, cs, ds
  NL
  stc
  PFLAGS 0x8D5
  NL
  DUMP
  CALL32 pm
  PRINTLN "back"
  DUMP
  EXIT 0
CODE32
pm:
  PRINTLN "in pm"
  PREG cs, ds, ss
  mov eax, cr0
  and eax, 1
  PREG eax
  NL
  DUMP
  ret
ROM_END
