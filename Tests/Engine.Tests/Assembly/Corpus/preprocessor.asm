; Preprocessor: %define (with parameters, %xdefine, %undef), %assign, %if/%elif/%else, %ifdef/%ifndef,
; %ifidn(i), %ifmacro, %macro with ranges, defaults, greedy parameters, %0, %rotate, %{1:-1}, %%locals,
; %rep/%exitrep, %push/%pop with %$locals, %[...] and %+, %str, %strlen, %substr, %defstr, __?BITS?__.
bits 16
%define ONE 1
%define TWO (ONE + ONE)
%define SQ(x) ((x) * (x))
%define CAT(a, b) a %+ b
%xdefine NOW TWO
%undef TWO
%define TWO 22
  db ONE, NOW, TWO, SQ(3), SQ(1 + 1)
%assign i 0
%rep 5
  db i
  %assign i i + 1
%endrep
%assign k 10
%rep 100
  %if k > 13
    %exitrep
  %endif
  db k
  %assign k k + 1
%endrep
%if ONE == 1 && NOW == 2
  db 0x11
%elif ONE == 2
  db 0x22
%else
  db 0x33
%endif
%ifdef ONE
  db 0x44
%endif
%ifndef NOPE
  db 0x55
%endif
%ifidni add, ADD
  db 0x66
%endif
%ifidn add, ADD
  db 0x77
%else
  db 0x78
%endif
%macro PUSHALL 1-*
  %rep %0
    push %1
    %rotate 1
  %endrep
%endmacro
%macro POPALL 1-*
  %rep %0
    %rotate -1
    pop %1
  %endrep
%endmacro
  PUSHALL ax, bx, cx
  POPALL ax, bx, cx
%macro DEF 1-3 7, 8
  db %0, %1, %2, %3
%endmacro
  DEF 1
  DEF 1, 2
  DEF 1, 2, 3
%macro GREEDY 2+
  db %1
  db %2
%endmacro
  GREEDY 1, 2, 3, 4
%macro RANGE 1-*
  dw %{1:-1}
  dw %{-1:1}
%endmacro
  RANGE 5, 6, 7
%macro LOOPER 1
%%top:
  dec %1
  jnz %%top
%endmacro
  LOOPER cx
  LOOPER dx
%ifmacro LOOPER
  db 0x99
%endif
%macro CTX_BEGIN 0
  %push myctx
  jmp %$skip
  db 0xAB
%endmacro
%macro CTX_END 0
%$skip:
  %pop
%endmacro
  CTX_BEGIN
  nop
  CTX_END
%define N 3
%xdefine NAME_%[N] 0x42
  db NAME_3, CAT(NAME_, 3)
label_ %+ N:
  dw label_3
%defstr S hello world
%strlen L S
%substr C S 1
%substr C2 S 7, 5
  db S, L, C, C2
  db %str(a, b)
%if __?BITS?__ == 16
  db 16
%endif
bits 32
%if __BITS__ == 32
  db 32
%endif
%macro WIDTH 0
  %if __?BITS?__ == 16
    mov ax, 1
  %else
    mov eax, 1
  %endif
%endmacro
  WIDTH
bits 16
  WIDTH
%imacro CaseLess 0
  db 0xCC
%endmacro
  CASELESS
  caseless
mylabel: LOOPER si
