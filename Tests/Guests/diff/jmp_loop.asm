; jmp_loop: LOOP / LOOPE / LOOPNE / JCXZ / JECXZ with both address sizes (CX vs ECX, selected by
; the mode or by 67h), counts 0 (65536 iterations with CX), 1, 3 and with upper ECX bits set;
; LOOPE/LOOPNE exits on ZF; JMP short (EB), near (E9 rel16/rel32), forward and backward, and
; indirect through a register and memory (FF /4, 16- and 32-bit). Real mode and 32-bit flat PM.
; Each line prints EDX (iteration counter), ECX and the flags.
; Flags: LOOPcc/JCXZ/JMP affect none -> mask 0x8D5 (they must survive unchanged).
%include "rom.inc"
%include "testlib.inc"

%macro LBEGIN 1
  PRINT %1, ": "
  push dword 0x8D7
  popfd
  mov edx, 0
%endmacro

%macro LEND 0
  PREG ecx, edx
  PFLAGS F_ARITH
  NL
%endmacro

%macro TESTS 0
  LBEGIN "loop (cx) cx=5"
  mov ecx, 0xABCD0005
%%l1:
  inc edx
  loop %%l1, cx
  LEND
  LBEGIN "loop (ecx) ecx=3"
  mov ecx, 3
%%l2:
  inc edx
  loop %%l2, ecx
  LEND
  LBEGIN "loop (cx) cx=0 -> 65536 iterations, ECX upper 7777"
  mov ecx, 0x77770000
%%l3:
  inc edx
  loop %%l3, cx
  LEND
  LBEGIN "loop (ecx) ecx=1"
  mov ecx, 1
%%l4:
  inc edx
  loop %%l4, ecx
  LEND
  LBEGIN "loop (ecx) ecx=10001 (upper bits count)"
  mov ecx, 0x10001
%%l5:
  add edx, 1
  loop %%l5, ecx
  LEND
  LBEGIN "loope (cx): ZF stays 1 (cmp ebx,0), runs out, cx=10"
  mov ecx, 10
  mov ebx, 0
%%l6:
  inc edx
  cmp ebx, 0
  loope %%l6, cx
  LEND
  LBEGIN "loope (ecx): ZF=1 until edx=4 -> exits with ZF=0"
  mov ecx, 10
%%l7:
  inc edx
  cmp edx, 4
  setne al
  cmp al, 0
  loope %%l7, ecx
  LEND
  LBEGIN "loopne (cx): exits when edx=6 (ZF=1), cx=10"
  mov ecx, 10
%%l8:
  inc edx
  cmp edx, 6
  loopne %%l8, cx
  LEND
  LBEGIN "loopne (ecx): runs out (ZF stays 0), ecx=4"
  mov ecx, 4
%%l9:
  inc edx
  cmp edx, 100
  loopne %%l9, ecx
  LEND
  LBEGIN "loope with count exhausted while ZF=1 (cx=3)"
  mov ecx, 3
%%l10:
  inc edx
  cmp eax, eax
  loope %%l10, cx
  LEND
  LBEGIN "jcxz taken (cx=0, ecx=10000), jecxz not taken"
  mov ecx, 0x10000
  jcxz %%j1
  or edx, 1
%%j1:
  jecxz %%j2
  or edx, 2
%%j2:
  LEND
  LBEGIN "jcxz not taken (cx=1), jecxz taken (ecx=0)"
  mov ecx, 1
  jcxz %%j3
  or edx, 1
%%j3:
  mov ecx, 0
  jecxz %%j4
  or edx, 2
%%j4:
  LEND
  LBEGIN "jcxz backward (loop until cx=0 via dec cx)"
  mov ecx, 0x55550004
  jmp %%j6
%%j5:
  inc edx
  dec cx
%%j6:
  jcxz %%j7
  jmp %%j5
%%j7:
  LEND
  LBEGIN "jmp short fwd/back, jmp near fwd (rel16 in real mode, rel32 in PM)"
  jmp short %%a1
%%a0:
  or edx, 0x10
  jmp near %%a2
%%a1:
  or edx, 1
  jmp short %%a0
  times 300 db 0x90
%%a2:
  or edx, 0x100
  LEND
  LBEGIN "jmp near backward over 300 bytes"
  jmp near %%b1
%%b0:
  or edx, 2
  jmp near %%b2
  times 300 db 0x90
%%b1:
  or edx, 1
  jmp near %%b0
%%b2:
  LEND
  LBEGIN "jmp reg (FF /4): jmp ebx / jmp bx"
  %if __?BITS?__ == 16
    mov ebx, 0xFFFF0000 + %%c1
    jmp bx
  %else
    mov ebx, %%c1
    jmp ebx
  %endif
  or edx, 0x80
%%c1:
  or edx, 1
  mov ecx, %%c2
  jmp ecx
  or edx, 0x40
%%c2:
  or edx, 2
  LEND
  LBEGIN "jmp mem (FF /4): jmp word/dword [m]"
  %if __?BITS?__ == 16
    mov word [DATA0], %%d1
    jmp word [DATA0]
  %else
    mov dword [DATA0], %%d1
    jmp dword [DATA0]
  %endif
  or edx, 0x80
%%d1:
  or edx, 1
  LEND
  LBEGIN "real mode: o32 jmp ecx (66 FF E1); PM: nothing"
  %if __?BITS?__ == 16
    mov ecx, %%e1
    o32 jmp ecx
    or edx, 0x80
  %%e1:
    or edx, 1
  %else
    or edx, 1
  %endif
  LEND
%endmacro

ROM_START
  PRINTLN "jmp_loop: real mode"
  TESTS
  PRINTLN "jmp_loop: protected mode"
  CALL32 pm_tests
  PRINTLN "jmp_loop: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
