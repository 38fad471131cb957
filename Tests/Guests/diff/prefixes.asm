; prefixes: segment override prefixes (26 2E 36 3E 64 65) and default segment selection, and the
; operand-size (66) / address-size (67) prefixes, in real mode (32-bit registers and addressing
; from 16-bit code) and in 32-bit protected mode (segments with different bases from the GDT).
; Segments: DS base 1000h, ES 2000h, FS 3000h, GS 4000h, SS 0 (real mode: selector*16; PM:
; descriptors 28h-40h); the byte at offset 0A10h of each is the letter D, E, F, G, S; a byte in
; the ROM is C. Each load prints the letter it got.
; Defaults checked: [BX]/[SI]/[DI]/[disp] -> DS, [BP]/[BP+SI]/[BP+DI] -> SS, 32-bit: [EBP+x] and
; [ESP+x] -> SS, EBP as index -> DS, no base ([index*s+disp]) -> DS; overrides beat defaults.
; Redundant and reordered prefixes (66 66, 67 66, 26 66 67 / 66 67 26) decode the same way.
; Flags: not printed (none of these affect flags).
%include "rom.inc"
%include "testlib.inc"

%define OFF 0x0A10

%macro GDT_EXTRA 0
  dw 0xFFFF, 0x1000          ; 28: data base 1000
  db 0x00, 0x93, 0x40, 0x00
  dw 0xFFFF, 0x2000          ; 30: data base 2000
  db 0x00, 0x93, 0x40, 0x00
  dw 0xFFFF, 0x3000          ; 38: data base 3000
  db 0x00, 0x93, 0x40, 0x00
  dw 0xFFFF, 0x4000          ; 40: data base 4000
  db 0x00, 0x93, 0x40, 0x00
%endmacro

%macro LOADSEGS 0
  %if __?BITS?__ == 16
    mov ax, 0x0100
    mov ds, ax
    mov ax, 0x0200
    mov es, ax
    mov ax, 0x0300
    mov fs, ax
    mov ax, 0x0400
    mov gs, ax
  %else
    mov ax, 0x28
    mov ds, ax
    mov ax, 0x30
    mov es, ax
    mov ax, 0x38
    mov fs, ax
    mov ax, 0x40
    mov gs, ax
  %endif
%endmacro

%macro RESETSEGS 0
  %if __?BITS?__ == 16
    mov ax, 0
  %else
    mov ax, 0x10
  %endif
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
%endmacro

; L "instruction": run it (loads AL), print AL as a character
%macro L 1+
  mov al, '?'
  %1
  PCHAR al
%endmacro

%macro TESTS 0
  jmp %%start
%%cmark: db 'C'
%%dmark: dd 0x43434343
%%start:
  ; markers (linear addresses, DS/ES... still flat or 0 here)
  mov byte [OFF], 'S'
  mov byte [0x1000 + OFF], 'D'
  mov byte [0x2000 + OFF], 'E'
  mov byte [0x3000 + OFF], 'F'
  mov byte [0x4000 + OFF], 'G'
  mov dword [0x1000 + OFF + 4], 0x44444444
  mov dword [0x2000 + OFF + 4], 0x45454545
  mov dword [OFF + 4], 0x53535353
  LOADSEGS
  PRINT "[disp] with none/es/fs/gs/ss/ds/cs: "
  L mov al, [OFF]
  L mov al, [es:OFF]
  L mov al, [fs:OFF]
  L mov al, [gs:OFF]
  L mov al, [ss:OFF]
  L mov al, [ds:OFF]
  L mov al, [cs:%%cmark]
  NL
  PRINT "16-bit forms: [bx] [si] [di] [bp] [bp+si] [bp+di] [ds:bp] [es:bp] [ss:bx] [fs:bx+si] [gs:bp+di]: "
  mov ebx, OFF
  mov esi, OFF
  mov edi, OFF
  mov ebp, OFF
  %if __?BITS?__ == 32
    %define A16 a16
  %else
    %define A16
  %endif
  L A16 mov al, [bx]
  L A16 mov al, [si]
  L A16 mov al, [di]
  L A16 mov al, [bp]
  mov esi, 0
  mov edi, 0
  L A16 mov al, [bp+si]
  L A16 mov al, [bp+di]
  L A16 mov al, [ds:bp]
  L A16 mov al, [es:bp]
  L A16 mov al, [ss:bx]
  L A16 mov al, [fs:bx+si]
  L A16 mov al, [gs:bp+di]
  NL
  PRINT "32-bit forms: [ebx] [ebp] [ebp+edx] [edx+ebp*1] [ebp*1+disp] [esp+ebx] [es:ebp] [ds:esp+ebx] [cs:edx]: "
  %if __?BITS?__ == 16
    %define A32 a32
  %else
    %define A32
  %endif
  mov ebx, OFF
  mov ebp, OFF
  L A32 mov al, [ebx]
  L A32 mov al, [ebp]
  mov ebp, 0
  mov edx, OFF
  L A32 mov al, [ebp+edx]
  L A32 mov al, [edx+ebp*1]
  mov ebp, OFF
  L A32 mov al, [nosplit ebp*1+0]
  mov ebx, OFF
  sub ebx, esp
  L A32 mov al, [esp+ebx]
  mov ebp, OFF
  L A32 mov al, [es:ebp]
  L A32 mov al, [ds:esp+ebx]
  mov edx, %%cmark
  L A32 mov al, [cs:edx]
  NL
  PRINT "string source override: lodsb [fs:si] / movsb from gs: to es:di, then [es:di-1]: "
  %if __?BITS?__ == 16
    mov esi, OFF
    fs lodsb
    PCHAR al
    mov esi, OFF
    mov edi, OFF + 0x20
    gs movsb
    mov al, [es:OFF + 0x20]
    PCHAR al
  %else
    mov esi, OFF
    fs lodsb
    PCHAR al
    mov esi, OFF
    mov edi, OFF + 0x20
    gs movsb
    mov al, [es:OFF + 0x20]
    PCHAR al
  %endif
  NL
  PRINT "prefix combinations (dword loads): "
  ; mov eax, imm32 with a doubled operand-size prefix (real mode) / 16-bit with 66 66 (PM)
  mov eax, 0x11111111
  %if __?BITS?__ == 16
    db 0x66, 0x66, 0xB8
    dd 0x12345678            ; 66 66 B8 id: mov eax, 12345678
  %else
    db 0x66, 0x66, 0xB8
    dw 0x5678                ; 66 66 B8 iw: mov ax, 5678
  %endif
  PHEX32 eax
  SP_
  mov ebx, OFF + 4
  mov eax, 0
  ; 67 66 8B 03: a32 o32 mov eax,[ebx] (real mode) / 67 66 8B 07: a16 o16 mov ax,[bx] (PM)
  %if __?BITS?__ == 16
    db 0x67, 0x66, 0x8B, 0x03
  %else
    db 0x67, 0x66, 0x8B, 0x07
  %endif
  PHEX32 eax
  SP_
  mov eax, OFF + 4
  mov edi, OFF + 4
  %if __?BITS?__ == 16
    db 0x26, 0x66, 0x67, 0x8B, 0x00      ; es: o32 a32 mov eax, [eax]
  %else
    db 0x26, 0x8B, 0x00                  ; es: mov eax, [eax]
  %endif
  PHEX32 eax
  SP_
  mov eax, OFF + 4
  %if __?BITS?__ == 16
    db 0x66, 0x67, 0x26, 0x8B, 0x00      ; o32 a32 es: mov eax, [eax]
  %else
    db 0x67, 0x26, 0x8B, 0x05            ; a16 es: mov eax, [di]
  %endif
  PHEX32 eax
  SP_
  mov eax, 0
  %if __?BITS?__ == 16
    db 0x36, 0x66, 0xA1                  ; ss: o32 mov eax, [moffs16]
    dw OFF + 4
  %else
    db 0x36, 0xA1                        ; ss: mov eax, [moffs32]
    dd OFF + 4
  %endif
  PHEX32 eax
  SP_
  mov eax, 0
  %if __?BITS?__ == 16
    db 0x67, 0x2E, 0x66, 0xA1            ; a32 cs: o32 mov eax, [moffs32]
    dd %%dmark
  %else
    db 0x67, 0x2E, 0xA1                  ; a16 cs: mov eax, [moffs16 = 0] (flat CS: linear 0)
    dw 0
  %endif
  PHEX32 eax
  NL
  PRINT "32-bit arithmetic in 16-bit code: "
  mov eax, 0x89ABCDEF
  mov ebx, 0x10000
  mul ebx
  PHEX32 eax
  SP_
  PHEX32 edx
  SP_
  mov eax, 0xFFFF0000
  shr eax, 8
  PHEX32 eax
  SP_
  movsx eax, word [cs:%%sw]
  PHEX32 eax
  SP_
  jmp %%over
%%sw: dw 0x8001
%%over:
  mov ecx, 0x80000000
  bsr edx, ecx
  PHEX32 edx
  NL
  RESETSEGS
%endmacro

ROM_START
  PRINTLN "prefixes: real mode"
  TESTS
  PRINTLN "prefixes: protected mode"
  CALL32 pm_tests
  PRINTLN "prefixes: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
