; smc: self-modifying code in RAM, in real mode (code called at 0000:3000) and in 32-bit flat PM
; (08:00003000). Every modification is followed by a jump or call before the modified bytes run,
; as the SDM prescribes for portable self-modifying code (SDM Vol. 3A 8.1.3, option 1), so the
; result does not depend on prefetch depth.
;  1. copy "mov eax,imm32; retf" to RAM, call it, patch the immediate, call again
;  2. patch the opcode byte (INC eAX -> DEC eAX -> NOP) between calls
;  3. a loop in RAM that rewrites the imm8 of its own ADD each iteration, then jumps back
;  4. code that patches an instruction further down its own block and jumps to it
;  5. patch a 16-bit/32-bit relative JMP displacement to choose another target
;  6. patch the immediate of "mov eax,imm32; retf" through every kind of memory write: MOV, REP
;     STOSB, REP MOVSB, XCHG, ADD, BTC, SHL, XADD, CMPXCHG, CMPXCHG8B, SETcc, PUSH (stack pointed
;     into the code), POP m32, CALL (return address pushed into the code), calling after each
%include "rom.inc"
%include "testlib.inc"

%define RAMCODE 0x3000

; template pieces (assembled in each code width, copied to RAMCODE)
%macro TEMPLATES 0
%%t1:
  mov eax, 0x11111111
  retf
%%t1_end:
%%t2:
  inc eax
  retf
%%t2_end:
%%t3:                          ; ecx iterations of: add eax, imm8 ; imm8 := imm8 + 1 (self-patch)
  mov ecx, 5
%%t3_loop:
  add eax, strict byte 1
%%t3_imm equ $ - 1
  inc byte [RAMCODE + (%%t3_imm - %%t3)]
  jmp short %%t3_next
%%t3_next:
  dec ecx
  jnz %%t3_loop
  retf
%%t3_end:
%%t4:                          ; patch the instruction at t4_target (mov ebx, 0) to mov ebx, 0x7777, jmp there
  mov dword [RAMCODE + (%%t4_imm - %%t4)], 0x7777
  jmp short %%t4_target
%%t4_target:
  mov ebx, strict dword 0
%%t4_imm equ $ - 4
  retf
%%t4_end:
%%t5:                          ; jmp near rel -> one of two targets, depending on the patched displacement
  jmp near %%t5_a
%%t5_disp equ $ - (__?BITS?__ / 8)
%%t5_a:
  mov edx, 0xAAAA
  retf
%%t5_b:
  mov edx, 0xBBBB
  retf
%%t5_end:
  %if __?BITS?__ == 16
    %define TP 16
  %else
    %define TP 32
  %endif
  t1_%[TP] equ %%t1
  t1_len_%[TP] equ %%t1_end - %%t1
  t2_%[TP] equ %%t2
  t2_len_%[TP] equ %%t2_end - %%t2
  t3_%[TP] equ %%t3
  t3_len_%[TP] equ %%t3_end - %%t3
  t4_%[TP] equ %%t4
  t4_len_%[TP] equ %%t4_end - %%t4
  t4_imm_off_%[TP] equ %%t4_imm - %%t4
  t5_%[TP] equ %%t5
  t5_len_%[TP] equ %%t5_end - %%t5
  t5_disp_off_%[TP] equ %%t5_disp - %%t5
  t5_ab_%[TP] equ %%t5_b - %%t5_a
  t1_imm_off_%[TP] equ 1 + (__?BITS?__ == 16)
%endmacro

%macro GUEST_ROUTINES 0
  TEMPLATES
%endmacro

; COPY template, length: copy from CS:template to RAMCODE (byte loop)
%macro COPY 2
  push ecx
  xor ecx, ecx
%%c:
  mov al, [cs:ecx + %1]
  mov [ecx + RAMCODE], al
  inc ecx
  cmp ecx, %2
  jb %%c
  pop ecx
%endmacro

%macro CALLRAM 0
  %if __?BITS?__ == 16
    call 0x0000:RAMCODE
  %else
    call 0x08:RAMCODE
  %endif
%endmacro

; P6 "label", instructions...: run the write(s), call the RAM code, print EAX
%macro P6 1-*
  PRINT %1, "="
  %rep %0 - 1
    %2
    %rotate 1
  %endrep
  CALLRAM
  PHEX32 eax
  SP_
%endmacro

%macro TESTS 1 ; %1 = 16 / 32
  PRINT "1. mov eax,imm32; patch imm: "
  COPY t1_%1, t1_len_%1
  CALLRAM
  PHEX32 eax
  SP_
  mov dword [RAMCODE + t1_imm_off_%1], 0x22222222
  CALLRAM
  PHEX32 eax
  SP_
  mov byte [RAMCODE + t1_imm_off_%1 + 3], 0x99
  CALLRAM
  PHEX32 eax
  NL
  PRINT "2. opcode patch inc->dec->nop (eax from 100): "
  COPY t2_%1, t2_len_%1
  mov eax, 0x100
  CALLRAM
  PHEX32 eax
  SP_
  %if %1 == 16
    mov byte [RAMCODE + 1], 0x48     ; after the 66 prefix
  %else
    mov byte [RAMCODE], 0x48
  %endif
  CALLRAM
  CALLRAM
  PHEX32 eax
  SP_
  %if %1 == 16
    mov byte [RAMCODE + 1], 0x90
  %else
    mov byte [RAMCODE], 0x90
  %endif
  CALLRAM
  PHEX32 eax
  NL
  PRINT "3. loop patching its own add imm8 (1+2+3+4+5), imm after: "
  COPY t3_%1, t3_len_%1
  mov eax, 0
  CALLRAM
  PHEX32 eax
  SP_
  CALLRAM
  PHEX32 eax
  NL
  PRINT "4. patch a later instruction in the same block, jump to it: "
  COPY t4_%1, t4_len_%1
  mov ebx, 0x1234
  CALLRAM
  PHEX32 ebx
  SP_
  mov dword [RAMCODE + t4_imm_off_%1], 0
  CALLRAM
  PHEX32 ebx
  NL
  PRINT "5. patch a near jmp displacement: "
  COPY t5_%1, t5_len_%1
  CALLRAM
  PHEX32 edx
  SP_
  %if %1 == 16
    mov word [RAMCODE + t5_disp_off_%1], t5_ab_%1
  %else
    mov dword [RAMCODE + t5_disp_off_%1], t5_ab_%1
  %endif
  CALLRAM
  PHEX32 edx
  SP_
  %if %1 == 16
    mov word [RAMCODE + t5_disp_off_%1], 0
  %else
    mov dword [RAMCODE + t5_disp_off_%1], 0
  %endif
  CALLRAM
  PHEX32 edx
  NL
  PRINT "6. writes through: "
  COPY t1_%1, t1_len_%1
  %xdefine IMM (RAMCODE + t1_imm_off_%1)
  mov dword [DATA0], 0x0BADF00D
  P6 "mov", {mov dword [IMM], 0x01010101}
  P6 "stos", {mov edi, IMM}, {mov eax, 0x02020202}, {mov ecx, 4}, {cld}, {a32 rep stosb}
  P6 "movs", {mov esi, DATA0}, {mov edi, IMM}, {mov ecx, 4}, {cld}, {a32 rep movsb}
  P6 "xchg", {mov ebx, 0x03030303}, {xchg [IMM], ebx}
  P6 "add", {add dword [IMM], 0x01000000}
  P6 "btc", {btc dword [IMM], 31}
  P6 "shl", {shl dword [IMM], 4}
  P6 "xadd", {mov ebx, 0x10}, {xadd [IMM], ebx}
  P6 "cmpxchg", {mov eax, [IMM]}, {mov ebx, 0x04040404}, {cmpxchg [IMM], ebx}
  NL
  PRINT "   "
  P6 "cmpxchg8b", {mov eax, [IMM]}, {mov edx, [IMM+4]}, {mov ebx, 0x05050505}, {mov ecx, edx}, {cmpxchg8b [IMM]}
  P6 "setc", {stc}, {setc byte [IMM+3]}
  P6 "push", {mov [DATA1], esp}, {mov esp, IMM + 4}, {push dword 0x06060606}, {mov esp, [DATA1]}
  P6 "pop", {push dword 0x07070707}, {pop dword [IMM]}
  P6 "rep-stosd-big", {mov edi, IMM - 8}, {mov eax, 0x08080808}, {mov ecx, 3}, {cld}, {a32 rep stosd}, {mov byte [IMM+4], 0xCB}
  NL
%endmacro

ROM_START
  PRINTLN "smc: real mode"
  TESTS 16
  PRINTLN "smc: protected mode"
  CALL32 pm_tests
  PRINTLN "smc: done"
  EXIT 0

CODE32
pm_tests:
  TESTS 32
  ret

ROM_END
