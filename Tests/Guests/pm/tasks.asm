; virtlab: rom
; tasks: hardware task switches (POST C0-C9).
; SDM Vol. 3A 7.2 (TSS layout, TSS descriptor busy flag, task gates), 7.3 (task switching: what is
; saved in the old TSS, loaded from the new one, CR0.TS), 7.4 (task linking: NT, previous-task
; link, busy flags for CALL/INT vs JMP/IRET), Vol. 2 JMP/CALL/IRET/INT "Protected Mode Exceptions".
; Paging is off and every TSS's CR3 field is 0: nothing here depends on CR3.
;  C0 far JMP to a TSS: the new task starts at TSS.EIP with its registers, segments, LDTR and
;     EFLAGS; NT stays 0; the old TSS becomes available, the new one busy; CR0.TS is set
;  C1 JMP back: the old task resumes after its JMP with its registers; the outgoing TSS holds the
;     state it had (EIP after the JMP, general and segment registers)
;  C2 far CALL to a TSS: NT = 1 and the back link in the new TSS; both TSSs busy
;  C3 IRETD with NT = 1 returns to the back-linked task: the called TSS becomes available and its
;     saved EFLAGS have NT = 0; the caller goes on after its CALL
;  C4 INT n through a task gate in the IDT: a linked switch like CALL
;  C5 an exception through a task gate: the error code is pushed on the new task's stack, the
;     faulting task's TSS holds the faulting EIP; the handler task resumes it elsewhere
;  C6 JMP or CALL to a busy TSS -> #GP(sel)
;  C7 IRETD with NT = 1 to a back link that is not busy -> #TS(link)
;  C8 a ring-3 task entered by JMP (CPL from its CS); back through a DPL-3 task gate in the GDT
;  C9 JMP to a TSS descriptor with DPL < CPL -> #GP(sel); through a DPL-3 task gate from ring 3
;     it works, and the JMP back resumes the ring-3 code of the old task
%include "pm.inc"

%define S_TSSA    0x60
%define S_TSSB    0x68
%define S_TSSC    0x70
%define S_TSSE    0x78
%define G_TSS0    0x80         ; task gate, DPL 3 -> SEL_TSS0
%define S_LDT     0x88
%define G_TSSA3   0x90         ; task gate, DPL 3 -> S_TSSA
%define TSS_A     0x21000
%define TSS_B     0x22000
%define TSS_C     0x23000
%define TSS_E     0x24000
%define R         ROMVARS      ; what the tasks record
%define A_EAX     (R + 0x00)
%define A_TR      (R + 0x04)
%define A_EFL     (R + 0x08)
%define A_BUSY0   (R + 0x0C)
%define A_BUSYA   (R + 0x10)
%define A_CR0     (R + 0x14)
%define A_CS      (R + 0x18)
%define A_SS      (R + 0x1C)
%define A_ESP     (R + 0x20)
%define A_LDTR    (R + 0x24)
%define A_EBX     (R + 0x28)
%define B_RUNS    (R + 0x30)
%define B_EFL     (R + 0x34)
%define B_LINK    (R + 0x38)
%define B_BUSY0   (R + 0x3C)
%define B_BUSYB   (R + 0x40)
%define C_ERR     (R + 0x48)
%define C_ESP     (R + 0x4C)
%define C_EIP     (R + 0x50)
%define C_RESUME  (R + 0x54)
%define E_CS      (R + 0x60)
%define E_SS      (R + 0x64)
%define E_DS      (R + 0x68)
%define E_ESP     (R + 0x6C)
%define MAIN_ESI  0x5151

; INIT_TSS base, eip, esp, cs, data selector (SS DS ES FS GS), eflags, eax, ldt
%macro INIT_TSS 8
  mov edi, %1
  xor eax, eax
  mov ecx, 0x68 / 4
  rep stosd
  mov dword [%1 + 0x04], ESP0_TOP - 0x400
  mov dword [%1 + 0x08], SEL_DATA0
  mov dword [%1 + 0x20], %2
  mov dword [%1 + 0x24], %6
  mov dword [%1 + 0x28], %7
  mov dword [%1 + 0x34], 0xB0B0B0B0
  mov dword [%1 + 0x38], %3
  mov dword [%1 + 0x48], %5
  mov dword [%1 + 0x4C], %4
  mov dword [%1 + 0x50], %5
  mov dword [%1 + 0x54], %5
  mov dword [%1 + 0x58], %5
  mov dword [%1 + 0x5C], %5
  mov dword [%1 + 0x60], %8
  mov word [%1 + 0x66], 0x68
%endmacro

CODE32
task_a:                         ; entered by JMP; leaves by JMP to TSS0 (or through G_TSS0)
  mov [A_EAX], eax
  mov [A_EBX], ebx
  str eax
  mov [A_TR], eax
  pushfd
  pop eax
  mov [A_EFL], eax
  movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
  mov [A_BUSY0], eax
  movzx eax, byte [GDT_BASE + S_TSSA + 5]
  mov [A_BUSYA], eax
  mov eax, cr0
  mov [A_CR0], eax
  mov eax, cs
  mov [A_CS], eax
  mov eax, ss
  mov [A_SS], eax
  mov [A_ESP], esp
  sldt eax
  mov [A_LDTR], eax
  mov eax, 0xA1A1A1A1
  mov ebx, 0xA2A2A2A2
  jmp SEL_TSS0:0
.again:
  jmp task_a

task_b:                         ; entered by CALL or INT; leaves by IRETD
  inc dword [B_RUNS]
  pushfd
  pop eax
  mov [B_EFL], eax
  movzx eax, word [TSS_B]
  mov [B_LINK], eax
  movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
  mov [B_BUSY0], eax
  movzx eax, byte [GDT_BASE + S_TSSB + 5]
  mov [B_BUSYB], eax
  iretd
  jmp task_b

task_c:                         ; #GP handler task: error code on its stack
  mov eax, [esp]
  mov [C_ERR], eax
  mov [C_ESP], esp
  mov eax, [TSS0_BASE + 0x20]
  mov [C_EIP], eax
  mov eax, [C_RESUME]
  mov [TSS0_BASE + 0x20], eax   ; resume the faulting task elsewhere
  add esp, 4
  iretd
  jmp task_c

task_e:                         ; ring-3 task
  mov eax, cs
  mov [E_CS], eax
  mov eax, ss
  mov [E_SS], eax
  mov eax, ds
  mov [E_DS], eax
  mov [E_ESP], esp
  jmp G_TSS0:0
  jmp task_e

main:
  SET_DESC GDT_BASE, S_TSSA, TSS_A, 0x67, A_TSS32
  SET_DESC GDT_BASE, S_TSSB, TSS_B, 0x67, A_TSS32
  SET_DESC GDT_BASE, S_TSSC, TSS_C, 0x67, A_TSS32
  SET_DESC GDT_BASE, S_TSSE, TSS_E, 0x67, A_TSS32
  SET_DESC GDT_BASE, S_LDT, LDT_BASE, 0x17, A_LDT
  SET_GATE GDT_BASE + G_TSS0, SEL_TSS0, 0, 0xE5
  SET_GATE GDT_BASE + G_TSSA3, S_TSSA, 0, 0xE5
  INIT_TSS TSS_A, task_a, 0x6000, SEL_CODE0, SEL_DATA0, 0x3002, 0xA0A0A0A0, S_LDT
  INIT_TSS TSS_B, task_b, 0x6400, SEL_CODE0, SEL_DATA0, 0x0002, 0, 0
  INIT_TSS TSS_C, task_c, 0x6800, SEL_CODE0, SEL_DATA0, 0x0002, 0, 0
  INIT_TSS TSS_E, task_e, STACK3_TOP - 0x100, SEL_CODE3, SEL_DATA3, 0x0002, 0, 0
  mov dword [B_RUNS], 0

  POST 0xC0, "JMP to a TSS"
  mov ebx, 0x0B0B0B0B
  mov esi, MAIN_ESI
  jmp S_TSSA:0
.back_c0:
  CHECK_EQ [A_EAX], 0xA0A0A0A0, "EAX in the new task (from its TSS)"
  CHECK_EQ [A_EBX], 0xB0B0B0B0, "EBX in the new task"
  CHECK_EQ [A_TR], S_TSSA, "TR in the new task"
  CHECK_MASK [A_EFL], FL_NT | FL_IOPL, FL_IOPL, "EFLAGS in the new task (IOPL 3 from its TSS, NT 0)"
  CHECK_EQ [A_BUSY0], 0x89, "old TSS descriptor: available"
  CHECK_EQ [A_BUSYA], 0x8B, "new TSS descriptor: busy"
  CHECK_MASK [A_CR0], 8, 8, "CR0.TS set by the task switch"
  CHECK_EQ [A_CS], SEL_CODE0, "CS"
  CHECK_EQ [A_SS], SEL_DATA0, "SS"
  CHECK_EQ [A_ESP], 0x6000, "ESP"
  CHECK_EQ [A_LDTR], S_LDT, "LDTR from the new TSS"

  POST 0xC1, "JMP back and the saved state"
  CHECK_EQ ebx, 0x0B0B0B0B, "EBX of the resumed task"
  CHECK_EQ esi, MAIN_ESI, "ESI of the resumed task"
  str eax
  CHECK_EQ eax, SEL_TSS0, "TR"
  sldt eax
  CHECK_EQ eax, 0, "LDTR from TSS0"
  CHECK_EQ [TSS0_BASE + 0x20], .back_c0, "TSS0.EIP = after the JMP"
  CHECK_EQ [TSS0_BASE + 0x34], 0x0B0B0B0B, "TSS0.EBX"
  CHECK_EQ [TSS0_BASE + 0x40], MAIN_ESI, "TSS0.ESI"
  CHECK_MASK [TSS0_BASE + 0x4C], 0xFFFF, SEL_CODE0, "TSS0.CS"
  CHECK_MASK [TSS0_BASE + 0x50], 0xFFFF, SEL_DATA0, "TSS0.SS"
  CHECK_EQ [TSS_A + 0x20], task_a.again, "TSS_A.EIP = after its JMP"
  CHECK_EQ [TSS_A + 0x28], 0xA1A1A1A1, "TSS_A.EAX"
  CHECK_EQ [TSS_A + 0x34], 0xA2A2A2A2, "TSS_A.EBX"
  movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
  CHECK_EQ eax, 0x8B, "TSS0 busy again"
  movzx eax, byte [GDT_BASE + S_TSSA + 5]
  CHECK_EQ eax, 0x89, "TSS_A available again"
  clts

  POST 0xC2, "CALL to a TSS"
  call S_TSSB:0
.back_c2:
  CHECK_EQ [B_RUNS], 1, "task B ran"
  CHECK_MASK [B_EFL], FL_NT, FL_NT, "NT in the called task"
  CHECK_EQ [B_LINK], SEL_TSS0, "back link"
  CHECK_EQ [B_BUSY0], 0x8B, "caller's TSS stays busy"
  CHECK_EQ [B_BUSYB], 0x8B, "called TSS busy"

  POST 0xC3, "IRETD back through the link"
  CHECK_EQ [TSS0_BASE + 0x20], .back_c2, "TSS0.EIP = after the CALL"
  movzx eax, byte [GDT_BASE + S_TSSB + 5]
  CHECK_EQ eax, 0x89, "called TSS available after IRETD"
  CHECK_MASK [TSS_B + 0x24], FL_NT, 0, "NT in the called task's saved EFLAGS"
  pushfd
  pop eax
  CHECK_MASK eax, FL_NT, 0, "NT in the caller"
  str eax
  CHECK_EQ eax, SEL_TSS0, "TR"
  clts

  POST 0xC4, "INT through a task gate"
  IDT_GATE 0x50, 0, 0x85, S_TSSB
  mov word [TSS_B], 0
  int 0x50
  CHECK_EQ [B_RUNS], 2, "task B ran again"
  CHECK_MASK [B_EFL], FL_NT, FL_NT, "NT in the task"
  CHECK_EQ [B_LINK], SEL_TSS0, "back link"
  CHECK_EQ [B_BUSYB], 0x8B, "TSS busy"
  clts

  POST 0xC5, "exception through a task gate"
  IDT_GATE 13, 0, 0x85, S_TSSC
  mov dword [C_RESUME], .resume_c5
  mov eax, 0x0803
.f_c5:
  mov ds, ax
  jmp .bad_c5
.resume_c5:
  IDT_DEFAULT 13
  CHECK_EQ [C_ERR], 0x800, "error code on the handler task's stack"
  CHECK_EQ [C_ESP], 0x6800 - 4, "handler task ESP"
  CHECK_EQ [C_EIP], .f_c5, "TSS0.EIP = the faulting instruction"
  clts
  jmp .c6
.bad_c5:
  IDT_DEFAULT 13
  CHECK_EQ 0, 1, "the faulting MOV DS went on"
.c6:

  POST 0xC6, "JMP or CALL to a busy TSS"
  TRY
.f_c6: jmp SEL_TSS0:0
  ENDTRY
  CHECK_EXC 13, SEL_TSS0, .f_c6
  TRY
.f_c6b: call SEL_TSS0:0
  ENDTRY
  CHECK_EXC 13, SEL_TSS0, .f_c6b

  POST 0xC7, "IRETD to a back link that is not busy"
  mov word [TSS0_BASE], S_TSSA
  TRY
    pushfd
    or dword [esp], FL_NT
    popfd
.f_c7: iretd
  ENDTRY
  mov word [TSS0_BASE], 0
  CHECK_EXC 10, S_TSSA, .f_c7

  POST 0xC8, "a ring-3 task"
  jmp S_TSSE:0
.back_c8:
  CHECK_EQ [E_CS], SEL_CODE3, "CS in the task"
  CHECK_EQ [E_SS], SEL_DATA3, "SS in the task"
  CHECK_EQ [E_DS], SEL_DATA3, "DS in the task"
  CHECK_EQ [E_ESP], STACK3_TOP - 0x100, "ESP in the task"
  CHECK_EQ [TSS0_BASE + 0x20], .back_c8, "TSS0.EIP"
  str eax
  CHECK_EQ eax, SEL_TSS0, "TR after the task gate"
  clts

  POST 0xC9, "task switch privilege checks"
  TRY
    TO_RING3
.f_c9: jmp S_TSSA:0                     ; TSS descriptor DPL 0 < CPL 3
  ENDTRY
  CHECK_EXC 13, S_TSSA, .f_c9, SEL_CODE3
  TRY
    TO_RING3
    jmp G_TSSA3:0                       ; DPL-3 task gate: task A runs, jumps back to TSS0
.r3_c9:
    str ebx                             ; TSS0 resumed at ring 3 after the JMP
    int VEC_BACK
  ENDTRY
  CHECK_EXC VEC_BACK, 0, .r3_c9 + 5, SEL_CODE3
  CHECK_EQ [A_TR], S_TSSA, "TR in task A"
  CHECK_EQ [A_EAX], 0xA1A1A1A1, "EAX in task A (saved by its last switch)"
  CHECK_MASK [TSS0_BASE + 0x4C], 0xFFFF, SEL_CODE3, "TSS0.CS saved at ring 3"
  CHECK_EQ [g_ebx], SEL_TSS0, "TR back at ring 3"
  clts
  PASS
