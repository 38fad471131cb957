; div: DIV and IDIV (F6/F7 /6 /7) 8/16/32-bit, register and memory divisors, only operand pairs
; that do not fault (quotient fits, divisor non-zero; faults are in exceptions.asm). Real mode and
; 32-bit flat protected mode (same tables: they are already small).
; Dividend AX (8-bit), DX:AX, EDX:EAX; DX/EDX come from the test's EDX parameter (upper half of
; EDX keeps the A5A5 pattern for 16-bit, so a stray write shows), or from CBW/CWD/CDQ for IDIV.
; Flags: all of CF OF SF ZF AF PF are undefined after DIV/IDIV (SDM Vol. 2 DIV, IDIV "Flags
; Affected": "The CF, OF, SF, ZF, AF, and PF flags are undefined.") -> mask 0.
%include "rom.inc"
%include "testlib.inc"

%macro TESTS 0
  STDTABLES
  TABLE d8a, 0x0000, 0x0001, 0x007F, 0x0080, 0x00FF, 0x0012
  TABLE d8b, 0x01, 0x02, 0x07, 0x10, 0x7F, 0x80, 0xFF
  TABLE d8c, 0x7F00, 0x7FFF, 0x1234, 0x0100
  TABLE d8d, 0x80, 0x81, 0xFF
  TABLE d16a, 0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 0x1234
  TABLE d16b, 0x0001, 0x0002, 0x0007, 0x00FF, 0x7FFF, 0x8000, 0xFFFF
  TABLE d16c, 0x8000, 0x8001, 0xFFFE, 0xFFFF
  TABLE d32a, 0x00000000, 0x00000001, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678
  TABLE d32b, 0x00000001, 0x00000002, 0x00000007, 0x000000FF, 0x0000FFFF, 0x00010000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF
  TABLE d32c, 0x80000000, 0x80000001, 0xFFFFFFFF
  TABLE i8a, 0x00, 0x01, 0x7F, 0x81, 0xFF, 0x40, 0xC0, 0x02
  TABLE i8b, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x03, 0xFD
  TABLE i16a, 0x0000, 0x0001, 0x7FFF, 0x8001, 0xFFFF, 0x4000, 0xC000
  TABLE i16b, 0x0001, 0x0002, 0x7FFF, 0x8000, 0xFFFF, 0x0003, 0xFFFD
  TABLE i32a, 0x00000000, 0x00000001, 0x7FFFFFFF, 0x80000001, 0xFFFFFFFF, 0x12345678, 0xC0000000
  TABLE i32b, 0x00000001, 0x00000002, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x00000003, 0xFFFFFFFD
  TABLE i16c, 0x0001, 0x0002, 0x7FFF, 0x8000, 0x0003, 0xFFFD
  TABLE i32c, 0x00000001, 0x00000002, 0x7FFFFFFF, 0x80000000, 0x00000003, 0xFFFFFFFD
  TABLE i32p, 0x00000000, 0x00000001, 0x7FFFFFFF, 0x12345678, 0x0000FFFF
  TABLE i32d, 0x00000001, 0x00000002, 0x80000000, 0x80000001
  ; pairs for IDIV r/m8 without sign extension: high word = AX, low byte = divisor
  TABLE i8pairs, 0xFF800001, 0xFF000002, 0x01000003, 0x3F800081, 0x3F800080, 0xC0800080, 0x007F00FF, 0xFF8100FF, 0x000500FE, 0xFFFB0002, 0x3F01007F

  TEST "div bl: AX (AH=0) / bl", 16, 8, 0x002, 0, O_EAX|O_EDX
    div bl
  ENDT d8a, d8b
  TEST "div bl: AX (AH<80) / bl>=80", 16, 8, 0x8D7, 0, O_EAX|O_EDX
    div bl
  ENDT d8c, d8d
  TEST "div byte [m]: AX / m8", 16, 8, 0x002, 0, O_EAX
    div byte [DATA1]
  ENDT d8a, d8b
  TEST "div bx: DX=0000:AX / bx", 16, 16, 0x002, 0, O_EAX|O_EDX, 0xA5A50000
    div bx
  ENDT d16a, d16b
  TEST "div bx: DX=7FFF:AX / bx>=8000", 16, 16, 0x002, 0, O_EAX|O_EDX, 0xA5A57FFF
    div bx
  ENDT d16a, d16c
  TEST "div word [m]: DX=0001:AX / m16>=8000", 16, 16, 0x002, 0, O_EAX|O_EDX, 0xA5A50001
    div word [DATA1]
  ENDT d16a, d16c
  TEST "div ebx: EDX=0:EAX / ebx", 32, 32, 0x002, 0, O_EAX|O_EDX, 0
    div ebx
  ENDT d32a, d32b
  TEST "div ebx: EDX=7FFFFFFF:EAX / ebx>=80000000", 32, 32, 0x002, 0, O_EAX|O_EDX, 0x7FFFFFFF
    div ebx
  ENDT d32a, d32c
  TEST "div dword [m]: EDX=FFFFFFFE:EAX / FFFFFFFF", 32, 32, 0x002, 0, O_EAX|O_EDX, 0xFFFFFFFE
    mov dword [DATA1], 0xFFFFFFFF
    div dword [DATA1]
  ENDT d32a
  TEST "div ecx: EDX=0:EAX / ecx (other register)", 32, 32, 0x002, 0, O_EAX|O_EDX, 0
    div ecx
  ENDT d32a, d32c
  TEST "cbw; idiv bl", 8, 8, 0x002, 0, O_EAX|O_EDX
    cbw
    idiv bl
  ENDT i8a, i8b
  TEST "cwd; idiv bx", 16, 16, 0x002, 0, O_EAX|O_EDX
    cwd
    idiv bx
  ENDT i16a, i16b
  TEST "cdq; idiv ebx", 32, 32, 0x002, 0, O_EAX|O_EDX
    cdq
    idiv ebx
  ENDT i32a, i32b
  TEST "idiv bl without sign extension: a = AX:divisor pairs", 32, 8, 0x002, 0, O_EAX|O_EBX
    mov bl, al
    shr eax, 16
    idiv bl
  ENDT i8pairs
  TEST "idiv byte [m] without sign extension: a = AX:divisor pairs", 32, 8, 0x002, 0, O_EAX
    mov [DATA1], al
    shr eax, 16
    idiv byte [DATA1]
  ENDT i8pairs
  TEST "idiv word [m]: DX=FFFF:AX / m16 (FFFF:8000 = -32768 ...)", 16, 16, 0x002, 0, O_EAX|O_EDX, 0xA5A5FFFF
    idiv word [DATA1]
  ENDT d16c, i16c
  TEST "idiv ecx: EDX=FFFFFFFF:EAX / ecx (negative dividends)", 32, 32, 0x002, 0, O_EAX|O_EDX, 0xFFFFFFFF
    idiv ecx
  ENDT d32c, i32c
  TEST "idiv dword [m]: EDX=0:EAX (non-negative) / m32", 32, 32, 0x002, 0, O_EAX|O_EDX, 0
    idiv dword [DATA1]
  ENDT i32p, i32b
  TEST "idiv esi: EDX:EAX=FFFFFFFF:80000000 / esi (-2^31 / 1, 2, -2^31, -2^31+1)", 32, 32, 0x002, 0, O_EAX|O_EDX, 0xFFFFFFFF
    mov eax, 0x80000000
    mov esi, ebx
    idiv esi
  ENDT one, i32d
%endmacro

ROM_START
  PRINTLN "div: real mode"
  TESTS
  PRINTLN "div: protected mode"
  CALL32 pm_tests
  PRINTLN "div: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
