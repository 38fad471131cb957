; virtlab: rom
; faults: the exceptions 0-17 a 32-bit protected-mode program can raise, each with its vector,
; error code and saved EIP - the faulting instruction for faults, the next one for traps
; (POST 60-70). SDM Vol. 3A 6.15 (exception reference), 6.13 (error code, EXT bit), 6.6 (faults
; and traps), 17.2-17.3 (debug registers, DR6), Vol. 2 for each instruction.
;  60 #DE: DIV by 0, IDIV overflow (fault)
;  61 #DB single step: the trap comes after the instruction following the POPFD that set TF;
;     DR6.BS; TF in the saved EFLAGS
;  62 #DB from DR0 (instruction breakpoint, fault, DR6.B0) and DR1 (data write, trap, DR6.B1)
;  63 #BP: INT3 and INT 3 (traps, EIP after)
;  64 #OF: INTO with OF=1 (trap), INTO with OF=0 does nothing
;  65 #BR: BOUND out of range (fault); in range does nothing
;  66 #UD: UD2, 0F FF, LOCK with a register destination
;  67 #NM: ESC with CR0.TS, ESC with CR0.EM, WAIT with CR0.MP+TS; CLTS; WAIT with TS alone runs
;  68 #DF: a #GP whose gate is not present (#NP on delivery, both contributory) -> #DF(0)
;  69 #NP: INT n to a not-present gate -> #NP(n*8+2)
;  6A #TS: far JMP to a 32-bit TSS with limit < 67h -> #TS(sel)
;  6B #SS: LSS/MOV SS with a not-present stack segment -> #SS(sel)
;  6C #GP: INT n beyond the IDT limit -> #GP(n*8+2); an instruction longer than 15 bytes -> #GP(0)
;  6D #PF: read of a not-present page -> #PF(0), CR2; write -> #PF(2)
;  6E fault restart: after a handler fixes the cause, IRETD re-executes the faulting instruction
;  6F exceptions raised by INT n software interrupts have no error code: INT 0Dh pushes none
;  70 #DE inside a ring-3 program: the frame holds SS:ESP and the ring-0 stack is TSS.ESP0
; Not tested: #AC (QEMU TCG does not check alignment, see README), #MF/#XM (no x87/SSE in VirtLab),
; #MC, the EXT bit of error codes raised while delivering an exception, INT1/ICEBP (F1h; QEMU 7.2
; raises #UD).
%include "pm.inc"

%define S_NP      0x60         ; data, not present
%define S_SMALLTSS 0x68        ; 32-bit TSS, limit 50h
%define BOUNDS    (ROMVARS + 0x00)
%define FARPTR    (ROMVARS + 0x10)
%define WATCH     (ROMVARS + 0x20)
%define FIXCNT    (ROMVARS + 0x24)
%define PD        0x40000
%define PT0       0x41000
%define PAGE_NP   0x300000     ; not present in the page table

CODE32
h_fix_de:                       ; #DE handler for 6E: set ECX = 2 and retry the DIV
  inc dword [ss:FIXCNT]
  mov ecx, 2
  iretd

main:
  SET_DESC GDT_BASE, S_NP, 0, 0xFFFFF, 0xC013
  SET_DESC GDT_BASE, S_SMALLTSS, 0x20000, 0x50, A_TSS32

  POST 0x60, "#DE"
  TRY
    mov eax, 100
    xor edx, edx
    xor ecx, ecx
.f60: div ecx
  ENDTRY
  CHECK_EXC 0, 0, .f60
  CHECK_EQ [g_eax], 100, "EAX unchanged"
  TRY
    mov eax, 0
    mov edx, 1
    mov ecx, 1
.f60b: idiv ecx                         ; 2^32 / 1 does not fit in 32 bits (QEMU 7.2 itself dies
                                        ; with SIGFPE on -2^63 / -1, so that case is not used)
  ENDTRY
  CHECK_EXC 0, 0, .f60b

  POST 0x61, "#DB single step"
  xor eax, eax
  mov dr6, eax
  TRY
    pushfd
    or dword [esp], FL_TF
    popfd
.i61: mov ebx, 0x61                     ; runs, then the trap
.n61: mov ebx, 0x99
  ENDTRY
  CHECK_EXC 1, 0, .n61
  CHECK_EQ [g_ebx], 0x61, "the instruction after POPFD ran"
  CHECK_MASK [g_efl], FL_TF, FL_TF, "TF in the saved EFLAGS"
  mov eax, dr6
  CHECK_MASK eax, 0x4000, 0x4000, "DR6.BS"

  POST 0x62, "#DB from the debug registers"
  xor eax, eax
  mov dr6, eax
  mov eax, .f62
  mov dr0, eax
  mov eax, 0x00000001                   ; L0, R/W0 = 00 (execute), LEN0 = 00
  mov dr7, eax
  TRY
    xor ebx, ebx
.f62: mov ebx, 0x62
  ENDTRY
  xor eax, eax
  mov dr7, eax
  CHECK_EXC 1, 0, .f62
  CHECK_EQ [g_ebx], 0, "the breakpointed instruction did not run"
  mov eax, dr6
  CHECK_MASK eax, 0x400F, 0x0001, "DR6 (B0)"
  xor eax, eax
  mov dr6, eax
  mov dword [WATCH], 0
  mov eax, WATCH
  mov dr1, eax
  mov eax, 0x00D00004                   ; L1, R/W1 = 01 (write), LEN1 = 11 (dword)
  mov dr7, eax
  TRY
    mov ebx, 0x1234
.f62b: mov [WATCH], ebx
.n62b: nop
  ENDTRY
  xor eax, eax
  mov dr7, eax
  CHECK_EXC 1, 0, .n62b
  CHECK_EQ [WATCH], 0x1234, "the write happened"
  mov eax, dr6
  CHECK_MASK eax, 0x400F, 0x0002, "DR6 (B1)"

  POST 0x63, "#BP"
  TRY
    int3
.n63:
  ENDTRY
  CHECK_EXC 3, 0, .n63
  TRY
    int 3
.n63b:
  ENDTRY
  CHECK_EXC 3, 0, .n63b

  POST 0x64, "#OF"
  mov al, 1
  add al, 0                             ; OF = 0
  into                                  ; nothing
  TRY
    mov al, 0x7F
    add al, 1                           ; OF = 1
    into
.n64:
  ENDTRY
  CHECK_EXC 4, 0, .n64
  CHECK_MASK [g_efl], FL_OF, FL_OF, "OF in the saved EFLAGS"

  POST 0x65, "#BR"
  mov dword [BOUNDS], 10
  mov dword [BOUNDS + 4], 20
  mov eax, 20
  bound eax, [BOUNDS]                   ; in range (upper bound inclusive)
  TRY
    mov eax, 21
.f65: bound eax, [BOUNDS]
  ENDTRY
  CHECK_EXC 5, 0, .f65
  TRY
    mov eax, 9
.f65b: bound eax, [BOUNDS]
  ENDTRY
  CHECK_EXC 5, 0, .f65b

  POST 0x66, "#UD"
  TRY
.f66: ud2
  ENDTRY
  CHECK_EXC 6, 0, .f66
  TRY
.f66b: db 0x0F, 0xFF, 0xC0              ; UD0
  ENDTRY
  CHECK_EXC 6, 0, .f66b
  TRY
.f66c: db 0xF0, 0x01, 0xD8              ; lock add eax, ebx
  ENDTRY
  CHECK_EXC 6, 0, .f66c

  POST 0x67, "#NM"
  mov eax, cr0
  or eax, 8                             ; TS
  mov cr0, eax
  TRY
.f67: fnop
  ENDTRY
  CHECK_EXC 7, 0, .f67
  clts
  mov eax, cr0
  CHECK_MASK eax, 8, 0, "CR0.TS after CLTS"
  or eax, 4                             ; EM
  mov cr0, eax
  TRY
.f67b: fnop
  ENDTRY
  CHECK_EXC 7, 0, .f67b
  mov eax, cr0
  and eax, ~4
  or eax, 8                             ; TS alone: WAIT runs
  mov cr0, eax
  wait
  or eax, 2                             ; MP + TS: WAIT faults
  mov cr0, eax
  TRY
.f67c: wait
  ENDTRY
  CHECK_EXC 7, 0, .f67c
  mov eax, cr0
  and eax, ~0xE
  mov cr0, eax

  POST 0x68, "#DF"
  and byte [IDT_BASE + 13*8 + 5], 0x7F  ; #GP gate not present
  TRY
    mov eax, S_NP | 3
.f68: mov ds, ax                        ; #GP(60h) -> #NP(6Ah) on delivery -> #DF
  ENDTRY
  or byte [IDT_BASE + 13*8 + 5], 0x80
  CHECK_EQ [g_vec], 8, "vector"
  CHECK_EQ [g_err], 0, "error code"

  POST 0x69, "#NP from a not-present gate"
  and byte [IDT_BASE + 0x50*8 + 5], 0x7F
  TRY
.f69: int 0x50
  ENDTRY
  or byte [IDT_BASE + 0x50*8 + 5], 0x80
  CHECK_EXC 11, 0x50*8 + 2, .f69

  POST 0x6A, "#TS"
  TRY
.f6a: jmp S_SMALLTSS:0
  ENDTRY
  CHECK_EXC 10, S_SMALLTSS, .f6a

  POST 0x6B, "#SS"
  mov dword [FARPTR], 0x1000
  mov word [FARPTR + 4], S_NP
  TRY
.f6b: lss esp, [FARPTR]
  ENDTRY
  CHECK_EXC 12, S_NP, .f6b

  POST 0x6C, "#GP"
  lidt [idtr_small]                     ; 80h gates
  TRY
.f6c: int 0x90
  ENDTRY
  lidt [idtr_full]
  CHECK_EXC 13, 0x90*8 + 2, .f6c
  TRY
.f6cb: times 15 db 0x66
    nop                                 ; 16 bytes
  ENDTRY
  CHECK_EXC 13, 0, .f6cb

  POST 0x6D, "#PF"
  mov edi, PT0                          ; identity map 0-4 MiB, 4 KiB pages, supervisor R/W
  mov eax, 0x003
  mov ecx, 1024
.pt:
  stosd
  add eax, 0x1000
  loop .pt
  mov dword [PT0 + (PAGE_NP >> 12)*4], 0
  mov edi, PD
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [PD], PT0 | 3
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  TRY
.f6d: mov eax, [PAGE_NP + 0x123]
  ENDTRY
  CHECK_EXC 14, 0, .f6d
  CHECK_EQ [g_cr2], PAGE_NP + 0x123, "CR2"
  TRY
.f6db: mov dword [PAGE_NP + 0xFFC], 0
  ENDTRY
  CHECK_EXC 14, 2, .f6db
  CHECK_EQ [g_cr2], PAGE_NP + 0xFFC, "CR2"
  mov eax, cr0
  and eax, 0x7FFFFFFF
  mov cr0, eax

  POST 0x6E, "fault restart"
  IDT_GATE 0, h_fix_de
  mov dword [FIXCNT], 0
  mov eax, 100
  xor edx, edx
  xor ecx, ecx
  div ecx                               ; #DE, the handler sets ECX = 2, DIV runs again
  IDT_DEFAULT 0
  CHECK_EQ [FIXCNT], 1, "handler runs"
  CHECK_EQ eax, 50, "quotient after the restart"

  POST 0x6F, "INT 0Dh pushes no error code"
  TRY
    mov ebx, esp
    int 13
.n6f:
  ENDTRY
  ; the stub for 13 expects an error code: with none pushed, it takes EIP for the error code
  CHECK_EQ [g_vec], 13, "vector"
  CHECK_EQ [g_err], .n6f, "the dword where an error code would be is the saved EIP"
  CHECK_EQ [g_eip], SEL_CODE0, "the next dword is CS"

  POST 0x70, "#DE at ring 3"
  TRY
    TO_RING3
    xor eax, eax
    xor edx, edx
    xor ecx, ecx
.f70: div ecx
  ENDTRY
  CHECK_EXC 0, 0, .f70, SEL_CODE3
  CHECK_EQ [g_ss], SEL_DATA3, "saved SS"
  CHECK_EQ [g_esp], STACK3_TOP, "saved ESP"
  CHECK_EQ [g_xesp], ESP0_TOP - 20, "handler ESP"
  PASS

idtr_small:
  dw 0x80*8 - 1
  dd IDT_BASE
idtr_full:
  dw IDT_LIMIT
  dd IDT_BASE
