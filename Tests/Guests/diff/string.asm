; string: MOVS CMPS SCAS LODS STOS (byte/word/dword) with REP / REPE / REPNE, DF = 0 and 1, the
; mode's own address size and the other one through 67h (real mode: a32 with ESI/EDI/ECX; PM:
; a16 with SI/DI/CX, upper halves of ESI/EDI/ECX must survive), count 0, 16-bit offset
; wrap-around, segment override of the source (real mode: DS moved away, ES:/FS: override).
; Real mode and 32-bit flat protected mode.
; SRC (2000h) holds bytes 40h+i, DST (2100h) is filled with EEh before each test; each line
; prints EAX ECX ESI EDI, flags, and the first 32 bytes of DST (dwords, low address first).
; Flags: CMPS/SCAS set OF SF ZF AF PF CF as CMP (SDM Vol. 2 CMPS, SCAS); MOVS/LODS/STOS affect
; none -> mask 0xCD5 (the six + DF).
%include "rom.inc"
%include "testlib.inc"

%define SRC 0x2000
%define DST 0x2100
%define F_STR 0xCD5

%macro GUEST_ROUTINES 0
%%initbufs:
  push eax
  push ebx
  xor ebx, ebx
%%i1:
  lea eax, [ebx + 0x40]
  mov [ebx + SRC], al
  mov byte [ebx + DST], 0xEE
  inc ebx
  cmp ebx, 0x100
  jb %%i1
  pop ebx
  pop eax
  ret
%%dumpdst:
  PRINT "dst:"
  push ebx
  mov ebx, DST
%%d1:
  SP_
  PHEX32 [ebx]
  add ebx, 4
  cmp ebx, DST + 32
  jb %%d1
  pop ebx
  NL
  ret
  %if __?BITS?__ == 16
    initbufs16 equ %%initbufs
    dumpdst16 equ %%dumpdst
  %else
    initbufs32 equ %%initbufs
    dumpdst32 equ %%dumpdst
  %endif
%endmacro

%macro ST_BEGIN 1
  PRINT %1, ": "
  %if __?BITS?__ == 16
    call initbufs16
  %else
    call initbufs32
  %endif
  mov eax, 0x11111111
  mov ecx, 0xABCD0000
  mov esi, SRC
  mov edi, DST
  push dword 0x002
  popfd
%endmacro

%macro ST_END 0
  PREG eax, ecx, esi, edi
  PFLAGS F_STR
  cld
  %if __?BITS?__ == 16
    call dumpdst16
  %else
    call dumpdst32
  %endif
%endmacro

; own address size: real mode -> 16-bit (CX/SI/DI), PM -> 32-bit
; SETC n: the count register of the own address size (real mode: CX, ECX upper half ABCD stays)
%macro SETC 1
  %if __?BITS?__ == 16
    mov cx, %1
  %else
    mov ecx, %1
  %endif
%endmacro
%macro TESTS 0
  ST_BEGIN "rep movsb cx=13"
  SETC 13
  rep movsb
  ST_END
  ST_BEGIN "rep movsw cx=5"
  SETC 5
  rep movsw
  ST_END
  ST_BEGIN "rep movsd cx=3"
  SETC 3
  rep movsd
  ST_END
  ST_BEGIN "std; rep movsb cx=13 from +12 down"
  add esi, 12
  add edi, 12
  SETC 13
  std
  rep movsb
  ST_END
  ST_BEGIN "std; rep movsd cx=3 from +8 down"
  add esi, 8
  add edi, 8
  SETC 3
  std
  rep movsd
  ST_END
  ST_BEGIN "movsb; movsw; movsd (no rep)"
  movsb
  movsw
  movsd
  ST_END
  ST_BEGIN "rep movsb with cx=0 (nothing moves)"
  SETC 0
  rep movsb
  ST_END
  ST_BEGIN "other address size: real a32 rep movsb ecx=7 / PM a16 rep movsb cx=7 (upper halves 1234)"
  %if __?BITS?__ == 16
    mov ecx, 7
    a32 rep movsb
  %else
    mov esi, 0x12340000 + SRC
    mov edi, 0x12340000 + DST
    mov ecx, 0x12340007
    a16 rep movsb
  %endif
  ST_END
  ST_BEGIN "other address size: real a32 std rep movsw ecx=3 / PM a16 std rep movsw cx=3"
  add esi, 4
  add edi, 4
  %if __?BITS?__ == 16
    mov ecx, 3
    std
    a32 rep movsw
  %else
    add esi, 0x56780000
    add edi, 0x56780000
    mov ecx, 0x56780003
    std
    a16 rep movsw
  %endif
  ST_END
  ST_BEGIN "16-bit offset wrap: si=FFFE, 4x a16 movsb (source FFFE FFFF 0000 0001)"
  mov dword [0xFFFC], 0x8899AABB
  mov ax, [0]
  mov [DATA0], ax
  mov esi, 0x0000FFFE
  %if __?BITS?__ == 16
    movsb
    movsb
    movsb
    movsb
  %else
    a16 movsb
    a16 movsb
    a16 movsb
    a16 movsb
  %endif
  ST_END
  ST_BEGIN "rep stosb cx=9 al=5A"
  mov al, 0x5A
  SETC 9
  rep stosb
  ST_END
  ST_BEGIN "std; rep stosw cx=4 ax=1234 from +14"
  mov ax, 0x1234
  add edi, 14
  SETC 4
  std
  rep stosw
  ST_END
  ST_BEGIN "rep stosd cx=300 eax=CAFEBABE (1200 bytes)"
  mov eax, 0xCAFEBABE
  SETC 300
  rep stosd
  ST_END
  ST_BEGIN "stosb; stosw; stosd (no rep)"
  mov eax, 0x87654321
  stosb
  stosw
  stosd
  ST_END
  ST_BEGIN "lodsb; lodsw; lodsd"
  lodsb
  mov [DST], al
  lodsw
  mov [DST+4], ax
  lodsd
  mov [DST+8], eax
  ST_END
  ST_BEGIN "rep lodsb cx=5 (AL = last byte)"
  SETC 5
  rep lodsb
  ST_END
  ST_BEGIN "std; lodsd from +8"
  add esi, 8
  std
  lodsd
  ST_END
  ST_BEGIN "overlap: rep movsb cx=12 with DI = SI+1 (element by element: byte 0 propagates)"
  mov esi, DST
  mov edi, DST + 1
  mov byte [DST], 0x31
  SETC 12
  rep movsb
  ST_END
  ST_BEGIN "overlap: rep movsw cx=6 with DI = SI+1 (word steps, byte overlap)"
  mov esi, DST
  mov edi, DST + 1
  mov dword [DST], 0x34333231
  SETC 6
  rep movsw
  ST_END
  ST_BEGIN "overlap: rep movsd cx=5 with DI = SI+2"
  mov esi, DST
  mov edi, DST + 2
  mov dword [DST], 0x34333231
  SETC 5
  rep movsd
  ST_END
  ST_BEGIN "overlap: std; rep movsb cx=10 with DI = SI-1 from DST+12 down"
  mov dword [DST+8], 0x34333231
  mov dword [DST+12], 0x38373635
  mov esi, DST + 12
  mov edi, DST + 11
  SETC 10
  std
  rep movsb
  ST_END
  ST_BEGIN "overlap: std; rep movsw cx=4 with DI = SI+1 (backwards, overlapping upwards)"
  mov dword [DST+8], 0x34333231
  mov dword [DST+12], 0x38373635
  mov esi, DST + 12
  mov edi, DST + 13
  SETC 4
  std
  rep movsw
  ST_END
  ST_BEGIN "repe cmpsb cx=10, DST = SRC except DST[5]"
  SETC 10
  rep movsb
  mov esi, SRC
  mov edi, DST
  mov byte [DST+5], 0x00
  SETC 10
  repe cmpsb
  ST_END
  ST_BEGIN "repe cmpsb cx=8, all equal (runs out)"
  SETC 8
  rep movsb
  mov esi, SRC
  mov edi, DST
  SETC 8
  repe cmpsb
  ST_END
  ST_BEGIN "repne cmpsb cx=10, only DST[3] equal"
  mov byte [DST+3], 0x43
  SETC 10
  repne cmpsb
  ST_END
  ST_BEGIN "repe cmpsw cx=4 equal, then cmpsd (no rep) unequal"
  SETC 4
  rep movsw
  mov esi, SRC
  mov edi, DST
  SETC 4
  repe cmpsw
  cmpsd
  ST_END
  ST_BEGIN "std; repe cmpsd cx=3 from +8, DST = SRC"
  SETC 16
  rep movsb
  mov esi, SRC + 8
  mov edi, DST + 8
  SETC 3
  std
  repe cmpsd
  ST_END
  ST_BEGIN "cmpsb with ES: override on the source"
  es cmpsb
  ST_END
  ST_BEGIN "repne scasb cx=20 al=47 (found at SRC+7)"
  mov edi, SRC
  mov al, 0x47
  SETC 20
  repne scasb
  ST_END
  ST_BEGIN "repne scasb cx=5 al=99 (not found)"
  mov edi, SRC
  mov al, 0x99
  SETC 5
  repne scasb
  ST_END
  ST_BEGIN "repe scasw cx=6 ax=EEEE over DST (stops at DST+8 written 0)"
  mov word [DST+8], 0
  mov ax, 0xEEEE
  SETC 6
  repe scasw
  ST_END
  ST_BEGIN "scasd (no rep) eax=47464544 at SRC+4"
  mov edi, SRC + 4
  mov eax, 0x47464544
  scasd
  ST_END
  ST_BEGIN "std; repne scasb cx=16 al=41 from SRC+15"
  mov edi, SRC + 15
  mov al, 0x41
  SETC 16
  std
  repne scasb
  ST_END
  ST_BEGIN "other address size repne scasb: real a32 ecx=20 / PM a16 cx=20 (upper halves 9999)"
  mov al, 0x4A
  %if __?BITS?__ == 16
    mov edi, SRC
    mov ecx, 20
    a32 repne scasb
  %else
    mov edi, 0x99990000 + SRC
    mov ecx, 0x99990014
    a16 repne scasb
  %endif
  ST_END
  ST_BEGIN "repe cmpsb with cx=0 (flags unchanged, nothing compared)"
  push dword 0x8D7
  popfd
  SETC 0
  repe cmpsb
  ST_END
  %if __?BITS?__ == 16
    ST_BEGIN "real mode: DS=0100 (base 1000), es movsb (source ES:SI) then movsb (source DS:SI)"
    mov byte [0x1000 + SRC - 0x1000], 0x66
    mov ax, 0x0100
    mov ds, ax
    mov byte [SRC - 0x1000 + 1], 0x77
    mov esi, SRC
    es movsb
    mov esi, SRC - 0x1000 + 1
    movsb
    mov ax, 0
    mov ds, ax
    ST_END
    ST_BEGIN "real mode: FS=0200 (base 2000), fs lodsb/fs lodsw at SI=0"
    mov ax, 0x0200
    mov fs, ax
    mov esi, 0
    fs lodsb
    mov [DST], al
    fs lodsw
    mov [DST+1], ax
    mov ax, 0
    mov fs, ax
    ST_END
    ST_BEGIN "real mode: ES=0210 (base 2100): rep stosb cx=3 at DI=4, movsb from gs: (GS=0200) SI=9"
    mov ax, 0x0210
    mov es, ax
    mov ax, 0x0200
    mov gs, ax
    mov edi, 4
    mov al, 0xAB
    mov cx, 3
    rep stosb
    mov esi, 9
    gs movsb
    mov ax, 0
    mov es, ax
    mov gs, ax
    ST_END
  %endif
%endmacro

ROM_START
  PRINTLN "string: real mode"
  TESTS
  PRINTLN "string: protected mode"
  CALL32 pm_tests
  PRINTLN "string: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
