; virtlab: rom
; v86: virtual-8086 mode (POST A0-AA).
; SDM Vol. 3A 20.2 (virtual-8086 mode: entering by IRET with VM=1, address translation,
; IOPL-sensitive instructions), 20.3 (interrupt and exception handling in V86: the ring-0 frame
; GS FS DS ES SS ESP EFLAGS CS EIP, data segment registers zeroed on entry), Vol. 2 CLI STI
; PUSHF POPF IRET INT n "Virtual-8086 Mode Exceptions".
;  A0 IRETD with VM=1 enters V86 (segments = selector * 16); INT n with IOPL 3 goes through the
;     IDT to ring 0: frame with GS FS DS ES SS ESP EFLAGS(VM) CS EIP, DS ES FS GS zeroed, stack
;     from TSS.SS0:ESP0
;  A1 IOPL 0: CLI -> #GP(0) with the V86 frame, saved CS:IP = the CLI
;  A2 IOPL 0: STI PUSHF POPF IRET INT n -> #GP(0)
;  A3 IN/OUT in V86 use the I/O bitmap only: none (TSS limit 67h) -> #GP(0), even at IOPL 3
;  A4 IOPL 3: CLI STI PUSHF POPF IRET run; POPF cannot change IOPL
;  A5 INT n with IOPL 3 to a DPL-0 gate -> #GP(n*8+2)
;  A6 INT n with IOPL 3 through a gate to non-ring-0 code -> #GP(code selector)
;  A7 exceptions go through the IDT whatever IOPL is: #DE with the V86 frame
;  A8 privileged instructions (CPL 3) -> #GP(0): HLT, MOV from CR0
;  A9 protected-mode-only instructions -> #UD: ARPL, STR, LAR
;  AA a ring-0 monitor resumes V86 code by IRETD after emulating an instruction; the segment
;     registers come back from the frame
%include "pm.inc"

%define V86_DS    0x1234
%define V86_ES    0x2000
%define V86_FS    0x3000
%define V86_GS    0x4000
%define SKIPCNT   (ROMVARS + 0x00)
%define V86_IOPL3 (FL_VM | FL_IOPL | 2)
%define V86_IOPL0 (FL_VM | 2)

; TO_V86 ip, eflags: IRETD into V86 at F000:ip, SS:SP = 0:C000, DS ES FS GS as above
%macro TO_V86 2
  push dword V86_GS
  push dword V86_FS
  push dword V86_DS
  push dword V86_ES
  push dword 0
  push dword STACK3_TOP
  push dword %2
  push dword 0xF000
  push dword %1
  iretd
%endmacro

; V86_FAULT label, vector, eflags, "what": the V86 code at label raises the exception (error 0) there
%macro V86_FAULT 4
  TRY
    TO_V86 %1, %3
  ENDTRY
  CHECK_EXC %2, 0, %1, 0xF000
%endmacro

CODE16
v_a0:                           ; DS = 1234h
  mov word [0x10], 0xBEEF       ; linear 12350h
  mov bx, cs
  mov cx, ss
  mov dx, sp
  push ax
  mov si, sp
  pop ax
  int VEC_BACK
.after:
v_cli:  cli
v_sti:  sti
v_pushf: pushf
v_popf: popf
v_iret: iret
v_int:  int VEC_BACK
v_in:   in al, 0x80
v_out:  out 0x80, al
v_a4:
  cli
  pushf
  pop ax
  sti
  pushf
  pop bx
  cli
  push word 0                   ; IOPL 0 in the image
  popf
  pushf
  pop cx
  pushf
  push cs
  push word .target
  iret
  hlt
.target:
  mov dx, 0xA4
  int VEC_BACK
v_int42: int 0x42
v_int43: int 0x43
v_div:
  xor ax, ax
  xor dx, dx
  xor cx, cx
.f:
  div cx
v_hlt:  hlt
v_cr0:  mov eax, cr0
v_arpl: arpl [bx], ax
v_str:  str ax
v_lar:  lar ax, bx
v_aa:
  mov bx, 1
  cli                           ; emulated (skipped) by the monitor
  mov bx, 2
.int:
  int VEC_BACK                  ; IOPL 0: #GP, this time to the recorder

CODE32
h_gp_skip:                      ; #GP monitor: the first time skip the 1-byte instruction and resume
  cmp dword [ss:SKIPCNT], 0
  jne exc_stubs + 13*16
  inc dword [ss:SKIPCNT]
  add esp, 4                    ; error code
  inc dword [esp]               ; IP + 1
  iretd

main:
  call pic_init_masked          ; V86 code here runs STI
  IDT_GATE 0x43, 0, 0xEE, SEL_CODE3

  POST 0xA0, "enter V86, leave by INT n"
  TRY
    TO_V86 v_a0, V86_IOPL3
  ENDTRY
  CHECK_EXC VEC_BACK, 0, v_a0.after, 0xF000
  CHECK_MASK [g_efl], FL_VM | FL_IOPL, FL_VM | FL_IOPL, "saved EFLAGS (VM, IOPL 3)"
  CHECK_EQ [g_priv], 1, "frame with SS:ESP"
  CHECK_EQ [g_ss], 0, "saved SS"
  CHECK_EQ [g_esp], STACK3_TOP, "saved ESP"
  CHECK_EQ [g_ds], V86_DS, "saved DS"
  CHECK_EQ [g_es], V86_ES, "saved ES"
  CHECK_EQ [g_fs], V86_FS, "saved FS"
  CHECK_EQ [g_gs], V86_GS, "saved GS"
  CHECK_EQ [g_xds], 0, "DS in the handler"
  CHECK_EQ [g_xes], 0, "ES in the handler"
  CHECK_EQ [g_xfs], 0, "FS in the handler"
  CHECK_EQ [g_xgs], 0, "GS in the handler"
  CHECK_EQ [g_xss], SEL_DATA0, "SS in the handler = TSS.SS0"
  CHECK_EQ [g_xesp], ESP0_TOP - 36, "ESP in the handler (9 dwords)"
  CHECK_MASK [0x12350], 0xFFFF, 0xBEEF, "V86 write to DS:10 with DS = 1234h"
  CHECK_MASK [g_ebx], 0xFFFF, 0xF000, "CS in V86"
  CHECK_MASK [g_ecx], 0xFFFF, 0, "SS in V86"
  CHECK_MASK [g_edx], 0xFFFF, STACK3_TOP, "SP in V86"
  CHECK_MASK [g_esi], 0xFFFF, STACK3_TOP - 2, "SP after a PUSH (2 bytes)"

  POST 0xA1, "IOPL 0: CLI"
  V86_FAULT v_cli, 13, V86_IOPL0, "CLI"
  CHECK_MASK [g_efl], FL_VM | FL_IOPL, FL_VM, "saved EFLAGS (VM, IOPL 0)"
  CHECK_EQ [g_ds], V86_DS, "saved DS"

  POST 0xA2, "IOPL 0: STI PUSHF POPF IRET INT n"
  V86_FAULT v_sti, 13, V86_IOPL0, "STI"
  V86_FAULT v_pushf, 13, V86_IOPL0, "PUSHF"
  V86_FAULT v_popf, 13, V86_IOPL0, "POPF"
  V86_FAULT v_iret, 13, V86_IOPL0, "IRET"
  V86_FAULT v_int, 13, V86_IOPL0, "INT n"

  POST 0xA3, "IN/OUT without an I/O bitmap"
  V86_FAULT v_in, 13, V86_IOPL0, "IN"
  V86_FAULT v_out, 13, V86_IOPL3, "OUT at IOPL 3"

  POST 0xA4, "IOPL 3: CLI STI PUSHF POPF IRET"
  TRY
    TO_V86 v_a4, V86_IOPL3
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "vector"
  CHECK_MASK [g_eax], FL_IOPL | FL_IF, FL_IOPL, "PUSHF after CLI"
  CHECK_MASK [g_ebx], FL_IOPL | FL_IF, FL_IOPL | FL_IF, "PUSHF after STI"
  CHECK_MASK [g_ecx], FL_IOPL | FL_IF, FL_IOPL, "PUSHF after POPF of IOPL 0 (IOPL kept)"
  CHECK_MASK [g_edx], 0xFFFF, 0xA4, "IRET reached its target"
  CHECK_MASK [g_efl], FL_VM | FL_IOPL, FL_VM | FL_IOPL, "saved EFLAGS"

  POST 0xA5, "IOPL 3: INT n to a DPL-0 gate"
  TRY
    TO_V86 v_int42, V86_IOPL3
  ENDTRY
  CHECK_EXC 13, 0x42*8 + 2, v_int42, 0xF000

  POST 0xA6, "IOPL 3: INT n to non-ring-0 code"
  TRY
    TO_V86 v_int43, V86_IOPL3
  ENDTRY
  CHECK_EXC 13, SEL_CODE3 & ~3, v_int43, 0xF000

  POST 0xA7, "#DE in V86"
  TRY
    TO_V86 v_div, V86_IOPL0
  ENDTRY
  CHECK_EXC 0, 0, v_div.f, 0xF000
  CHECK_MASK [g_efl], FL_VM, FL_VM, "saved EFLAGS.VM"
  CHECK_EQ [g_ds], V86_DS, "saved DS"

  POST 0xA8, "privileged instructions in V86"
  V86_FAULT v_hlt, 13, V86_IOPL3, "HLT"
  V86_FAULT v_cr0, 13, V86_IOPL3, "MOV from CR0"

  POST 0xA9, "protected-mode-only instructions in V86"
  V86_FAULT v_arpl, 6, V86_IOPL3, "ARPL"
  V86_FAULT v_str, 6, V86_IOPL3, "STR"
  V86_FAULT v_lar, 6, V86_IOPL3, "LAR"

  POST 0xAA, "a monitor resumes V86 code"
  mov dword [SKIPCNT], 0
  IDT_GATE 13, h_gp_skip
  TRY
    TO_V86 v_aa, V86_IOPL0
  ENDTRY
  IDT_DEFAULT 13
  CHECK_EQ [SKIPCNT], 1, "monitor runs"
  CHECK_EXC 13, 0, v_aa.int, 0xF000
  CHECK_MASK [g_ebx], 0xFFFF, 2, "V86 code went on after the emulated CLI"
  CHECK_EQ [g_ds], V86_DS, "DS restored by IRETD to V86"
  CHECK_EQ [g_gs], V86_GS, "GS restored by IRETD to V86"
  PASS
