; logic_xor_test_not: XOR (all forms as in logic_andor), TEST (84/85 with registers and memory,
; A8/A9 accumulator,imm, F6/F7 /0 r/m,imm), NOT (F6/F7 /2, registers and memory), 8/16/32-bit,
; real mode (full tables) and 32-bit flat protected mode (small tables).
; Flags: XOR/TEST: OF=CF=0, SF ZF PF per result, AF undefined (SDM Vol. 2 XOR, TEST) -> F_LOGIC 0x8C5.
; NOT: no flags affected (SDM NOT) -> 0x8D5 with flags in 0x8D7 and 0x002.
%include "rom.inc"
%include "testlib.inc"
%include "alu_forms.inc"

%macro TESTS 1
  STDTABLES %1
  RR3 xor, 0x8D7, F_LOGIC
  RR3 test, 0x8D7, F_LOGIC
  MEM3 xor, 0x8D7, F_LOGIC
  IMM xor, 0x8D7, F_LOGIC
  TEST "test m,r (84/85) 8/16/32: test [m],bl; test [m],bx; test [m],ebx", 32, 32, 0x8D7, F_LOGIC, 0
    test [DATA0], bl
    PFLAGS F_LOGIC
    test [DATA0], bx
    PFLAGS F_LOGIC
    test [DATA0], ebx
  ENDT small32, small32
  TEST "test al,imm8 (A8) 80", 8, 8, 0x8D7, F_LOGIC, O_EAX
    test al, 0x80
  ENDT v8
  TEST "test ax,imm16 (A9) 8001", 16, 16, 0x8D7, F_LOGIC, O_EAX
    test ax, 0x8001
  ENDT v16
  TEST "test eax,imm32 (A9) 80000001", 32, 32, 0x8D7, F_LOGIC, O_EAX
    test eax, 0x80000001
  ENDT v32
  TEST "test bh,imm8 (F6 /0) 81", 8, 8, 0x8D7, F_LOGIC, 0
    mov bh, al
    test bh, 0x81
  ENDT v8
  TEST "test m16,imm16 (F7 /0) FFFF", 16, 16, 0x8D7, F_LOGIC, 0
    test word [DATA0], 0xFFFF
  ENDT v16
  TEST "test m32,imm32 (F7 /0) 7FFFFFFF", 32, 32, 0x8D7, F_LOGIC, 0
    test dword [DATA0], 0x7FFFFFFF
  ENDT v32
  TEST "not al (F6 /2)", 8, 8, 0x8D7, F_ARITH, O_EAX
    not al
  ENDT v8
  TEST "not ax", 16, 16, 0x002, F_ARITH, O_EAX
    not ax
  ENDT v16
  TEST "not eax", 32, 32, 0x8D7, F_ARITH, O_EAX
    not eax
  ENDT v32
  TEST "not m8; not m16 (DATA0+2); not m32 (DATA1)", 32, 32, 0x002, F_ARITH, O_M0|O_M1
    not byte [DATA0]
    not word [DATA0+2]
    not dword [DATA1]
  ENDT small32, small32
%endmacro

ROM_START
  PRINTLN "logic_xor_test_not: real mode"
  TESTS FULL
  PRINTLN "logic_xor_test_not: protected mode"
  CALL32 pm_tests
  PRINTLN "logic_xor_test_not: done"
  EXIT 0

CODE32
pm_tests:
  TESTS SMALL
  ret

ROM_END
