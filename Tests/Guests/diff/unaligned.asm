; unaligned: misaligned and boundary-crossing data accesses (an emulator with a per-page fast
; path must split them correctly): word/dword loads, stores and read-modify-writes (ADD, XCHG,
; INC, NOT, XADD, CMPXCHG, BTS, SHL) at odd addresses and across 4 KiB page boundaries, PUSH/POP
; with a misaligned ESP crossing a page, REP MOVSD/STOSD with misaligned pointers across a page,
; and in protected mode: a dword across the 64 KiB boundary, a dword store that straddles the
; RAM/ROM boundary at F0000h (the ROM half is not written), a dword load straddling ROM/RAM at
; 100000h (1 MiB; A20 is enabled at reset), and RAM above 1 MiB.
%include "rom.inc"
%include "testlib.inc"

%macro SHOW 1 ; print dword at address
  PHEX32 [%1]
  SP_
%endmacro

%macro TESTS 0
  PRINT "odd/page-crossing loads: "
  mov dword [0x1FFC], 0x44332211
  mov dword [0x2000], 0x88776655
  mov ax, [0x1FFF]
  PHEX16 ax
  SP_
  mov eax, [0x1FFD]
  PHEX32 eax
  SP_
  mov eax, [0x1FFE]
  PHEX32 eax
  SP_
  mov eax, [0x1FFF]
  PHEX32 eax
  SP_
  mov ebx, 0x1FFB
  mov eax, [ebx+2]
  PHEX32 eax
  NL
  PRINT "page-crossing stores: "
  mov dword [0x2FFC], 0
  mov dword [0x3000], 0
  mov word [0x2FFF], 0xBBAA
  SHOW 0x2FFC
  SHOW 0x3000
  mov dword [0x2FFE], 0xDDCCBBAA
  SHOW 0x2FFC
  SHOW 0x3000
  mov dword [0x2FFD], 0x11223344
  SHOW 0x2FFC
  SHOW 0x3000
  NL
  PRINT "page-crossing read-modify-write: "
  mov dword [0x2FFC], 0x11111111
  mov dword [0x3000], 0x22222222
  add dword [0x2FFE], 0x01010101
  SHOW 0x2FFC
  SHOW 0x3000
  mov ecx, 0xAAAAAAAA
  xchg [0x2FFD], ecx
  PHEX32 ecx
  SP_
  SHOW 0x2FFC
  SHOW 0x3000
  inc dword [0x2FFF]
  not word [0x2FFF]
  SHOW 0x2FFC
  SHOW 0x3000
  mov edx, 0x10000000
  xadd [0x2FFE], edx
  PHEX32 edx
  SP_
  mov eax, [0x2FFE]
  mov ebx, 0x5A5A5A5A
  cmpxchg [0x2FFE], ebx
  SHOW 0x2FFC
  SHOW 0x3000
  bts dword [0x2FFE], 17
  shl dword [0x2FFD], 4
  SHOW 0x2FFC
  SHOW 0x3000
  NL
  PRINT "push/pop with ESP misaligned across a page (ESP=3002): "
  mov [DATA0], esp
  mov esp, 0x3002
  push dword 0x12345678
  push word 0x9ABC
  mov [DATA1], esp
  pop cx
  pop edx
  mov esp, [DATA0]
  PHEX32 [DATA1]
  SP_
  SHOW 0x2FFC
  SHOW 0x3000
  PREG cx, edx
  NL
  PRINT "rep movsd / rep stosd misaligned across a page: "
  mov dword [0x3FF0], 0x03020100
  mov dword [0x3FF4], 0x07060504
  mov dword [0x3FF8], 0x0B0A0908
  mov dword [0x3FFC], 0x0F0E0D0C
  mov dword [0x4000], 0x13121110
  mov dword [0x4004], 0x17161514
  mov esi, 0x3FF3
  mov edi, 0x4FFD
  mov ecx, 4
  cld
  a32 rep movsd
  SHOW 0x4FFC
  SHOW 0x5000
  SHOW 0x5004
  SHOW 0x5008
  SHOW 0x500C
  mov edi, 0x5FFF
  mov eax, 0xC0DEC0DE
  mov ecx, 2
  a32 rep stosd
  SHOW 0x5FFC
  SHOW 0x6000
  SHOW 0x6004
  NL
%endmacro

ROM_START
  PRINTLN "unaligned: real mode"
  TESTS
  PRINT "real mode: dword at 64 KiB - 2 is not allowed (segment limit): skipped; word at FFFE: "
  mov word [0xFFFE], 0x1357
  PHEX16 [0xFFFE]
  NL
  PRINTLN "unaligned: protected mode"
  CALL32 pm_tests
  PRINTLN "unaligned: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  PRINT "across 64 KiB: "
  mov dword [0xFFFC], 0
  mov dword [0x10000], 0
  mov dword [0xFFFE], 0xA1B2C3D4
  SHOW 0xFFFC
  SHOW 0x10000
  mov eax, [0xFFFF]
  PHEX32 eax
  NL
  PRINT "store across RAM/ROM at F0000 (ROM half dropped): "
  mov dword [0xEFFFC], 0
  mov dword [0xEFFFE], 0x33335555
  SHOW 0xEFFFC
  SHOW 0xF0000
  mov eax, [0xEFFFF]
  PHEX32 eax
  NL
  PRINT "load across ROM/RAM at 1 MiB, RAM above 1 MiB: "
  mov dword [0x100000], 0x22222222
  mov dword [0x0], 0x0F0F0F0F
  SHOW 0xFFFFC
  SHOW 0xFFFFE
  SHOW 0x100000
  SHOW 0x0
  mov dword [0x200001], 0x76543210
  SHOW 0x200000
  SHOW 0x200001
  mov dword [0xFFFFF0], 0xFEEDFACE
  SHOW 0xFFFFF0
  NL
  ret

ROM_END
