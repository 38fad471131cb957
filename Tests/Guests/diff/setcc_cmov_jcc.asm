; setcc_cmov_jcc: the 16 conditions (O NO B AE E NE BE A S NS P NP L GE LE G) of SETcc (0F 9x, memory
; and register forms), CMOVcc (0F 4x, 32-bit memory source and 16/32-bit register sources) and
; Jcc (short 7x and near 0F 8x), for all 32 combinations of OF SF ZF PF CF (AF set in half).
; Each line: a = EFLAGS loaded; M0..M3 = 16 bytes, byte i = result for condition i (1/0, or the
; CMOV destination's low byte, which starts 0 and is 1 only when the move happened).
; Real mode and 32-bit flat protected mode.
; Flags: SETcc/CMOVcc/Jcc affect no flags -> printed with mask 0x8D5 (must equal the input).
%include "rom.inc"
%include "testlib.inc"

%define S DATA0
%define ONE 0x700

%macro SETALL 0
  seto [S+0]
  setno [S+1]
  setb [S+2]
  setae [S+3]
  sete [S+4]
  setne [S+5]
  setbe [S+6]
  seta [S+7]
  sets [S+8]
  setns [S+9]
  setp [S+10]
  setnp [S+11]
  setl [S+12]
  setge [S+13]
  setle [S+14]
  setg [S+15]
%endmacro

%macro CMOVM 2 ; cc, index
  mov ecx, 0
  cmov%1 ecx, [ONE]
  mov [S+%2], cl
%endmacro

%macro CMOVR16 2
  mov dx, 0
  cmov%1 dx, si
  mov [S+%2], dl
%endmacro

%macro CMOVR32 2
  mov edx, 0
  cmov%1 edx, esi
  mov [S+%2], dl
%endmacro

%macro JSHORT 2
  j%1 short %%taken
  mov byte [S+%2], 0
  jmp short %%next
%%taken:
  mov byte [S+%2], 1
%%next:
%endmacro

%macro JNEAR 2
  j%1 near %%taken
  mov byte [S+%2], 0
  jmp near %%next
  times 200 nop
%%taken:
  mov byte [S+%2], 1
%%next:
%endmacro

%macro ALLCC 1
  %1 o, 0
  %1 no, 1
  %1 b, 2
  %1 ae, 3
  %1 e, 4
  %1 ne, 5
  %1 be, 6
  %1 a, 7
  %1 s, 8
  %1 ns, 9
  %1 p, 10
  %1 np, 11
  %1 l, 12
  %1 ge, 13
  %1 le, 14
  %1 g, 15
%endmacro

%macro CLEARS 0
  mov dword [S], 0xEEEEEEEE
  mov dword [S+4], 0xEEEEEEEE
  mov dword [S+8], 0xEEEEEEEE
  mov dword [S+12], 0xEEEEEEEE
%endmacro

%macro TESTS 0
  STDTABLES
  ; EFLAGS combinations: bit 1 always; OF=800 SF=80 ZF=40 AF=10 PF=4 CF=1
  TABLE fl, 0x002, 0x003, 0x006, 0x007, 0x042, 0x043, 0x046, 0x047, 0x082, 0x083, 0x086, 0x087, 0x0C2, 0x0C3, 0x0C6, 0x0C7, 0x812, 0x813, 0x816, 0x817, 0x852, 0x853, 0x856, 0x857, 0x892, 0x893, 0x896, 0x897, 0x8D2, 0x8D3, 0x8D6, 0x8D7
  TEST "setcc m8 for cc = O NO B AE E NE BE A S NS P NP L GE LE G", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    push eax
    popfd
    SETALL
  ENDT fl
  TEST "setcc r8: seto al, setb ah, sete bl, setbe bh, sets cl, setp ch, setl dl, setle dh", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX
    push eax
    popfd
    seto al
    setb ah
    sete bl
    setbe bh
    sets cl
    setp ch
    setl dl
    setle dh
  ENDT fl
  TEST "cmovcc ecx,[m] (m = 1)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    mov dword [ONE], 1
    push eax
    popfd
    ALLCC CMOVM
  ENDT fl
  TEST "cmovcc dx,si (si = 1)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    mov esi, 1
    push eax
    popfd
    ALLCC CMOVR16
  ENDT fl
  TEST "cmovcc edx,esi (esi = 1)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    mov esi, 1
    push eax
    popfd
    ALLCC CMOVR32
  ENDT fl
  TEST "jcc short (7x)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    push eax
    popfd
    ALLCC JSHORT
  ENDT fl
  TEST "jcc near (0F 8x)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    CLEARS
    push eax
    popfd
    ALLCC JNEAR
  ENDT fl
%endmacro

ROM_START
  PRINTLN "setcc_cmov_jcc: real mode"
  TESTS
  PRINTLN "setcc_cmov_jcc: protected mode"
  CALL32 pm_tests
  PRINTLN "setcc_cmov_jcc: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
