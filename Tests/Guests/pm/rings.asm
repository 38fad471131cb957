; virtlab: rom
; rings: privilege levels, interrupt gates across rings, returns to outer rings (POST 40-4E).
; SDM Vol. 3A 5.5-5.9, 6.12.1 (interrupt procedures, stack switch, TSS SSn:ESPn), 7.2.1 (TSS
; stack fields), Vol. 2 IRET and RET (return to an outer privilege level, segment nulling), the
; "Protected Mode Exceptions" of the privileged instructions (#GP(0) when CPL > 0).
;  40 IRETD to ring 3: CS SS ESP from the frame; DS/ES holding DPL-0 data are nulled, FS (DPL 3
;     data) and GS (conforming code) are kept
;  41 INT n from ring 3 through a DPL-3 interrupt gate: ring 0 on TSS SS0:ESP0, frame SS ESP EFLAGS
;     CS EIP, IF cleared
;  42 the same through a DPL-3 trap gate: IF kept
;  43 INT n to a DPL-0 gate from ring 3 -> #GP(vector*8+2); INT3 too
;  44 round trip: ring 3 -> INT -> ring 0 handler IRETD -> ring 3 continues with its own stack
;  45 privileged instructions at ring 3 -> #GP(0) (17 of them)
;  46 SMSW SGDT SIDT SLDT STR are allowed at ring 3
;  47 a gate to DPL-1 code: ring 1 on TSS SS1:ESP1
;  48 IRETD to ring 2: DS with DPL 1 nulled, ES with DPL 2 kept
;  49 a gate to a conforming code segment: no privilege change, same stack
;  4A TSS.ESP0 is read on each ring change
;  4B far RET to ring 3 and RETF n to an outer ring (n bytes released on both stacks)
;  4C IRETD to an outer ring with a bad CS (DPL != RPL) or SS (RPL != CS.RPL) -> #GP(sel)
;  4D IRETD at ring 3 to ring 0 -> #GP(sel)
;  4E RDTSC at ring 3 with CR4.TSD -> #GP(0); allowed without it
%include "pm.inc"

%define S_CONF   0x90          ; conforming readable code, DPL 0
%define H_EFL    (ROMVARS + 0x00)
%define H_CNT    (ROMVARS + 0x04)
%define TBL      (ROMVARS + 0x20)

CODE32
; handlers entered through the gates this ROM installs
h_efl:                          ; records EFLAGS inside the handler, then the common recorder
  pushfd
  pop dword [ss:H_EFL]
  jmp exc_stubs + 0x40*16
h_iret:                         ; counts and returns
  inc dword [ss:H_CNT]
  iretd
ring1_handler:                  ; ring 1 (gate 44h): report SS:ESP and CS through INT 7Fh
  mov ebx, ss
  mov ecx, esp
  mov edx, cs
  int VEC_BACK
.after:
conf_handler:                   ; conforming code (gate 45h): CPL stays 3
  mov ebx, cs
  mov ecx, esp
  mov edx, ss
  int VEC_BACK

; RING3_GP insn...: the instruction at ring 3 raises #GP(0)
%macro RING3_GP 1+
  TRY
    TO_RING3
%%f: %1
  ENDTRY
  CHECK_EXC 13, 0, %%f, SEL_CODE3
%endmacro

main:
  SET_DESC GDT_BASE, S_CONF, 0, 0xFFFFF, 0xC09F
  IDT_GATE 0x40, h_efl, 0xEE           ; DPL-3 interrupt gate
  IDT_GATE 0x41, h_efl, 0xEF           ; DPL-3 trap gate
  IDT_GATE 0x43, h_iret, 0xEE
  IDT_GATE 0x44, ring1_handler, 0xEE, SEL_CODE1
  IDT_GATE 0x45, conf_handler, 0xEE, S_CONF
  ; (0x42 and 3 keep their DPL-0 gates)
  call pic_init_masked                 ; ring-3 code here runs with IF=1

  POST 0x40, "IRETD to ring 3"
  mov ax, SEL_DATA3
  mov fs, ax
  mov ax, S_CONF
  mov gs, ax
  TRY
    TO_RING3
.r40:
    mov eax, ds
    mov ebx, es
    mov ecx, fs
    mov edx, gs
    mov esi, cs
    mov edi, ss
    mov ebp, esp
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_esi], SEL_CODE3, "CS"
  CHECK_EQ [g_edi], SEL_DATA3, "SS"
  CHECK_EQ [g_ebp], STACK3_TOP, "ESP"
  CHECK_EQ [g_eax], 0, "DS (DPL 0 data) nulled"
  CHECK_EQ [g_ebx], 0, "ES (DPL 0 data) nulled"
  CHECK_EQ [g_ecx], SEL_DATA3, "FS (DPL 3 data) kept"
  CHECK_EQ [g_edx], S_CONF, "GS (conforming code) kept"

  POST 0x41, "INT from ring 3 through a DPL-3 interrupt gate"
  TRY
    TO_RING3 0x202
    push dword 0x1234
.f41: int 0x40
  ENDTRY
  CHECK_EXC 0x40, 0, .f41 + 2, SEL_CODE3
  CHECK_EQ [g_priv], 1, "frame holds SS:ESP"
  CHECK_EQ [g_ss], SEL_DATA3, "saved SS"
  CHECK_EQ [g_esp], STACK3_TOP - 4, "saved ESP"
  CHECK_MASK [g_efl], 0x3FFFF, 0x202, "saved EFLAGS"
  CHECK_EQ [g_xss], SEL_DATA0, "handler SS = TSS.SS0"
  CHECK_EQ [g_xesp], ESP0_TOP - 20, "handler ESP = TSS.ESP0 - 5 dwords"
  CHECK_MASK [H_EFL], FL_IF | FL_TF | FL_NT | FL_VM, 0, "EFLAGS in the handler (IF TF NT VM clear)"

  POST 0x42, "INT from ring 3 through a DPL-3 trap gate"
  TRY
    TO_RING3 0x202
.f42: int 0x41
  ENDTRY
  CHECK_EXC 0x40, 0, .f42 + 2, SEL_CODE3       ; h_efl goes on through stub 40h
  CHECK_MASK [H_EFL], FL_IF | FL_TF | FL_NT | FL_VM, FL_IF, "EFLAGS in the handler (IF kept)"
  CHECK_EQ [g_xesp], ESP0_TOP - 20, "handler ESP"

  POST 0x43, "INT to a DPL-0 gate from ring 3"
  TRY
    TO_RING3
.f43: int 0x42
  ENDTRY
  CHECK_EXC 13, 0x42*8 + 2, .f43, SEL_CODE3
  CHECK_EQ [g_xesp], ESP0_TOP - 24, "handler ESP (frame with an error code)"
  TRY
    TO_RING3
.f43b: int3
  ENDTRY
  CHECK_EXC 13, 3*8 + 2, .f43b, SEL_CODE3

  POST 0x44, "ring 3 -> ring 0 -> ring 3"
  mov dword [H_CNT], 0
  TRY
    TO_RING3
    mov ebx, 0x5555
    int 0x43
    int 0x43
    mov ecx, cs
    mov edx, ss
    mov esi, esp
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "ring 3 went on after the handlers' IRETD"
  CHECK_EQ [H_CNT], 2, "handler runs"
  CHECK_EQ [g_ebx], 0x5555, "EBX"
  CHECK_EQ [g_ecx], SEL_CODE3, "CS after IRETD"
  CHECK_EQ [g_edx], SEL_DATA3, "SS after IRETD"
  CHECK_EQ [g_esi], STACK3_TOP, "ESP after IRETD"

  POST 0x45, "privileged instructions at ring 3"
  RING3_GP hlt
  RING3_GP cli
  RING3_GP sti
  RING3_GP mov cr0, eax
  RING3_GP mov eax, cr0
  RING3_GP mov eax, cr3
  RING3_GP mov dr7, eax
  RING3_GP lgdt [ss:TBL]
  RING3_GP lidt [ss:TBL]
  RING3_GP lldt ax
  RING3_GP ltr ax
  RING3_GP lmsw ax
  RING3_GP clts
  RING3_GP invd
  RING3_GP wbinvd
  RING3_GP invlpg [ss:TBL]
  RING3_GP rdmsr

  POST 0x46, "SMSW SGDT SIDT SLDT STR at ring 3"
  TRY
    TO_RING3
    mov ax, SEL_DATA3
    mov ds, ax
    smsw ebx
    sgdt [TBL]
    sidt [TBL + 8]
    sldt ecx
    str edx
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "no fault"
  CHECK_MASK [g_ebx], 0xFFFF, 0x0011, "SMSW (PE, ET)"
  CHECK_EQ [g_ecx], 0, "SLDT"
  CHECK_EQ [g_edx], SEL_TSS0, "STR"
  CHECK_EQ [TBL + 2], GDT_BASE, "SGDT base"
  CHECK_EQ [TBL + 10], IDT_BASE, "SIDT base"

  POST 0x47, "gate to DPL-1 code"
  TRY
    TO_RING3
.f47: int 0x44
  ENDTRY
  CHECK_EXC VEC_BACK, 0, ring1_handler.after, SEL_CODE1
  CHECK_EQ [g_ebx], SEL_DATA1, "ring-1 SS = TSS.SS1"
  CHECK_EQ [g_ecx], ESP1_TOP - 20, "ring-1 ESP = TSS.ESP1 - 5 dwords"
  CHECK_EQ [g_edx], SEL_CODE1, "ring-1 CS"
  CHECK_EQ [g_ss], SEL_DATA1, "saved SS (ring 1 -> ring 0)"
  CHECK_EQ [ESP1_TOP - 20], .f47 + 2, "EIP on the ring-1 stack"
  CHECK_EQ [ESP1_TOP - 8], STACK3_TOP, "ESP on the ring-1 stack"
  CHECK_MASK [ESP1_TOP - 4], 0xFFFF, SEL_DATA3, "SS on the ring-1 stack"

  POST 0x48, "IRETD to ring 2"
  mov ax, SEL_DATA1
  mov ds, ax
  mov ax, SEL_DATA2
  mov es, ax
  TRY
    push dword SEL_DATA2
    push dword ESP2_TOP - 0x100
    push dword 2
    push dword SEL_CODE2
    push dword .r48
    iretd
.r48:
    mov eax, ds
    mov ebx, es
    mov ecx, cs
    mov edx, ss
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_eax], 0, "DS (DPL 1) nulled"
  CHECK_EQ [g_ebx], SEL_DATA2, "ES (DPL 2) kept"
  CHECK_EQ [g_ecx], SEL_CODE2, "CS"
  CHECK_EQ [g_edx], SEL_DATA2, "SS"
  CHECK_EQ [g_esp], ESP2_TOP - 0x100, "ESP"

  POST 0x49, "gate to conforming code"
  TRY
    TO_RING3
.f49: int 0x45
  ENDTRY
  CHECK_EQ [g_ebx], S_CONF | 3, "CS in the handler (RPL = CPL 3)"
  CHECK_EQ [g_ecx], STACK3_TOP - 12, "ESP in the handler (same stack, 3 dwords)"
  CHECK_EQ [g_edx], SEL_DATA3, "SS in the handler"
  CHECK_EQ [STACK3_TOP - 12], .f49 + 2, "EIP on the ring-3 stack"

  POST 0x4A, "TSS.ESP0 read on each ring change"
  mov dword [TSS0_BASE + 4], 0x8800
  TRY
    TO_RING3
    int VEC_BACK
  ENDTRY
  mov dword [TSS0_BASE + 4], ESP0_TOP
  CHECK_EQ [g_xesp], 0x8800 - 20, "handler ESP"

  POST 0x4B, "far RET to an outer ring"
  mov ax, SEL_DATA0
  mov ds, ax
  TRY
    push dword SEL_DATA3
    push dword STACK3_TOP - 0x40
    push dword SEL_CODE3
    push dword .r4b
    retf
.r4b:
    mov eax, ds
    mov ebx, esp
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_cs], SEL_CODE3, "CS"
  CHECK_EQ [g_eax], 0, "DS nulled"
  CHECK_EQ [g_ebx], STACK3_TOP - 0x40, "ESP"
  TRY
    push dword SEL_DATA3
    push dword STACK3_TOP - 0x40
    push dword 0x11111111                ; 8 bytes of "parameters"
    push dword 0x22222222
    push dword SEL_CODE3
    push dword .r4bb
    mov ecx, esp
    retf 8
.r4bb:
    mov ebx, esp
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_ebx], STACK3_TOP - 0x40 + 8, "ring-3 ESP after RETF 8"

  POST 0x4C, "IRETD to an outer ring with bad selectors"
  TRY
    push dword SEL_DATA3
    push dword STACK3_TOP
    push dword 2
    push dword SEL_CODE0 | 3             ; DPL 0 != RPL 3
    push dword 0
.f4c: iretd
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f4c
  TRY
    push dword SEL_DATA2                 ; RPL 2 != CS.RPL 3
    push dword STACK3_TOP
    push dword 2
    push dword SEL_CODE3
    push dword 0
.f4cb: iretd
  ENDTRY
  CHECK_EXC 13, SEL_DATA2 & ~3, .f4cb

  POST 0x4D, "IRETD at ring 3 to ring 0"
  TRY
    TO_RING3
    push dword 2
    push dword SEL_CODE0
    push dword 0
.f4d: iretd
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f4d, SEL_CODE3

  POST 0x4E, "RDTSC and CR4.TSD"
  TRY
    TO_RING3
    rdtsc
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "RDTSC at ring 3 without TSD"
  mov eax, cr4
  or eax, 4
  mov cr4, eax
  RING3_GP rdtsc
  mov eax, cr4
  and eax, ~4
  mov cr4, eax
  PASS
