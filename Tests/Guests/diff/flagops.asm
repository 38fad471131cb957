; flagops: CLC STC CMC CLD STD applied to every combination of OF SF ZF AF PF CF (and DF), plus
; flag survival across instructions that must not touch flags (MOV, LEA, XCHG, PUSH/POP, NOT,
; MOVZX, BSWAP, SETcc, JMP, CALL/RET, LOOP with ECX>1 ...), real mode and 32-bit flat PM.
; a = EFLAGS loaded (POPFD); printed: EFLAGS after, mask 0xCD5 (OF DF SF ZF AF PF CF).
%include "rom.inc"
%include "testlib.inc"

%define F_ALL 0xCD5

%macro FLTEST 2+ ; label, instructions
  TEST %1, 32, 32, 0, F_ALL, 0
    push eax
    popfd
    %2
  ENDT fl
%endmacro

%macro TESTS 0
  STDTABLES
  TABLE fl, 0x002, 0x003, 0x006, 0x012, 0x042, 0x082, 0x802, 0x402, 0x8D7, 0xCD7, 0x8D6, 0xCD6, 0x4D3, 0x0C3
  FLTEST "clc", clc
  FLTEST "stc", stc
  FLTEST "cmc", cmc
  FLTEST "cld", cld
  FLTEST "std", std
  TEST "stc; cmc; cmc", 32, 32, 0, F_ALL, 0
    push eax
    popfd
    stc
    cmc
    cmc
  ENDT fl
  TEST "no-flag instructions: mov lea xchg push pop not movzx bswap setc jmp call/ret loop", 32, 32, 0, F_ALL, O_EBX
    push eax
    popfd
    mov ebx, 0x12345678
    lea ebx, [ebx+ebx*2+5]
    xchg ebx, ecx
    xchg ebx, ecx
    push ebx
    pop ebx
    not ebx
    movzx ebx, bx
    bswap ebx
    setc bl
    jmp short %%j
  %%j:
    call %%f
    mov ecx, 3
  %%l:
    loop %%l
    jmp short %%e
  %%f:
    ret
  %%e:
  ENDT fl
%endmacro

ROM_START
  PRINTLN "flagops: real mode"
  TESTS
  PRINTLN "flagops: protected mode"
  CALL32 pm_tests
  PRINTLN "flagops: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
