; callret: CALL/RET near and far: E8 rel16/rel32, FF /2 through register and memory, C3 RET,
; C2 RET imm16, 9A far direct, FF /3 far indirect (m16:16, m16:32), CB RETF, CA RETF imm16,
; o32 forms in real mode (66 E8 / 66 C3 / 66 9A / 66 CB: 32-bit return addresses on a 16-bit
; stack). Real mode (far calls also to another segment value with the same linear address:
; EF00:xxxx+1000) and 32-bit flat protected mode (far calls through selector 08).
; Each callee records ESP and the return frame it sees; the caller prints them and ESP after
; the return. Return addresses are offsets in this ROM (same image in QEMU and VirtLab). Of the
; slot above the return address only the low 16 bits are printed: for a 32-bit far call it holds
; CS, whose upper half the CPU may leave unwritten (SDM Vol. 2 CALL: "padded with 16 high-order
; bits"; PUSH sreg: zero-extended or 16-bit move, implementation-specific).
; Flags: not affected by CALL/RET -> printed with mask 0x8D5.
%include "rom.inc"
%include "testlib.inc"

%define REC 0x680      ; callee record: ESP, [ESP], [ESP+4], CS

%macro CBEGIN 1
  PRINT %1, ": "
  mov [0x6F0], esp
  push dword 0x8D7
  popfd
%endmacro

%macro CEND 0
  PRINT "in: ESP="
  PHEX32 [REC]
  PRINT " [ESP]="
  PHEX32 [REC+4]
  PRINT " [ESP+4].w="
  PHEX16 [REC+8]
  PRINT " CS="
  PHEX16 [REC+12]
  PRINT " out: ESP-before="
  push eax
  mov eax, esp
  add eax, 4
  sub eax, [0x6F0]
  PHEX32 eax
  pop eax
  SP_
  PFLAGS F_ARITH
  NL
  mov esp, [0x6F0]
%endmacro

; callee bodies: record and return in various ways
%macro RECORD 0
  mov [REC], esp
  push eax
  mov eax, [esp+4]
  mov [REC+4], eax
  mov eax, [esp+8]
  mov [REC+8], eax
  mov ax, cs
  mov [REC+12], ax
  pop eax
%endmacro

%macro TESTS 0
  jmp %%start
%%f_ret:
  RECORD
  ret
%%f_ret6:
  RECORD
  ret 6
%%f_retf:
  RECORD
  retf
%%f_retf4:
  RECORD
  retf 4
%%f_o32ret:
  RECORD
  o32 ret
%%f_o32retf:
  RECORD
  o32 retf
%%f_o32retf8:
  RECORD
  o32 retf 8
%%start:
  CBEGIN "call near rel (E8)"
  call %%f_ret
  CEND
  CBEGIN "call reg (FF /2): call (e)bx"
  %if __?BITS?__ == 16
    mov ebx, 0xFFFF0000 + %%f_ret
    call bx
  %else
    mov ebx, %%f_ret
    call ebx
  %endif
  CEND
  CBEGIN "call mem (FF /2): call word/dword [m]"
  %if __?BITS?__ == 16
    mov word [DATA0], %%f_ret
    call word [DATA0]
  %else
    mov dword [DATA0], %%f_ret
    call dword [DATA0]
  %endif
  CEND
  CBEGIN "push 3 words/dwords... ret 6 (C2)"
  push dword 0x11111111
  push dword 0x22222222
  call %%f_ret6
  CEND
  %if __?BITS?__ == 16
    CBEGIN "call far F000:f (9A), retf"
    call 0xF000:%%f_retf
    CEND
    CBEGIN "call far EF00:f+1000 (9A, other CS value), retf"
    call 0xEF00:%%f_retf + 0x1000
    CEND
    CBEGIN "call far [m16:16] (FF /3) -> EF00:f+1000, retf 4"
    push dword 0x33333333
    mov word [DATA0], %%f_retf4 + 0x1000
    mov word [DATA0+2], 0xEF00
    call far [DATA0]
    CEND
    CBEGIN "o32 call near (66 E8), o32 ret"
    call dword %%f_o32ret
    CEND
    CBEGIN "o32 call far (66 9A ptr16:32) F000:f, o32 retf"
    call dword 0xF000:%%f_o32retf
    CEND
    CBEGIN "o32 call far [m16:32] (66 FF /3) -> EF00:f+1000, o32 retf 8"
    push dword 0x44444444
    push dword 0x55555555
    mov dword [DATA0], %%f_o32retf8 + 0x1000
    mov word [DATA0+4], 0xEF00
    call far dword [DATA0]
    CEND
  %else
    CBEGIN "call far 08:f (9A ptr16:32), retf"
    call 0x08:%%f_retf
    CEND
    CBEGIN "call far [m16:32] (FF /3) -> 08:f, retf 4"
    push dword 0x33333333
    mov dword [DATA0], %%f_retf4
    mov word [DATA0+4], 0x08
    call far [DATA0]
    CEND
    CBEGIN "push cs; call near = far-call frame by hand, retf"
    push cs
    call %%f_retf
    CEND
  %endif
  CBEGIN "recursion depth 5 (call/ret nesting), the ESP field shows the EDX counter"
  mov ecx, 5
  mov edx, 0
  call %%rec
  mov [REC], edx
  mov dword [REC+4], 0
  mov dword [REC+8], 0
  mov word [REC+12], 0
  CEND
  jmp %%end
%%rec:
  inc edx
  dec ecx
  jz %%recdone
  call %%rec
  add edx, 0x100
%%recdone:
  ret
%%end:
%endmacro

ROM_START
  PRINTLN "callret: real mode"
  TESTS
  PRINTLN "callret: protected mode"
  CALL32 pm_tests
  PRINTLN "callret: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
