; stack: PUSH/POP in all forms (50+r/58+r incl. PUSH ESP / POP ESP, 6A/68 immediates, FF /6 and
; 8F /0 memory incl. POP [ESP] and PUSH [ESP+n], segment registers 06/07/0E/16/17/1E/1F/0F A0/A1/
; A8/A9), PUSHA/POPA, PUSHAD/POPAD, PUSHF/POPF, PUSHFD/POPFD, ENTER with nesting levels 0, 1, 3 and
; LEAVE, each with 16- and 32-bit operand size, in real mode (16-bit stack, SP) and in 32-bit
; flat protected mode (32-bit stack, ESP).
; Each test runs on a scratch stack (ESP = 3000h, memory 2F00-2FFF filled with CC bytes) and
; prints the registers, the final ESP and the 32 bytes below 3000h (as dwords, low address first).
; A 32-bit push of a segment register may write 16 or 32 bits (SDM Vol. 2 PUSH: "either a
; zero-extended value is pushed on the stack or the segment selector is written on the stack
; using a 16-bit move"), so those slots are popped and only the low 16 bits printed.
; Flags: PUSHF/POPF values printed with TF and IF never set (TF would trap; an interrupt could
; arrive with IF). Bit masks printed: real mode FLAGS 7FD5 / EFLAGS 247FD5 (ID, AC writable on a
; Pentium-class CPU; VM, RF not writable by POPF - SDM POPF Operation).
%include "rom.inc"
%include "testlib.inc"

%define STKTOP 0x3000
%define SAVESP 0x6F0
%define NEWSP 0x6F4
%define SAVEFL 0x6F8

%macro GUEST_ROUTINES 0
; fill 2F00..2FFF with CC bytes (uses EAX/EBX)
%%fillstk:
  push eax
  push ebx
  mov ebx, 0x2F00
%%f1:
  mov dword [ebx], 0xCCCCCCCC
  add ebx, 4
  cmp ebx, 0x3000
  jb %%f1
  pop ebx
  pop eax
  ret
; print " ESP=... stk: 8 dwords from 2FE0"
%%dumpstk:
  PRINT "ESP="
  PHEX32 [NEWSP]
  PRINT " stk:"
  push ebx
  mov ebx, 0x2FE0
%%d1:
  SP_
  PHEX32 [ebx]
  add ebx, 4
  cmp ebx, 0x3000
  jb %%d1
  pop ebx
  NL
  ret
  %if __?BITS?__ == 16
    fillstk16 equ %%fillstk
    dumpstk16 equ %%dumpstk
  %else
    fillstk32 equ %%fillstk
    dumpstk32 equ %%dumpstk
  %endif
%endmacro

%macro STK_BEGIN 1
  PRINT %1, ": "
  %if __?BITS?__ == 16
    call fillstk16
  %else
    call fillstk32
  %endif
  mov [SAVESP], esp
  mov esp, STKTOP
  mov eax, 0x11111111
  mov ebx, 0x22222222
  mov ecx, 0x33333333
  mov edx, 0x44444444
  mov esi, 0x55555555
  mov edi, 0x66666666
  mov ebp, 0x77777777
%endmacro

%macro STK_END 0-*
  mov [NEWSP], esp
  mov esp, [SAVESP]
  %if %0 > 0
    PREG %{1:-1}
  %endif
  %if __?BITS?__ == 16
    call dumpstk16
  %else
    call dumpstk32
  %endif
%endmacro

%macro TESTS 0
  STK_BEGIN "push r32 x7 (50-57 but ESP), pop in another order"
  push eax
  push ecx
  push edx
  push ebx
  push ebp
  push esi
  push edi
  pop eax
  pop ebx
  pop ecx
  pop edx
  STK_END eax, ebx, ecx, edx
  STK_BEGIN "push r16 ax,cx,dx,bx,bp,si,di; pop di,si,bp"
  push ax
  push cx
  push dx
  push bx
  push bp
  push si
  push di
  mov esi, 0
  mov edi, 0
  mov ebp, 0
  pop di
  pop si
  pop bp
  STK_END esi, edi, ebp
  STK_BEGIN "push esp (pushes the value before the push); push sp"
  push esp
  push sp
  STK_END
  STK_BEGIN "pop esp: push dword 2F80; pop esp"
  push dword 0x2F80
  pop esp
  STK_END
  STK_BEGIN "pop sp: push word 2F60; pop sp"
  push word 0x2F60
  pop sp
  STK_END
  STK_BEGIN "push imm: 6A -1 (o32), 6A 7F (o16), 68 12345678 (o32), 68 ABCD (o16), 6A 80 (o32)"
  push dword strict byte -1
  push word strict byte 0x7F
  push dword strict dword 0x12345678
  push word strict word 0xABCD
  push dword strict byte -128
  STK_END
  STK_BEGIN "push/pop memory: push dword [m0]; push word [m0+2]; pop word [m1]; pop dword [m2]"
  mov dword [DATA0], 0xDEADBEEF
  mov dword [DATA1], 0x01010101
  mov dword [DATA2], 0x02020202
  push dword [DATA0]
  push word [DATA0+2]
  pop word [DATA1]
  pop dword [DATA2]
  STK_END
  PHEX32 [DATA1]
  SP_
  PHEX32 [DATA2]
  NL
  STK_BEGIN "pop dword [esp] (address computed after the increment); push dword [esp+4]"
  push dword 0xAAAAAAAA
  push dword 0xBBBBBBBB
  pop dword [esp]
  push dword [esp+4]
  push dword 0xCCCC0001
  pop dword [esp+4]
  STK_END
  STK_BEGIN "pop word [esp] / push word [esp+2] (16-bit operands)"
  push word 0xAAAA
  push word 0xBBBB
  pop word [esp]
  push word [esp+2]
  STK_END
  STK_BEGIN "push/pop 16-bit via bp-based memory (SS default): push word [bp-2]"
  mov ebp, STKTOP
  push word 0x1357
  push word [bp-2]
  push word [ebp-4]
  STK_END
  ; segment registers
  PRINT "push sreg (low 16 bits of each popped slot, ESP deltas): "
  mov [SAVESP], esp
  mov esp, STKTOP
  push es
  %if __?BITS?__ == 16
    pop ax
  %else
    pop eax
  %endif
  push cs
  %if __?BITS?__ == 16
    pop bx
  %else
    pop ebx
  %endif
  push ss
  %if __?BITS?__ == 16
    pop cx
  %else
    pop ecx
  %endif
  push ds
  %if __?BITS?__ == 16
    pop dx
  %else
    pop edx
  %endif
  push fs
  %if __?BITS?__ == 16
    pop si
  %else
    pop esi
  %endif
  push gs
  %if __?BITS?__ == 16
    pop di
  %else
    pop edi
  %endif
  mov [NEWSP], esp
  o16 push ds
  o16 push cs
  o32 push ss
  o32 push es
  mov ebp, esp
  mov esp, [SAVESP]
  PHEX16 ax
  SP_
  PHEX16 bx
  SP_
  PHEX16 cx
  SP_
  PHEX16 dx
  SP_
  PHEX16 si
  SP_
  PHEX16 di
  PRINT " ESP after pop=", 0
  PHEX32 [NEWSP]
  PRINT " ESP after 2 o16 + 2 o32 pushes="
  PHEX32 ebp
  NL
  PRINT "pop sreg: "
  %if __?BITS?__ == 16
    mov ax, 0x1234
  %else
    mov ax, 0x10
  %endif
  o16 push ax
  o16 pop es
  o16 push ax
  o16 pop fs
  o32 push eax
  o32 pop gs
  o16 push ax
  o16 pop ds
  mov bx, es
  mov cx, fs
  mov dx, gs
  mov si, ds
  %if __?BITS?__ == 16
    push 0
    pop ds
    push 0
    pop es
    push 0
    pop fs
    push 0
    pop gs
  %endif
  PREG bx, cx, dx, si
  NL
  STK_BEGIN "pop ss (real mode: 0; PM: 10) with an adjacent push"
  %if __?BITS?__ == 16
    push word 0
    pop ss
  %else
    push dword 0x10
    pop ss
  %endif
  push dword 0x5555AAAA
  STK_END
  STK_BEGIN "pushad; change all; popad (ESP slot ignored; stored ESP = value before pushad)"
  pushad
  mov dword [esp+12], 0x99999999
  mov eax, 0
  mov ebx, 0
  mov ecx, 0
  mov edx, 0
  mov esi, 0
  mov edi, 0
  mov ebp, 0
  popad
  pushad
  STK_END eax, ebx, ecx, edx, esi, edi, ebp
  STK_BEGIN "pusha (16); popa"
  pushaw
  mov word [esp+6], 0x9999
  mov eax, 0
  mov ebx, 0
  mov ecx, 0
  mov edx, 0
  mov esi, 0
  mov edi, 0
  mov ebp, 0
  popaw
  pushaw
  STK_END eax, ebx, ecx, edx, esi, edi, ebp
  ; flags
  pushfd
  pop dword [SAVEFL]
  PRINT "pushf/popf: "
  push word 0xFCFF            ; = FFFF without TF (100) and IF (200)
  popfw
  pushfw
  pop ax
  push word 0x0000
  popfw
  pushfw
  pop bx
  push dword 0x00247CD7
  popfd
  pushfd
  pop ecx
  push dword 0
  popfd
  pushfd
  pop edx
  push dword [SAVEFL]
  popfd
  PRINT "FFFF&~300 -> "
  PHEX16 ax
  PRINT " 0 -> "
  PHEX16 bx
  PRINT " 247CD7 -> "
  push ecx
  and ecx, 0x00247FD5 | 2
  PHEX32 ecx
  pop ecx
  PRINT " 0 -> "
  PHEX32 edx
  NL
  ; enter / leave
  STK_BEGIN "enter 0,0 (o32); leave"
  mov ebp, 0x2F40
  o32 enter 0, 0
  mov [DATA0], esp
  mov [DATA1], ebp
  o32 leave
  STK_END ebp
  PRINT "  inside: ESP="
  PHEX32 [DATA0]
  PRINT " EBP="
  PHEX32 [DATA1]
  NL
  STK_BEGIN "enter 10,0 (o16); leave (o16) (real mode: EBP upper half 1234 must survive)"
  %if __?BITS?__ == 16
    mov ebp, 0x12342F40
  %else
    mov ebp, 0x2F40
  %endif
  o16 enter 0x10, 0
  mov [DATA0], esp
  mov [DATA1], ebp
  o16 leave
  STK_END ebp
  PRINT "  inside: ESP="
  PHEX32 [DATA0]
  PRINT " EBP="
  PHEX32 [DATA1]
  NL
  STK_BEGIN "enter 8,1 (o32)"
  mov ebp, 0x2F40
  o32 enter 8, 1
  STK_END ebp
  STK_BEGIN "enter 4,1 (o16)"
  mov ebp, 0x2F40
  o16 enter 4, 1
  STK_END ebp
  STK_BEGIN "enter 0,3 (o32) with frame chain at 2F40: [2F3C]=A1A1A1A1 [2F38]=B2B2B2B2"
  mov dword [0x2F3C], 0xA1A1A1A1
  mov dword [0x2F38], 0xB2B2B2B2
  mov ebp, 0x2F40
  o32 enter 0, 3
  STK_END ebp
  STK_BEGIN "enter 2,3 (o16) with frame chain at 2F40: [2F3E]=A1A1 [2F3C]=B2B2"
  mov word [0x2F3E], 0xA1A1
  mov word [0x2F3C], 0xB2B2
  mov ebp, 0x2F40
  o16 enter 2, 3
  STK_END ebp
  STK_BEGIN "enter 0,33 (o32): nesting level is taken modulo 32 -> 1"
  mov ebp, 0x2F40
  o32 enter 0, 33
  STK_END ebp
  %if __?BITS?__ == 16
    PRINT "real mode, 16-bit stack wrap: SP=0 push word 1234; ESP=10000 push word 5678 (ESP upper half kept): "
    mov [SAVESP], esp
    mov esp, 0
    push word 0x1234
    mov [NEWSP], esp
    mov esp, [SAVESP]
    PHEX32 [NEWSP]
    SP_
    PHEX16 [0xFFFE]
    SP_
    mov esp, 0x10000
    push word 0x5678
    mov [NEWSP], esp
    pop ax
    mov [DATA0], esp
    mov esp, [SAVESP]
    PHEX32 [NEWSP]
    SP_
    PHEX16 [0xFFFE]
    PRINT " after pop: "
    PHEX32 [DATA0]
    NL
  %endif
  STK_BEGIN "nested: enter 4,0; enter 4,1; enter 0,2; leave x3 (o32)"
  mov ebp, 0x2FF0
  o32 enter 4, 0
  mov dword [ebp-4], 0xE1E1E1E1
  o32 enter 4, 1
  o32 enter 0, 2
  mov [DATA0], esp
  mov [DATA1], ebp
  o32 leave
  o32 leave
  o32 leave
  STK_END ebp
  PRINT "  innermost: ESP="
  PHEX32 [DATA0]
  PRINT " EBP="
  PHEX32 [DATA1]
  NL
%endmacro

ROM_START
  PRINTLN "stack: real mode"
  TESTS
  PRINTLN "stack: protected mode"
  CALL32 pm_tests
  PRINTLN "stack: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
