; lazy_flags: random PAIRS of flag-writing instructions followed by every kind of flag consumer,
; to catch lazy-flag evaluation bugs (an emulator that defers flag computation must combine a
; partial writer - INC/DEC keep CF, rotates keep SF ZF AF PF, BT keeps ZF, shifts by 0 keep
; everything, CLC/STC/CMC/SAHF ... - with the flags of the instruction before it).
; Each case (xorshift32 PRNG, fixed seeds, edge values mixed in): EFLAGS = random arithmetic flags,
; EAX/EBX/EDX = a/b/d, CL = count; op1; op2; then consumers: PUSHFD, the 16 SETcc, the 16 Jcc,
; ADC (CF), LAHF. Printed: names, inputs, EAX EBX EDX, and each consumer masked to the flags that
; are defined after the pair. The mask is computed at run time from each op's (written, defined)
; flag sets (SDM Vol. 2 "Flags Affected" of each instruction; count-dependent for shifts and
; rotates as in shift_forms.inc), e.g. after "ADD; INC" all six are defined, after "AND; INC" AF
; is defined again, after "MUL; ROL 5" SF ZF AF PF stay undefined. A SETcc/Jcc bit is printed
; only if every flag its condition reads is defined.
; Real mode (seed 1) and 32-bit flat protected mode (seed 2).
%include "rom.inc"
%include "testlib.inc"

%define M_WR    0x640
%define M_DEF   0x644
%define M1_WR   0x648
%define M1_DEF  0x64C
%define M2_WR   0x650
%define M2_DEF  0x654
%define RNG     0x658
%define R_F     0x65C
%define R_A     0x660
%define R_B     0x664
%define R_D     0x668
%define R_ADC   0x66C
%define R_L     0x670
%define MASK    0x674
%define VALID   0x678
%define CASE    0x67C
%define IN_A    0x680
%define IN_B    0x684
%define IN_D    0x688
%define IN_C    0x68C
%define IN_F    0x690
%define OP1     0x694
%define OP2     0x698
%define SETB    0x6A0      ; 16 bytes
%define JCCB    0x6B0      ; 16 bytes
%define NCASES  250

%define OPL(n) lzop_ %+ __?BITS?__ %+ _ %+ n

; FIX name, written, defined, instructions (one per argument)
%macro FIX 4-*
  %assign NOPS NOPS + 1
  %xdefine OPNAME_%[NOPS] %1
  %xdefine %%wr %2
  %xdefine %%def %3
  OPL(NOPS):
  %rep %0 - 3
    %4
    %rotate 1
  %endrep
  mov dword [M_WR], %%wr
  mov dword [M_DEF], %%def
  ret
%endmacro

; SHV name, kind (SH SAR ROT RC SHD), size, instruction: count-dependent masks
%macro SHV 4
  %assign NOPS NOPS + 1
  OPL(NOPS):
  %if %3 == 16
    %ifidni %2, SHD
      pushfd
      and ecx, 15
      popfd
    %endif
  %endif
  %4
  pushfd
  push ecx
  push eax
  push edx
  mov dword [M_WR], 0
  mov dword [M_DEF], 0
  and ecx, 31
  jz %%done
  %ifidni %2, ROT
    mov dword [M_WR], 0x801
    mov dword [M_DEF], 0x001
    cmp ecx, 1
    jne %%done
    mov dword [M_DEF], 0x801
  %elifidni %2, RC
    mov eax, ecx
    %if %3 == 8
      xor edx, edx
      push ebx
      mov ebx, 9
      div ebx
      pop ebx
    %elif %3 == 16
      xor edx, edx
      push ebx
      mov ebx, 17
      div ebx
      pop ebx
    %else
      mov edx, ecx
    %endif
    ; edx = effective rotate count
    mov dword [M_WR], 0x800
    cmp edx, 0
    je %%rc1
    mov dword [M_WR], 0x801
    mov dword [M_DEF], 0x001
  %%rc1:
    cmp ecx, 1
    jne %%done
    mov dword [M_DEF], 0x801
  %else
    mov dword [M_WR], 0x8D5
    mov dword [M_DEF], 0x0C5
    cmp ecx, 1
    jne %%gt1
    mov dword [M_DEF], 0x8C5
  %%gt1:
    %ifidni %2, SH
      cmp ecx, %3
      jb %%done
      and dword [M_DEF], ~1
    %endif
  %endif
%%done:
  pop edx
  pop eax
  pop ecx
  popfd
  ret
  %xdefine OPNAME_%[NOPS] %1
%endmacro

%macro OPS 0
  %assign NOPS 0
  FIX "add8  ", 0x8D5, 0x8D5, {add al, bl}
  FIX "add32 ", 0x8D5, 0x8D5, {add eax, ebx}
  FIX "adc16 ", 0x8D5, 0x8D5, {adc ax, bx}
  FIX "adc32 ", 0x8D5, 0x8D5, {adc eax, ebx}
  FIX "sub16 ", 0x8D5, 0x8D5, {sub ax, bx}
  FIX "sbb8  ", 0x8D5, 0x8D5, {sbb al, bl}
  FIX "sbb32 ", 0x8D5, 0x8D5, {sbb eax, ebx}
  FIX "cmp32 ", 0x8D5, 0x8D5, {cmp eax, ebx}
  FIX "cmp8  ", 0x8D5, 0x8D5, {cmp bl, al}
  FIX "neg16 ", 0x8D5, 0x8D5, {neg ax}
  FIX "inc32 ", 0x8D4, 0x8D4, {inc eax}
  FIX "inc8  ", 0x8D4, 0x8D4, {inc al}
  FIX "dec16 ", 0x8D4, 0x8D4, {dec ax}
  FIX "dec32 ", 0x8D4, 0x8D4, {dec eax}
  FIX "and32 ", 0x8D5, 0x8C5, {and eax, ebx}
  FIX "or8   ", 0x8D5, 0x8C5, {or al, bl}
  FIX "xor16 ", 0x8D5, 0x8C5, {xor ax, bx}
  FIX "test32", 0x8D5, 0x8C5, {test eax, ebx}
  FIX "not32 ", 0, 0, {not eax}
  FIX "mov   ", 0, 0, {mov eax, ebx}
  FIX "lea   ", 0, 0, {lea eax, [eax+ebx*2+1]}
  FIX "xadd32", 0x8D5, 0x8D5, {xadd eax, ebx}
  FIX "cmpxc ", 0x8D5, 0x8D5, {cmpxchg ebx, edx}
  FIX "bt32  ", 0x895, 0x001, {bt eax, ebx}
  FIX "bts16 ", 0x895, 0x001, {bts ax, bx}
  FIX "btc32i", 0x895, 0x001, {btc eax, 7}
  FIX "bsf32 ", 0x8D5, 0x040, {pushfd}, {or ebx, 0x10000}, {popfd}, {bsf eax, ebx}
  FIX "bsr16 ", 0x8D5, 0x040, {pushfd}, {or bx, 0x100}, {popfd}, {bsr ax, bx}
  FIX "mul32 ", 0x8D5, 0x801, {mul ebx}
  FIX "mul8  ", 0x8D5, 0x801, {mul bl}
  FIX "imul16", 0x8D5, 0x801, {imul bx}
  FIX "imul2 ", 0x8D5, 0x801, {imul eax, ebx}
  FIX "imul3 ", 0x8D5, 0x801, {imul eax, ebx, 0x7F}
  FIX "daa   ", 0x8D5, 0x0D5, {daa}
  FIX "das   ", 0x8D5, 0x0D5, {das}
  FIX "aaa   ", 0x8D5, 0x011, {aaa}
  FIX "aas   ", 0x8D5, 0x011, {aas}
  FIX "aam   ", 0x8D5, 0x0C4, {aam}
  FIX "aad   ", 0x8D5, 0x0C4, {aad}
  FIX "sahf  ", 0x0D5, 0x0D5, {sahf}
  FIX "clc   ", 0x001, 0x001, {clc}
  FIX "stc   ", 0x001, 0x001, {stc}
  FIX "cmc   ", 0x001, 0x001, {cmc}
  FIX "setc  ", 0, 0, {setc dl}
  SHV "shl32 ", SH, 32, {shl eax, cl}
  SHV "shl8  ", SH, 8, {shl al, cl}
  SHV "shr16 ", SH, 16, {shr ax, cl}
  SHV "shr32 ", SH, 32, {shr eax, cl}
  SHV "sar8  ", SAR, 8, {sar al, cl}
  SHV "sar32 ", SAR, 32, {sar eax, cl}
  SHV "rol32 ", ROT, 32, {rol eax, cl}
  SHV "rol8  ", ROT, 8, {rol al, cl}
  SHV "ror16 ", ROT, 16, {ror ax, cl}
  SHV "rcl32 ", RC, 32, {rcl eax, cl}
  SHV "rcl8  ", RC, 8, {rcl al, cl}
  SHV "rcr16 ", RC, 16, {rcr ax, cl}
  SHV "rcr32 ", RC, 32, {rcr eax, cl}
  SHV "shld32", SHD, 32, {shld eax, ebx, cl}
  SHV "shrd16", SHD, 16, {shrd ax, bx, cl}
  FIX "shl1  ", 0x8D5, 0x8C5, {shl eax, 1}
  FIX "rcr1  ", 0x801, 0x801, {rcr eax, 1}
  FIX "rol1  ", 0x801, 0x801, {rol ax, 1}
%endmacro

; condition needs (flags read), in SETcc order O NO B AE E NE BE A S NS P NP L GE LE G
%macro NEEDS 0
  dd 0x800, 0x800, 0x001, 0x001, 0x040, 0x040, 0x041, 0x041, 0x080, 0x080, 0x004, 0x004, 0x880, 0x880, 0x8C0, 0x8C0
%endmacro

%macro JCC1 2
  j%1 short %%t
  mov byte [JCCB+%2], 0
  jmp short %%n
%%t:
  mov byte [JCCB+%2], 1
%%n:
%endmacro

%macro RAND 0 ; EAX = next xorshift32 value (state in RNG); clobbers flags
  mov eax, [RNG]
  push edx
  mov edx, eax
  shl edx, 13
  xor eax, edx
  mov edx, eax
  shr edx, 17
  xor eax, edx
  mov edx, eax
  shl edx, 5
  xor eax, edx
  pop edx
  mov [RNG], eax
%endmacro

; PICKV dest: random value, 1 in 4 an edge value
%macro PICKV 1
  RAND
  test al, 3
  jnz %%plain
  shr eax, 8
  and eax, 15
  mov eax, [cs:eax*4 + %%edges]
  jmp %%done
%%edges:
  dd 0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x0F, 0x10, 0x99, 0x09, 0xFFFFFF80
%%plain:
  RAND
%%done:
  mov %1, eax
%endmacro

%macro PACK 1 ; bytes at %1 (16) -> word in EAX bit i = byte i, then AND [VALID]; uses ECX
  xor eax, eax
  mov ecx, 15
%%p:
  shl eax, 1
  or al, [ecx + %1]
  dec ecx
  jns %%p
  and eax, [VALID]
%endmacro

; PNAME names: print the 6 characters at CS:names + ESI (ESI = index*6); clobbers ESI, AL
%macro PNAME 1
  push ecx
  mov ecx, 6
%%pn:
  mov al, [cs:esi + %1]
  out 0xE9, al
  inc esi
  dec ecx
  jnz %%pn
  pop ecx
%endmacro

%macro TESTS 1 ; seed
  jmp %%start
  OPS
  align 4
%%optab:
  %assign %%k 1
  %rep NOPS
    dd OPL(%%k)
    %assign %%k %%k + 1
  %endrep
%%names:
  %assign %%k 1
  %rep NOPS
    db OPNAME_%[%%k]
    %assign %%k %%k + 1
  %endrep
%%needs:
  NEEDS
%%start:
  mov dword [RNG], %1
  mov dword [CASE], 0
%%case:
  ; inputs
  RAND
  xor edx, edx
  mov ecx, NOPS
  div ecx
  mov [OP1], edx
  RAND
  xor edx, edx
  mov ecx, NOPS
  div ecx
  mov [OP2], edx
  PICKV [IN_A]
  PICKV [IN_B]
  PICKV [IN_D]
  RAND
  xor edx, edx
  mov ecx, 40
  div ecx
  mov [IN_C], edx
  RAND
  and eax, 0x8D5
  or eax, 2
  mov [IN_F], eax
  ; print names and inputs
  mov esi, [OP1]
  lea esi, [esi*2 + esi]
  add esi, esi
  PNAME %%names
  SP_
  mov esi, [OP2]
  lea esi, [esi*2 + esi]
  add esi, esi
  PNAME %%names
  PRINT " a="
  PHEX32 [IN_A]
  PRINT " b="
  PHEX32 [IN_B]
  PRINT " d="
  PHEX32 [IN_D]
  PRINT " c="
  PHEX8 [IN_C]
  PRINT " f="
  PHEX16 [IN_F]
  PRINT ": "
  ; run
  mov eax, [IN_A]
  mov ebx, [IN_B]
  mov edx, [IN_D]
  mov ecx, [IN_C]
  mov esi, [OP1]
  mov edi, [OP2]
  push dword [IN_F]
  popfd
  %if __?BITS?__ == 16
    call word [cs:esi*4 + %%optab]
  %else
    call dword [cs:esi*4 + %%optab]
  %endif
  push dword [M_WR]
  pop dword [M1_WR]
  push dword [M_DEF]
  pop dword [M1_DEF]
  %if __?BITS?__ == 16
    call word [cs:edi*4 + %%optab]
  %else
    call dword [cs:edi*4 + %%optab]
  %endif
  ; consumers (none of the instructions up to LAHF changes flags)
  pushfd
  pop dword [R_F]
  seto [SETB+0]
  setno [SETB+1]
  setb [SETB+2]
  setae [SETB+3]
  sete [SETB+4]
  setne [SETB+5]
  setbe [SETB+6]
  seta [SETB+7]
  sets [SETB+8]
  setns [SETB+9]
  setp [SETB+10]
  setnp [SETB+11]
  setl [SETB+12]
  setge [SETB+13]
  setle [SETB+14]
  setg [SETB+15]
  JCC1 o, 0
  JCC1 no, 1
  JCC1 b, 2
  JCC1 ae, 3
  JCC1 e, 4
  JCC1 ne, 5
  JCC1 be, 6
  JCC1 a, 7
  JCC1 s, 8
  JCC1 ns, 9
  JCC1 p, 10
  JCC1 np, 11
  JCC1 l, 12
  JCC1 ge, 13
  JCC1 le, 14
  JCC1 g, 15
  mov [R_A], eax
  mov [R_B], ebx
  mov [R_D], edx
  mov esi, 0x7FFFFFF0
  adc esi, 0
  mov [R_ADC], esi
  lahf
  mov [R_L], ah
  ; mask = ((8D5 & ~WR1) | DEF1) & ~WR2 | DEF2
  mov eax, [M1_WR]
  not eax
  and eax, 0x8D5
  or eax, [M1_DEF]
  mov ecx, [M_WR]
  not ecx
  and eax, ecx
  or eax, [M_DEF]
  mov [MASK], eax
  ; valid condition bits
  xor ebx, ebx
  mov ecx, 15
%%v:
  mov edx, [cs:ecx*4 + %%needs]
  mov eax, [MASK]
  and eax, edx
  cmp eax, edx
  jne %%vno
  bts ebx, ecx
%%vno:
  dec ecx
  jns %%v
  mov [VALID], ebx
  ; print
  PRINT "A="
  PHEX32 [R_A]
  PRINT " B="
  PHEX32 [R_B]
  PRINT " D="
  PHEX32 [R_D]
  PRINT " F="
  mov eax, [R_F]
  and eax, [MASK]
  PHEX16 ax
  PRINT " S="
  PACK SETB
  PHEX16 ax
  PRINT " J="
  PACK JCCB
  PHEX16 ax
  PRINT " C="
  mov eax, [R_ADC]
  test dword [MASK], 1
  jnz %%cok
  mov eax, 0
%%cok:
  PHEX8 al
  PRINT " L="
  mov al, [R_L]
  mov ah, [MASK]
  and al, ah
  PHEX8 al
  NL
  inc dword [CASE]
  cmp dword [CASE], NCASES
  jb %%case
%endmacro


ROM_START
  PRINTLN "lazy_flags: real mode"
  TESTS 1
  PRINTLN "lazy_flags: protected mode"
  CALL32 pm_tests
  PRINTLN "lazy_flags: done"
  EXIT 0

CODE32
pm_tests:
  TESTS 2
  ret

ROM_END
