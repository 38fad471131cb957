; lea_modrm: effective-address computation for every ModRM/SIB form, through LEA (no memory
; access) and through MOV loads from a byte ramp (memory access), in real mode and in 32-bit
; flat protected mode (each mode also runs the other address size through the 67h prefix).
;  16-bit addressing: mod 00/01/10 x r/m 000-111 ([BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI]
;    [disp16]/[BP+d] [BX]), disp8 -80h/+7Fh, disp16 8000h, with wrap-around at 64 KiB; LEA into
;    r16 and r32 (zero-extended) forms.
;  32-bit addressing: mod 00/01/10 x r/m (no SIB) and every SIB combination: base EAX..EDI (with
;    ESP, and EBP whose mod 00 form means "disp32, no base"), index EAX..EDI except ESP (100 =
;    no index, also printed), scale 1/2/4/8; disp8 -80h, disp32 80000000h; LEA r16 (truncated).
; Register values: EAX=11 ECX=2200 EDX=330000 EBX=44000000 EBP=55 ESI=6600 EDI=770000 (and ESP,
; which is deterministic) so every sum is distinct.
; Flags: LEA/MOV affect none (not printed).
%include "rom.inc"
%include "testlib.inc"

%define RAMP 0x1000       ; RAMP[k] = k (bytes), k = 0..255, and 0x1100.. = k+1 etc.

%macro SETREGS 0
  mov eax, 0x11
  mov ecx, 0x2200
  mov edx, 0x330000
  mov ebx, 0x44000000
  mov ebp, 0x55
  mov esi, 0x6600
  mov edi, 0x770000
%endmacro

; L32 expr: lea into EDX would clobber an input; use the stack: push result, print
%macro LP 1
  push eax
  lea eax, %1
  PHEX32 eax
  SP_
  pop eax
%endmacro

; one row: all index/scale combinations for base %1 with displacement form %2 (none/d8/d32)
%macro SIBROW 2
  PRINT "sib base=", %str(%1), " disp=", %str(%2), ": "
  %ifidni %2, none
    %xdefine SZ
    %xdefine DSP
  %elifidni %2, d8
    %xdefine SZ byte
    %xdefine DSP - 0x80
  %else
    %xdefine SZ dword
    %xdefine DSP + 0x80000000
  %endif
  %ifidni %1, none
    %xdefine BASEP
    %xdefine SZ dword
    %xdefine DSP + 0x80000000
  %else
    %xdefine BASEP %1 +
  %endif
  %ifnidni %1, none
    LP [SZ %1 DSP]
  %endif
  %assign %%s 1
  %rep 4
    LP [SZ nosplit BASEP eax*%%s DSP]
    LP [SZ nosplit BASEP ecx*%%s DSP]
    LP [SZ nosplit BASEP edx*%%s DSP]
    LP [SZ nosplit BASEP ebx*%%s DSP]
    LP [SZ nosplit BASEP ebp*%%s DSP]
    LP [SZ nosplit BASEP esi*%%s DSP]
    LP [SZ nosplit BASEP edi*%%s DSP]
    %assign %%s %%s*2
  %endrep
  NL
%endmacro

%macro TESTS 0
  PRINTLN "## LEA, 16-bit addressing (BX=1234 SI=0100 DI=FF00 BP=FFF0)"
  mov ebx, 0xAAAA1234
  mov esi, 0xBBBB0100
  mov edi, 0xCCCCFF00
  mov ebp, 0xDDDDFFF0
  PRINT "mod00: "
  LP [bx+si]
  LP [bx+di]
  LP [bp+si]
  LP [bp+di]
  LP [si]
  LP [di]
  LP [word 0x8765]
  LP [bx]
  NL
  PRINT "mod01 +7F: "
  LP [bx+si+0x7F]
  LP [bx+di+0x7F]
  LP [bp+si+0x7F]
  LP [bp+di+0x7F]
  LP [si+0x7F]
  LP [di+0x7F]
  LP [bp+0x7F]
  LP [bx+0x7F]
  NL
  PRINT "mod01 -80: "
  LP [bx+si-0x80]
  LP [bx+di-0x80]
  LP [bp+si-0x80]
  LP [bp+di-0x80]
  LP [si-0x80]
  LP [di-0x80]
  LP [bp-0x80]
  LP [bx-0x80]
  NL
  PRINT "mod10 +8000: "
  LP [word bx+si+0x8000]
  LP [word bx+di+0x8000]
  LP [word bp+si+0x8000]
  LP [word bp+di+0x8000]
  LP [word si+0x8000]
  LP [word di+0x8000]
  LP [word bp+0x8000]
  LP [word bx+0x8000]
  NL
  PRINT "lea r16 / r32 with 16-bit address: "
  mov eax, 0x99999999
  lea ax, [bp+di+0x30]
  PHEX32 eax
  SP_
  lea eax, [bp+di+0x30]
  PHEX32 eax
  NL

  PRINTLN "## LEA, 32-bit addressing without SIB"
  SETREGS
  PRINT "mod00: "
  LP [eax]
  LP [ecx]
  LP [edx]
  LP [ebx]
  LP [dword 0x87654321]
  LP [esi]
  LP [edi]
  NL
  PRINT "mod01 -80: "
  LP [eax-0x80]
  LP [ecx-0x80]
  LP [edx-0x80]
  LP [ebx-0x80]
  LP [ebp-0x80]
  LP [esi-0x80]
  LP [edi-0x80]
  NL
  PRINT "mod10 +80000000: "
  LP [dword eax+0x80000000]
  LP [dword ecx+0x80000000]
  LP [dword edx+0x80000000]
  LP [dword ebx+0x80000000]
  LP [dword ebp+0x80000000]
  LP [dword esi+0x80000000]
  LP [dword edi+0x80000000]
  NL
  PRINT "esp forms (SIB base=100): "
  LP [esp]
  LP [esp+0x10]
  LP [dword esp+0x10000]
  NL
  PRINT "lea r16 with 32-bit address (truncated): "
  push eax
  mov eax, 0x99999999
  lea ax, [ebx+esi*8+0x12345]
  PHEX32 eax
  pop eax
  NL
  PRINT "SIB no-index (index=100) raw encodings, mod00 base=EBX, mod01 base=ECX, scale bits ignored: "
  push eax
  %if __?BITS?__ == 16
    db 0x66, 0x67
  %endif
  db 0x8D, 0x04, 0x23               ; lea eax, [ebx] via SIB (ss=00 index=100 base=011)
  PHEX32 eax
  SP_
  %if __?BITS?__ == 16
    db 0x66, 0x67
  %endif
  db 0x8D, 0x44, 0xE1, 0x05         ; lea eax, [ecx+5] via SIB (ss=11 index=100 base=001)
  PHEX32 eax
  pop eax
  NL

  PRINTLN "## LEA, 32-bit addressing with SIB"
  SETREGS
  SIBROW eax, none
  SIBROW eax, d8
  SIBROW eax, d32
  SIBROW ecx, none
  SIBROW ecx, d8
  SIBROW edx, d32
  SIBROW ebx, none
  SIBROW ebx, d8
  SIBROW ebx, d32
  SIBROW esp, none
  SIBROW esp, d8
  SIBROW esp, d32
  SIBROW ebp, d8
  SIBROW ebp, d32
  SIBROW esi, none
  SIBROW esi, d32
  SIBROW edi, none
  SIBROW edi, d8
  SIBROW none, d32

  PRINTLN "## MOV loads through the forms (RAMP[k] = k)"
  xor ecx, ecx
%%fill:
  mov [ecx + RAMP], cl
  inc ecx
  cmp ecx, 256
  jb %%fill
  mov ebx, RAMP + 0x10
  mov esi, 0x05
  mov edi, 0x21
  mov ebp, RAMP + 0x40
  PRINT "16-bit: "
  mov al, [bx+si]
  PHEX8 al
  SP_
  mov al, [bx+di+0x7F]
  PHEX8 al
  SP_
  mov al, [bp+si-0x10]
  PHEX8 al
  SP_
  mov al, [bp+di]
  PHEX8 al
  SP_
  mov al, [si+RAMP]
  PHEX8 al
  SP_
  mov al, [word di+RAMP+0x80]
  PHEX8 al
  SP_
  mov al, [word RAMP+0x99]
  PHEX8 al
  SP_
  mov al, [bx]
  PHEX8 al
  SP_
  mov ax, [bp+0x11]
  PHEX16 ax
  SP_
  mov eax, [bx+si+0x20]
  PHEX32 eax
  SP_
  NL
  PRINT "32-bit: "
  mov ecx, 3
  mov edx, 0x0C
  mov al, [ebx+ecx]
  PHEX8 al
  SP_
  mov al, [ebx+ecx*2+0x10]
  PHEX8 al
  SP_
  mov al, [ebp+edx*4]
  PHEX8 al
  SP_
  mov al, [esi*8+RAMP]
  PHEX8 al
  SP_
  mov al, [nosplit edi*2+RAMP]
  PHEX8 al
  SP_
  mov al, [ebp+edi*1-0x20]
  PHEX8 al
  SP_
  mov al, [dword RAMP+0xAB]
  PHEX8 al
  SP_
  mov ax, [ebx+edx*8+1]
  PHEX16 ax
  SP_
  mov eax, [dword ebx+esi*4+0x40]
  PHEX32 eax
  SP_
  NL
  PRINT "esp-based load: "
  push dword 0x13572468
  mov eax, [esp]
  PHEX32 eax
  SP_
  mov al, [esp+3]
  PHEX8 al
  SP_
  pop eax
  NL
%endmacro

ROM_START
  PRINTLN "lea_modrm: real mode"
  TESTS
  PRINTLN "lea_modrm: protected mode"
  CALL32 pm_tests
  PRINTLN "lea_modrm: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
