; bittest: BT BTS BTR BTC and BSF BSR.
;  - register destination, register bit offset (0F A3/AB/B3/BB; offset taken modulo 16/32),
;  - register destination, imm8 offset (0F BA /4-/7; modulo operand size),
;  - memory bit string with a register offset, including offsets beyond the operand and negative
;    offsets (the CPU addresses base + (size/8)*floor(offset/size)): the guest stores the table
;    value at the dword/word the CPU must touch, runs the instruction, and prints that word back,
;  - memory with an imm8 offset (which is NOT beyond the operand: modulo operand size),
;  - BSF/BSR r16/r32 with register and memory sources; source 0 is run separately and only ZF is
;    printed, because the destination is undefined then (SDM Vol. 2 BSF/BSR: "If the content of
;    the source operand is 0, the content of the destination operand is undefined").
; 16/32-bit operands (8-bit forms do not exist), real mode and 32-bit flat protected mode.
; Flags: BT/BTS/BTR/BTC: CF = the bit, ZF unaffected, OF SF AF PF undefined (SDM Vol. 2 BT "Flags
; Affected": "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined.") -> mask
; 0x041 (ZF CF) with ZF in = 1 or 0. BSF/BSR: ZF defined, CF OF SF AF PF undefined (SDM BSF/BSR)
; -> mask 0x040.
%include "rom.inc"
%include "testlib.inc"

%define BUF 0x1100
%define F_BT 0x041

; BTADDR off, size -> %assign BTA = byte displacement from BUF of the word holding bit off
%macro BTADDR 2
  %if (%1) >= 0
    %assign BTA ((%1) / (%2)) * ((%2) / 8)
  %else
    %assign BTA -((-(%1) + (%2) - 1) / (%2)) * ((%2) / 8)
  %endif
%endmacro

; BTMEM mnem, size, offset, flagsin: [BUF + BTA] = a; mnem [BUF], reg = offset; print the word
%macro BTMEM 4
  BTADDR %3, %2
  %if %2 == 16
    TEST {%str(%1), " word [BUF],bx  bx=", %str(%3)}, 16, 16, %4, F_BT, O_EDX
      mov [BUF + BTA], ax
      mov bx, %3
      %1 [BUF], bx
      mov edx, [BUF + BTA]
    ENDT small16
  %else
    TEST {%str(%1), " dword [BUF],ebx  ebx=", %str(%3)}, 32, 32, %4, F_BT, O_EDX
      mov [BUF + BTA], eax
      mov ebx, %3
      %1 [BUF], ebx
      mov edx, [BUF + BTA]
    ENDT small32
  %endif
%endmacro

%macro BTFAMILY 2 ; mnem, flagsin
  TEST {%str(%1), " ax,bx (register, offset mod 16)"}, 16, 16, %2, F_BT, O_EAX
    %1 ax, bx
  ENDT v16, offs16
  TEST {%str(%1), " eax,ebx (register, offset mod 32)"}, 32, 32, %2, F_BT, O_EAX
    %1 eax, ebx
  ENDT v32, offs32
  TEST {%str(%1), " si,imm 3 / 17 / 255"}, 16, 16, %2, F_BT, O_ESI
    mov si, ax
    %1 si, 3
    %1 si, 17
    %1 si, 255
  ENDT small16
  TEST {%str(%1), " edi,imm 0 / 31 / 32 / 63"}, 32, 32, %2, F_BT, O_EDI
    mov edi, eax
    %1 edi, 0
    %1 edi, 31
    %1 edi, 32
    %1 edi, 63
  ENDT small32
  BTMEM %1, 16, 0, %2
  BTMEM %1, 16, 15, %2
  BTMEM %1, 16, 16, %2
  BTMEM %1, 16, 100, %2
  BTMEM %1, 16, -1, %2
  BTMEM %1, 16, -17, %2
  BTMEM %1, 16, -100, %2
  BTMEM %1, 32, 0, %2
  BTMEM %1, 32, 31, %2
  BTMEM %1, 32, 32, %2
  BTMEM %1, 32, 200, %2
  BTMEM %1, 32, -1, %2
  BTMEM %1, 32, -33, %2
  BTMEM %1, 32, -200, %2
  TEST {%str(%1), " dword [BUF],35 (imm: bit 3 of [BUF], not of [BUF+4])"}, 32, 32, %2, F_BT, O_EDX
    mov [BUF], eax
    mov dword [BUF+4], 0
    %1 dword [BUF], 35
    mov edx, [BUF]
    or edx, [BUF+4]
  ENDT small32
  TEST {%str(%1), " word [BUF],15 (imm)"}, 16, 16, %2, F_BT, O_EDX
    mov [BUF], ax
    %1 word [BUF], 15
    mov edx, [BUF]
  ENDT small16
%endmacro

%macro TESTS 0
  STDTABLES
  TABLE offs16, 0, 1, 15, 16, 17, 0xFFFF
  TABLE offs32, 0, 1, 31, 32, 33, 0xFFFFFFFF
  TABLE bsv16, 0x0001, 0x0002, 0x0080, 0x8000, 0xFFFF, 0x0FF0, 0x1234
  TABLE bsv32, 0x00000001, 0x00000002, 0x80000000, 0xFFFFFFFF, 0x00010000, 0x00F0F000, 0x12345678
  TABLE zero, 0
  BTFAMILY bt, 0x8D7
  BTFAMILY bts, 0x002
  BTFAMILY btr, 0x8D7
  BTFAMILY btc, 0x002
  TEST "bsf ax,bx (non-zero source)", 16, 16, 0x8D7, 0x040, O_EAX
    bsf ax, bx
  ENDT one, bsv16
  TEST "bsr ax,bx (non-zero source)", 16, 16, 0x002, 0x040, O_EAX
    bsr ax, bx
  ENDT one, bsv16
  TEST "bsf eax,ebx (non-zero source)", 32, 32, 0x002, 0x040, O_EAX
    bsf eax, ebx
  ENDT one, bsv32
  TEST "bsr eax,ebx (non-zero source)", 32, 32, 0x8D7, 0x040, O_EAX
    bsr eax, ebx
  ENDT one, bsv32
  TEST "bsf cx,[m] / bsr dx,[m] (memory source, non-zero)", 16, 16, 0x002, 0x040, O_ECX|O_EDX
    bsf cx, [DATA1]
    bsr dx, [DATA1]
  ENDT one, bsv16
  TEST "bsf esi,[m] / bsr edi,[m] (memory source, non-zero)", 32, 32, 0x002, 0x040, O_ESI|O_EDI
    bsf esi, [DATA1]
    bsr edi, [DATA1]
  ENDT one, bsv32
  TEST "bsf/bsr with source 0: ZF only (destination undefined, not printed)", 32, 32, 0x002, 0x040, 0
    bsf eax, ebx
    PFLAGS 0x040
    bsr ax, bx
    PFLAGS 0x040
    bsf si, [DATA1]
    PFLAGS 0x040
    bsr edi, [DATA1]
  ENDT one, zero
%endmacro

ROM_START
  PRINTLN "bittest: real mode"
  TESTS
  PRINTLN "bittest: protected mode"
  CALL32 pm_tests
  PRINTLN "bittest: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
