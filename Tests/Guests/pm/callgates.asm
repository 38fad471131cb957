; virtlab: rom
; callgates: far CALL/JMP through call gates (POST 50-5C).
; SDM Vol. 3A 5.8.2-5.8.6 (call gates, access checks, stack switching with parameter copy,
; returning from a called procedure), Vol. 2 CALL / JMP / RET "Protected Mode Exceptions",
; LAR/LSL/VERR (valid descriptor types).
;  50 32-bit gate to the same privilege: only CS:EIP pushed (no parameter copy); RETF back
;  51 32-bit gate from ring 3 to ring 0 with 2 dword parameters: stack from TSS.SS0:ESP0,
;     frame SS ESP p1 p2 CS EIP; RETF 8 back to ring 3 releases the parameters on both stacks
;  52 16-bit gate from 16-bit ring-3 code to 16-bit ring-0 code with 2 word parameters (16-bit
;     frame), RETF 4 back
;  53 JMP through a call gate to the same privilege: nothing pushed
;  54 gate DPL < CPL, or < RPL -> #GP(gate)
;  55 target code DPL > CPL (CALL) -> #GP(code)
;  56 not-present gate -> #NP(gate)       57 not-present target code -> #NP(code)
;  58 JMP through a gate to more privileged non-conforming code -> #GP(code)
;  59 gate with a null target selector -> #GP(0)
;  5A gate to conforming code from ring 3: CPL stays 3 (MOV from CR0 faults), same stack
;  5B gate from ring 2 to ring 1: TSS.SS1:ESP1, parameters copied; RETF 4 back to ring 2
;  5C LAR reads a call gate's access rights; LSL and VERR reject it
%include "pm.inc"

%define G32_R3    0x60         ; 32-bit gate DPL 3, 2 params -> SEL_CODE0:cg32_target
%define G32_SAME  0x68         ; 32-bit gate DPL 0, 2 params -> SEL_CODE0:cg_same
%define G16       0x70         ; 16-bit gate DPL 3, 2 params -> SEL_CODE16:cg16_target
%define S_CODE16_3 0x78        ; 16-bit code DPL 3, base F0000
%define G_JMP     0x80         ; 32-bit gate DPL 0 -> SEL_CODE0:cg_jmp
%define G_TO3     0x88         ; gate DPL 0 -> ring-3 code
%define G_NP      0x90         ; not-present gate
%define G_TNP     0x98         ; gate -> not-present code
%define S_CODENP  0xA0
%define G_NULL    0xA8         ; gate -> selector 0
%define S_CONF    0xB0         ; conforming code, DPL 0
%define G_CONF    0xB8         ; gate DPL 3 -> S_CONF:cg_conf
%define G_R1      0xC0         ; gate DPL 3, 1 param -> SEL_CODE1:cg_r1
%define G_CONF2   0xC8         ; gate DPL 3 -> S_CONF:cg_conf_priv
%define CG_ESP    (ROMVARS + 0x00)
%define CG_CS     (ROMVARS + 0x04)
%define CG_SS     (ROMVARS + 0x08)
%define CG_FRAME  (ROMVARS + 0x10)  ; copy of the stack at the target (8 dwords)

; SNAP n: copy n dwords from SS:ESP to CG_FRAME (DS must be flat), record ESP CS SS
%macro SNAP 1
  mov [CG_ESP], esp
  mov eax, cs
  mov [CG_CS], eax
  mov eax, ss
  mov [CG_SS], eax
  %assign %%i 0
  %rep %1
    mov eax, [esp + %%i*4]
    mov [CG_FRAME + %%i*4], eax
    %assign %%i %%i + 1
  %endrep
%endmacro

CODE32
cg32_target:                    ; ring 0, from ring 3 (DS = SEL_DATA3, flat)
  SNAP 6
  retf 8
cg_same:                        ; ring 0, from ring 0
  SNAP 2
  retf
cg_jmp:
  int VEC_BACK
.after:
cg_conf:                        ; conforming: runs at the caller's CPL
  mov ebx, cs
  mov ecx, esp
  mov edx, ss
  int VEC_BACK
cg_conf_priv:                   ; conforming: CPL 3 may not read CR0
  mov eax, cr0
  int VEC_BACK
cg_r1:                          ; ring 1, from ring 2 (DS = SEL_DATA2, flat)
  SNAP 5
  retf 4

; ring-2 code: call the ring-1 gate with one parameter, then report
r2_code:
  mov ax, SEL_DATA2
  mov ds, ax
  push dword 0xABCD
  call G_R1:0
  mov ebx, esp
  mov ecx, cs
  int VEC_BACK

CODE16
r3_16:                          ; CS = S_CODE16_3 (ring 3), SS = SEL_DATA3 (B = 1)
  mov ax, SEL_DATA3
  mov ds, ax
  push word 0x1111
  push word 0x2222
  call (G16 | 3):0
.ret:
  mov ebx, esp
  int VEC_BACK
cg16_target:                    ; CS = SEL_CODE16 (ring 0, 16-bit), SS = SEL_DATA0
  mov [CG_ESP], esp
  mov eax, cs
  mov [CG_CS], eax
  mov eax, [esp]
  mov [CG_FRAME], eax
  mov eax, [esp + 4]
  mov [CG_FRAME + 4], eax
  mov eax, [esp + 8]
  mov [CG_FRAME + 8], eax
  retf 4

CODE32
main:
  SET_GATE GDT_BASE + G32_R3, SEL_CODE0, cg32_target, 0xEC, 2
  SET_GATE GDT_BASE + G32_SAME, SEL_CODE0, cg_same, 0x8C, 2
  SET_GATE GDT_BASE + G16, SEL_CODE16, cg16_target, 0xE4, 2
  SET_DESC GDT_BASE, S_CODE16_3, 0xF0000, 0xFFFF, 0x00FB
  SET_GATE GDT_BASE + G_JMP, SEL_CODE0, cg_jmp, 0x8C
  SET_GATE GDT_BASE + G_TO3, SEL_CODE3, cg_same, 0x8C
  SET_GATE GDT_BASE + G_NP, SEL_CODE0, cg_same, 0x6C    ; P = 0, DPL 3
  SET_GATE GDT_BASE + G_TNP, S_CODENP, cg_same, 0xEC
  SET_DESC GDT_BASE, S_CODENP, 0, 0xFFFFF, 0xC01B
  SET_GATE GDT_BASE + G_NULL, 0, cg_same, 0xEC
  SET_DESC GDT_BASE, S_CONF, 0, 0xFFFFF, 0xC09F
  SET_GATE GDT_BASE + G_CONF, S_CONF, cg_conf, 0xEC
  SET_GATE GDT_BASE + G_R1, SEL_CODE1, cg_r1, 0xEC, 1
  SET_GATE GDT_BASE + G_CONF2, S_CONF, cg_conf_priv, 0xEC

  POST 0x50, "32-bit gate, same privilege"
  mov ebx, esp
  call G32_SAME:0
.r50:
  CHECK_EQ [CG_CS], SEL_CODE0, "CS at the target"
  sub ebx, 8
  CHECK_EQ [CG_ESP], ebx, "ESP at the target (CS:EIP only, no parameters)"
  CHECK_EQ [CG_FRAME], .r50, "pushed EIP"
  CHECK_MASK [CG_FRAME + 4], 0xFFFF, SEL_CODE0, "pushed CS"

  POST 0x51, "32-bit gate, ring 3 to ring 0 with parameters"
  TRY
    TO_RING3
    mov ax, SEL_DATA3
    mov ds, ax
    push dword 0x11111111
    push dword 0x22222222
    call G32_R3:0
.r51:
    mov ebx, esp
    mov ecx, cs
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "back in ring 3"
  CHECK_EQ [g_ebx], STACK3_TOP, "ring-3 ESP after RETF 8"
  CHECK_EQ [g_ecx], SEL_CODE3, "ring-3 CS after RETF 8"
  CHECK_EQ [CG_CS], SEL_CODE0, "CS at the target"
  CHECK_EQ [CG_SS], SEL_DATA0, "SS at the target = TSS.SS0"
  CHECK_EQ [CG_ESP], ESP0_TOP - 24, "ESP at the target"
  CHECK_EQ [CG_FRAME], .r51, "EIP"
  CHECK_MASK [CG_FRAME + 4], 0xFFFF, SEL_CODE3, "CS"
  CHECK_EQ [CG_FRAME + 8], 0x22222222, "parameter 2"
  CHECK_EQ [CG_FRAME + 12], 0x11111111, "parameter 1"
  CHECK_EQ [CG_FRAME + 16], STACK3_TOP - 8, "ESP of the caller"
  CHECK_MASK [CG_FRAME + 20], 0xFFFF, SEL_DATA3, "SS of the caller"

  POST 0x52, "16-bit gate, ring 3 to ring 0 with parameters"
  TRY
    push dword SEL_DATA3
    push dword STACK3_TOP
    push dword 2
    push dword S_CODE16_3 | 3
    push dword r3_16
    iretd
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "back in 16-bit ring 3"
  CHECK_EQ [g_cs], S_CODE16_3 | 3, "ring-3 CS after RETF 4"
  CHECK_EQ [g_ebx], STACK3_TOP, "ring-3 ESP after RETF 4"
  CHECK_EQ [CG_CS], SEL_CODE16, "CS at the target"
  CHECK_EQ [CG_ESP], ESP0_TOP - 12, "ESP at the target (6 words)"
  CHECK_EQ [CG_FRAME], ((S_CODE16_3 | 3) << 16) + r3_16.ret, "CS:IP"
  CHECK_EQ [CG_FRAME + 4], 0x11112222, "parameters"
  CHECK_EQ [CG_FRAME + 8], (SEL_DATA3 << 16) | (STACK3_TOP - 4), "SS:SP of the caller"

  POST 0x53, "JMP through a call gate"
  TRY
    jmp G_JMP:0
  ENDTRY
  CHECK_EXC VEC_BACK, 0, cg_jmp.after
  CHECK_EQ [g_esp], [x_esp], "ESP (nothing pushed)"

  POST 0x54, "gate DPL checks"
  TRY
    TO_RING3
.f54: call G32_SAME:0
  ENDTRY
  CHECK_EXC 13, G32_SAME, .f54, SEL_CODE3
  TRY
.f54b: call (G32_SAME | 3):0
  ENDTRY
  CHECK_EXC 13, G32_SAME, .f54b

  POST 0x55, "gate to less privileged code"
  TRY
.f55: call G_TO3:0
  ENDTRY
  CHECK_EXC 13, SEL_CODE3 & ~3, .f55

  POST 0x56, "not-present gate"
  TRY
.f56: call G_NP:0
  ENDTRY
  CHECK_EXC 11, G_NP, .f56

  POST 0x57, "gate to not-present code"
  TRY
    TO_RING3
.f57: call G_TNP:0
  ENDTRY
  CHECK_EXC 11, S_CODENP, .f57, SEL_CODE3

  POST 0x58, "JMP through a gate to more privileged code"
  TRY
    TO_RING3
.f58: jmp G32_R3:0
  ENDTRY
  CHECK_EXC 13, SEL_CODE0, .f58, SEL_CODE3

  POST 0x59, "gate with a null target selector"
  TRY
.f59: call G_NULL:0
  ENDTRY
  CHECK_EXC 13, 0, .f59

  POST 0x5A, "gate to conforming code from ring 3"
  ; (CS.RPL in the conforming segment is not checked: QEMU loads the segment's DPL, the SDM CPL)
  TRY
    TO_RING3
    call G_CONF:0
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "vector"
  CHECK_EQ [g_ecx], STACK3_TOP - 8, "ESP (same stack, CS:EIP pushed)"
  CHECK_EQ [g_edx], SEL_DATA3, "SS (no stack switch)"
  TRY
    TO_RING3
    call G_CONF2:0
  ENDTRY
  CHECK_EQ [g_vec], 13, "MOV from CR0 in the conforming code at CPL 3: vector"
  CHECK_EQ [g_eip], cg_conf_priv, "saved EIP"

  POST 0x5B, "gate from ring 2 to ring 1"
  TRY
    push dword SEL_DATA2
    push dword ESP2_TOP - 0x100
    push dword 2
    push dword SEL_CODE2
    push dword r2_code
    iretd
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "back in ring 2"
  CHECK_EQ [g_ecx], SEL_CODE2, "ring-2 CS after RETF 4"
  CHECK_EQ [g_ebx], ESP2_TOP - 0x100, "ring-2 ESP after RETF 4"
  CHECK_EQ [CG_CS], SEL_CODE1, "CS at the target"
  CHECK_EQ [CG_SS], SEL_DATA1, "SS at the target = TSS.SS1"
  CHECK_EQ [CG_ESP], ESP1_TOP - 20, "ESP at the target"
  CHECK_EQ [CG_FRAME + 8], 0xABCD, "parameter"
  CHECK_EQ [CG_FRAME + 12], ESP2_TOP - 0x104, "ESP of the caller"
  CHECK_MASK [CG_FRAME + 16], 0xFFFF, SEL_DATA2, "SS of the caller"

  POST 0x5C, "LAR, LSL, VERR on a call gate"
  mov eax, 0x12345678
  mov ebx, G32_R3
  lar eax, ebx
  setz cl
  movzx ecx, cl
  CHECK_EQ ecx, 1, "LAR ZF"
  CHECK_MASK eax, 0x00F0FF00, 0x0000EC00, "LAR value"
  mov eax, 0x12345678
  lsl eax, ebx
  setz cl
  movzx ecx, cl
  CHECK_EQ ecx, 0, "LSL ZF"
  CHECK_EQ eax, 0x12345678, "LSL leaves the destination"
  verr bx
  setz cl
  movzx ecx, cl
  CHECK_EQ ecx, 0, "VERR ZF"
  PASS
