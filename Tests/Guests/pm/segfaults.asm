; virtlab: rom
; segfaults: the checks made when a segment register is loaded (POST 20-35).
; SDM Vol. 2 MOV / POP / LDS-LSS / JMP / RET "Protected Mode Exceptions" and Vol. 3A 5.5-5.8,
; 6.13 (error code: selector index | TI, RPL bits not part of it). Every fault is checked for its
; vector, error code and saved CS:EIP (the faulting instruction: a fault leaves state as before).
;  20 MOV SS, null selector -> #GP(0)      21 ... with RPL 3 -> #GP(0)
;  22 null selectors (any RPL) load into DS ES FS GS without a fault
;  23 selector beyond the GDT limit -> #GP(sel)
;  24 a descriptor whose last byte is beyond the GDT limit -> #GP(sel)
;  25 LDT selectors after LLDT (load, beyond the LDT limit, invalid type)
;  26 LLDT checks; TI=1 selector with a null LDTR -> #GP(sel)
;  27 not-present data segment -> #NP(sel); the register keeps its old value
;  28 not-present stack segment -> #SS(sel)
;  29 DS types: execute-only code, TSS, LDT -> #GP(sel); readable code loads
;  2A SS types: code, read-only data -> #GP(sel)
;  2B privilege at CPL 0: RPL > DPL for DS; SS needs RPL = DPL = CPL
;  2C privilege at CPL 3: DPL-0 data, non-conforming code; conforming readable code loads
;  2D the privilege check comes before the present check (#GP, not #NP)
;  2E far JMP to a data segment -> #GP(sel)     2F far JMP to a not-present code segment -> #NP(sel)
;  30 far JMP privilege (non-conforming DPL != CPL, RPL > CPL, conforming DPL > CPL) -> #GP(sel)
;  31 far JMP to conforming code from ring 3: CPL stays 3, CS.RPL = 3
;  32 MOV CS -> #UD
;  33 POP DS and LDS fault with ESP and the destination unchanged
;  34 LSS with a null selector -> #GP(0)    35 far RET to a null CS -> #GP(0)
; Not tested (QEMU TCG does not check them, see README): memory accesses through a null selector,
; segment limits of data and stack accesses (also expand-down), writes to read-only data, reads of
; execute-only code.
%include "pm.inc"

%define S_LDT      0x60        ; LDT descriptor: base LDT_BASE, limit 1Fh (4 entries)
%define S_NP       0x68        ; data, not present
%define S_DATA     0x70        ; data, base 12340h, limit FFFFh
%define S_XO       0x78        ; code, execute-only
%define S_RO       0x88        ; data, read-only
%define S_CONF     0x90        ; conforming readable code, DPL 0
%define S_CONFXO   0x98        ; conforming execute-only code, DPL 0
%define S_CODENP   0xA8        ; code, not present
%define S_CONF3    0xB8        ; conforming readable code, DPL 3
%define S_LDTNP    0xC0        ; LDT descriptor, not present
%define S_EDGE     0x7F8       ; data, in the last GDT entry
%define MARK       0x12350     ; = base of S_DATA + 10h
%define FARPTR     (ROMVARS + 0x10)

CODE32
main:
  mov dword [MARK], 0x11111111
  SET_DESC GDT_BASE, S_LDT, LDT_BASE, 0x1F, A_LDT
  SET_DESC GDT_BASE, S_NP, 0, 0xFFFFF, 0xC013
  SET_DESC GDT_BASE, S_DATA, 0x12340, 0xFFFF, 0x0093
  SET_DESC GDT_BASE, S_XO, 0, 0xFFFFF, 0xC099
  SET_DESC GDT_BASE, S_RO, 0, 0xFFFFF, 0xC091
  SET_DESC GDT_BASE, S_CONF, 0, 0xFFFFF, 0xC09F
  SET_DESC GDT_BASE, S_CONFXO, 0, 0xFFFFF, 0xC09D
  SET_DESC GDT_BASE, S_CODENP, 0, 0xFFFFF, 0xC01B
  SET_DESC GDT_BASE, S_CONF3, 0, 0xFFFFF, 0xC0FF
  SET_DESC GDT_BASE, S_LDTNP, LDT_BASE, 0x1F, 0x0002
  SET_DESC GDT_BASE, S_EDGE, 0, 0xFFFFF, A_DATA32
  ; LDT: 04 unused, 0C data base 12340h, 14 data DPL 3 flat, 1C zero (invalid)
  SET_DESC LDT_BASE, 0x0C, 0x12340, 0xFFFF, 0x0093
  SET_DESC LDT_BASE, 0x14, 0, 0xFFFFF, 0xC0F3

  POST 0x20, "MOV SS, null selector"
  TRY
    xor eax, eax
.f20: mov ss, ax
  ENDTRY
  CHECK_EXC 13, 0, .f20
  CHECK_EQ [g_xss], SEL_DATA0, "SS unchanged"

  POST 0x21, "MOV SS, null selector with RPL 3"
  TRY
    mov eax, 3
.f21: mov ss, ax
  ENDTRY
  CHECK_EXC 13, 0, .f21

  POST 0x22, "null selectors load into DS ES FS GS"
  TRY
    xor eax, eax
    mov ds, ax
    mov eax, 2
    mov es, ax
    mov eax, 3
    mov fs, ax
    mov eax, 1
    mov gs, ax
.f22: int VEC_BACK
  ENDTRY
  CHECK_EXC VEC_BACK, 0, .f22 + 2
  CHECK_EQ [g_xds], 0, "DS"
  CHECK_EQ [g_xes], 2, "ES (null with RPL 2)"
  CHECK_EQ [g_xfs], 3, "FS (null with RPL 3)"
  CHECK_EQ [g_xgs], 1, "GS (null with RPL 1)"

  POST 0x23, "selector beyond the GDT limit"
  TRY
    mov eax, 0x0803
.f23: mov ds, ax
  ENDTRY
  CHECK_EXC 13, 0x800, .f23
  TRY
    mov eax, 0xFFFA
.f23b: mov fs, ax
  ENDTRY
  CHECK_EXC 13, 0xFFF8, .f23b

  POST 0x24, "descriptor straddling the GDT limit"
  mov ax, S_EDGE
  mov ds, ax                           ; loads with the full limit (7FFh)
  mov ax, SEL_DATA0
  mov ds, ax
  lgdt [gdtr_short]                    ; limit 7FBh: the entry at 7F8h ends at 7FFh
  TRY
    mov eax, S_EDGE
.f24: mov es, ax
  ENDTRY
  lgdt [gdtr_full]
  CHECK_EXC 13, S_EDGE, .f24

  POST 0x25, "LDT selectors"
  mov ax, S_LDT
  lldt ax
  sldt eax
  CHECK_EQ eax, S_LDT, "SLDT"
  mov ax, 0x0C
  mov ds, ax
  mov eax, [0x10]
  mov bx, SEL_DATA0
  mov ds, bx
  CHECK_EQ eax, 0x11111111, "LDT data segment base 12340h"
  TRY
    mov eax, 0x27
.f25: mov ds, ax
  ENDTRY
  CHECK_EXC 13, 0x24, .f25
  TRY
    mov eax, 0x1C
.f25b: mov gs, ax
  ENDTRY
  CHECK_EXC 13, 0x1C, .f25b

  POST 0x26, "LLDT checks and a null LDTR"
  TRY
    mov eax, SEL_DATA0
.f26: lldt ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA0, .f26
  TRY
    mov eax, 0x0C
.f26b: lldt ax
  ENDTRY
  CHECK_EXC 13, 0x0C, .f26b
  TRY
    mov eax, S_LDTNP
.f26c: lldt ax
  ENDTRY
  CHECK_EXC 11, S_LDTNP, .f26c
  xor eax, eax
  lldt ax
  TRY
    mov eax, 0x0C
.f26d: mov ds, ax
  ENDTRY
  CHECK_EXC 13, 0x0C, .f26d
  mov ax, S_LDT
  lldt ax

  POST 0x27, "not-present data segment"
  TRY
    mov eax, S_DATA
    mov ds, ax
    mov eax, S_NP
.f27: mov ds, ax
  ENDTRY
  CHECK_EXC 11, S_NP, .f27
  CHECK_EQ [g_xds], S_DATA, "DS keeps its old selector"
  TRY
    mov eax, S_NP | 4                  ; TI=1: LDT entry 68h is beyond the LDT limit
.f27b: mov ds, ax
  ENDTRY
  CHECK_EXC 13, S_NP | 4, .f27b

  POST 0x28, "not-present stack segment"
  TRY
    mov eax, S_NP
.f28: mov ss, ax
  ENDTRY
  CHECK_EXC 12, S_NP, .f28

  POST 0x29, "segment types for DS"
  TRY
    mov eax, S_XO
.f29: mov ds, ax
  ENDTRY
  CHECK_EXC 13, S_XO, .f29
  TRY
    mov eax, SEL_TSS0
.f29b: mov ds, ax
  ENDTRY
  CHECK_EXC 13, SEL_TSS0, .f29b
  TRY
    mov eax, S_LDT
.f29c: mov es, ax
  ENDTRY
  CHECK_EXC 13, S_LDT, .f29c
  mov ax, SEL_CODE0                    ; readable code: loads, and reads work
  mov ds, ax
  mov eax, [v_post]
  mov bx, SEL_DATA0
  mov ds, bx
  CHECK_EQ eax, 0x29, "read through a readable code segment"

  POST 0x2A, "segment types for SS"
  TRY
    mov eax, SEL_CODE0
.f2a: mov ss, ax
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f2a
  TRY
    mov eax, S_RO
.f2ab: mov ss, ax
  ENDTRY
  CHECK_EXC 13, S_RO, .f2ab

  POST 0x2B, "privilege checks at CPL 0"
  TRY
    mov eax, SEL_DATA0 | 3
.f2b: mov ds, ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA0, .f2b
  mov ax, SEL_DATA3                    ; DPL 3 data at CPL 0: allowed
  mov ds, ax
  mov ax, SEL_DATA0
  mov ds, ax
  TRY
    mov eax, SEL_DATA0 | 3
.f2bb: mov ss, ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA0, .f2bb
  TRY
    mov eax, SEL_DATA3 & ~3
.f2bc: mov ss, ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA3 & ~3, .f2bc
  TRY
    mov eax, SEL_DATA1
.f2bd: mov ss, ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA1 & ~3, .f2bd

  POST 0x2C, "privilege checks at CPL 3"
  TRY
    TO_RING3
.f2c: mov ax, SEL_DATA0
    mov ds, ax
  ENDTRY
  CHECK_EXC 13, SEL_DATA0, .f2c + 4, SEL_CODE3
  TRY
    TO_RING3
    mov eax, SEL_CODE0 | 3
.f2cb: mov ds, ax
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f2cb, SEL_CODE3
  TRY
    TO_RING3
    mov eax, S_CONFXO | 3
.f2cc: mov ds, ax
  ENDTRY
  CHECK_EXC 13, S_CONFXO, .f2cc, SEL_CODE3
  TRY
    TO_RING3
    mov eax, S_CONF | 3                ; conforming readable: no privilege check
    mov ds, ax
    mov ebx, [v_post]
    mov ecx, ds
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "ring 3 reached INT 7Fh"
  CHECK_EQ [g_ebx], 0x2C, "read through a conforming code segment at CPL 3"
  CHECK_EQ [g_ecx], S_CONF | 3, "DS"

  POST 0x2D, "privilege is checked before presence"
  TRY
    mov eax, S_NP | 1
.f2d: mov ds, ax
  ENDTRY
  CHECK_EXC 13, S_NP, .f2d

  POST 0x2E, "far JMP to a data segment"
  TRY
.f2e: jmp SEL_DATA0:.f2e
  ENDTRY
  CHECK_EXC 13, SEL_DATA0, .f2e

  POST 0x2F, "far JMP to a not-present code segment"
  TRY
.f2f: jmp S_CODENP:.f2f
  ENDTRY
  CHECK_EXC 11, S_CODENP, .f2f

  POST 0x30, "far JMP privilege checks"
  TRY
.f30: jmp SEL_CODE3:.f30                ; non-conforming DPL 3 from CPL 0
  ENDTRY
  CHECK_EXC 13, SEL_CODE3 & ~3, .f30
  TRY
.f30b: jmp (SEL_CODE0 | 3):.f30b          ; RPL 3 > CPL 0
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f30b
  TRY
.f30c: jmp S_CONF3:.f30c                 ; conforming DPL 3 > CPL 0
  ENDTRY
  CHECK_EXC 13, S_CONF3, .f30c
  TRY
    TO_RING3
.f30d: jmp (SEL_CODE0 | 3):.f30d          ; non-conforming DPL 0 from CPL 3
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f30d, SEL_CODE3

  POST 0x31, "far JMP to conforming code from ring 3"
  TRY
    TO_RING3
    jmp S_CONF:.t31                    ; RPL 0, DPL 0 <= CPL 3: allowed, CPL stays 3
.t31:
    mov ebx, cs
    int VEC_BACK
.r31:
  ENDTRY
  CHECK_EXC VEC_BACK, 0, .r31, S_CONF | 3
  CHECK_EQ [g_ebx], S_CONF | 3, "CS in the conforming segment"
  CHECK_EQ [g_ss], SEL_DATA3, "SS stays the ring-3 stack"

  POST 0x32, "MOV CS"
  TRY
    mov eax, SEL_CODE0
.f32: db 0x8E, 0xC8                    ; mov cs, ax
  ENDTRY
  CHECK_EXC 6, 0, .f32

  POST 0x33, "POP DS and LDS faults leave state unchanged"
  TRY
    push dword 0x0803
    mov ebx, esp
.f33: pop ds
  ENDTRY
  CHECK_EXC 13, 0x800, .f33
  mov ecx, [g_ebx]
  CHECK_EQ [g_esp], ecx, "ESP unchanged by the faulting POP"
  mov dword [FARPTR], 0x1000
  mov word [FARPTR + 4], S_NP
  TRY
    mov eax, 0xCAFE
.f33b: lds eax, [FARPTR]
  ENDTRY
  CHECK_EXC 11, S_NP, .f33b
  CHECK_EQ [g_eax], 0xCAFE, "EAX unchanged by the faulting LDS"

  POST 0x34, "LSS with a null selector"
  mov word [FARPTR + 4], 0
  TRY
    mov ebx, esp
.f34: lss esp, [FARPTR]
  ENDTRY
  CHECK_EXC 13, 0, .f34
  mov ecx, [g_ebx]
  CHECK_EQ [g_esp], ecx, "ESP unchanged by the faulting LSS"

  POST 0x35, "far RET to a null CS"
  TRY
    push dword 0
    push dword .f35
.f35: retf
  ENDTRY
  CHECK_EXC 13, 0, .f35
  PASS

gdtr_short:
  dw 0x7FB
  dd GDT_BASE
gdtr_full:
  dw GDT_LIMIT
  dd GDT_BASE
