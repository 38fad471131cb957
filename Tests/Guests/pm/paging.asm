; virtlab: rom
; paging: 32-bit paging with 4 KiB and 4 MiB pages (POST 80-93).
; SDM Vol. 3A 4.3 (32-bit paging), 4.6 (access rights, CR0.WP), 4.7 (page-fault error code),
; 4.8 (accessed and dirty flags), 4.10.4 (INVLPG, MOV to CR3, CR4.PGE toggling invalidate TLBs).
; Only what the SDM requires is tested: after INVLPG / a CR3 load / toggling CR4.PGE the new
; translation must be used (whether a stale one could have been used before is not looked at).
;  80 CR0.PG with an identity map: execution goes on, CR0 reads back PG
;  81 a read sets PDE.A and PTE.A but not PTE.D
;  82 a write sets PTE.D
;  83 read of a not-present page -> #PF(0), CR2 = the address
;  84 write to a not-present page -> #PF(2)
;  85 not-present page table (PDE.P = 0) -> #PF(0)
;  86 ring-3 read of a supervisor page -> #PF(5)
;  87 ring-3 write to a read-only user page -> #PF(7); ring-3 read of it works
;  88 the PDE's R/W and U/S restrict too: ring-3 write under a read-only PDE -> #PF(7), ring-3
;     read under a supervisor PDE -> #PF(5)
;  89 ring-0 write to a read-only page with CR0.WP = 0 is allowed
;  8A ... with CR0.WP = 1 -> #PF(3)
;  8B instruction fetch from a not-present page -> #PF(0), saved EIP = CR2 = the target
;  8C INVLPG: the new PTE is used afterwards
;  8D MOV to CR3: the new PTE is used afterwards
;  8E 4 MiB page (CR4.PSE, PDE.PS): translation, A and D set in the PDE
;  8F global page (CR4.PGE, PTE.G): toggling CR4.PGE flushes it
;  90 INVLPG flushes a global page
;  91 ring-3 access to a user page: A set; ring 0 reads user pages
;  92 CR0.PG = 0 again: linear = physical
;  93 a fault from a PTE is not cached: after fixing the PTE (no INVLPG) the retry succeeds
%include "pm.inc"

%define PD        0x40000
%define PT0       0x41000      ; 0-4 MiB, identity, user R/W (except the test pages)
%define PT1       0x42000      ; 4-8 MiB, identity, user R/W, under a read-only PDE
%define PT2       0x43000      ; 16 MiB: one page -> 220000h, under a supervisor PDE
%define PG_AD     0x201000     ; A/D test page
%define PG_NP     0x202000     ; not present
%define PG_SUP    0x203000     ; supervisor
%define PG_RO     0x204000     ; user, read-only
%define PG_V      0x205000     ; remapped: 210000h or 211000h
%define PG_NX     0x206000     ; not present, for a fetch
%define PG_G      0x207000     ; global, remapped
%define PG_FIX    0x208000     ; not present, fixed later
%define PHYS_A    0x210000
%define PHYS_B    0x211000
%define V_SUPPDE  0x1000000    ; under PDE 4 (supervisor)
%define V_ROPDE   0x400000     ; under PDE 1 (read-only)
%define V_4M      0xC00000     ; PDE 3: 4 MiB page -> physical 0

%define PTE0(a)   (PT0 + ((a) >> 12) * 4)

%macro FLUSH 0
  mov eax, cr3
  mov cr3, eax
%endmacro

CODE32
main:
  mov dword [PHYS_A], 0xAAAA0001
  mov dword [PHYS_B], 0xBBBB0002
  mov dword [0x220000], 0xCCCC0003
  ; PT0 and PT1: identity, P|RW|US
  mov edi, PT0
  mov eax, 0x007
  mov ecx, 2048
.id:
  stosd
  add eax, 0x1000
  loop .id
  mov dword [PTE0(PG_AD)], PG_AD | 0x7
  mov dword [PTE0(PG_NP)], 0
  mov dword [PTE0(PG_SUP)], PG_SUP | 0x3
  mov dword [PTE0(PG_RO)], PG_RO | 0x5
  mov dword [PTE0(PG_V)], PHYS_A | 0x7
  mov dword [PTE0(PG_NX)], 0
  mov dword [PTE0(PG_G)], PHYS_A | 0x107
  mov dword [PTE0(PG_FIX)], 0
  mov edi, PT2
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [PT2], 0x220000 | 0x7
  mov edi, PD
  mov ecx, 1024
  rep stosd
  mov dword [PD + 0*4], PT0 | 0x7
  mov dword [PD + 1*4], PT1 | 0x5      ; user, read-only
  mov dword [PD + 4*4], PT2 | 0x3      ; supervisor

  POST 0x80, "CR0.PG"
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  jmp .paged                           ; (identity map: nothing moves)
.paged:
  mov eax, cr0
  CHECK_MASK eax, 0x80000001, 0x80000001, "CR0.PG and PE"
  mov eax, cr3
  CHECK_EQ eax, PD, "CR3"
  CHECK_EQ [PHYS_A], 0xAAAA0001, "read through the identity map"

  POST 0x81, "accessed bits on a read"
  and dword [PD], ~0x60
  and dword [PTE0(PG_AD)], ~0x60
  FLUSH
  mov eax, [PG_AD + 0x10]
  CHECK_MASK [PD], 0x20, 0x20, "PDE.A"
  CHECK_MASK [PTE0(PG_AD)], 0x60, 0x20, "PTE.A set, PTE.D clear"

  POST 0x82, "dirty bit on a write"
  mov dword [PG_AD + 0x10], 1
  CHECK_MASK [PTE0(PG_AD)], 0x60, 0x60, "PTE.A and PTE.D"
  and dword [PTE0(PG_AD)], ~0x60
  FLUSH
  mov dword [PG_AD + 0x20], 2          ; first access a write: A and D together
  CHECK_MASK [PTE0(PG_AD)], 0x60, 0x60, "PTE.A and PTE.D after a first write"

  POST 0x83, "#PF: read of a not-present page"
  TRY
.f83: mov eax, [PG_NP + 0xABC]
  ENDTRY
  CHECK_EXC 14, 0, .f83
  CHECK_EQ [g_cr2], PG_NP + 0xABC, "CR2"

  POST 0x84, "#PF: write to a not-present page"
  TRY
.f84: mov byte [PG_NP + 0xFFF], 1
  ENDTRY
  CHECK_EXC 14, 2, .f84
  CHECK_EQ [g_cr2], PG_NP + 0xFFF, "CR2"

  POST 0x85, "#PF: not-present page table"
  TRY
.f85: mov eax, [0x800004]
  ENDTRY
  CHECK_EXC 14, 0, .f85
  CHECK_EQ [g_cr2], 0x800004, "CR2"

  POST 0x86, "#PF: ring-3 read of a supervisor page"
  TRY
    TO_RING3
.f86: mov eax, [ss:PG_SUP + 8]
  ENDTRY
  CHECK_EXC 14, 5, .f86, SEL_CODE3
  CHECK_EQ [g_cr2], PG_SUP + 8, "CR2"

  POST 0x87, "#PF: ring-3 write to a read-only page"
  TRY
    TO_RING3
    mov ebx, [ss:PG_RO]
.f87: mov [ss:PG_RO + 4], eax
  ENDTRY
  CHECK_EXC 14, 7, .f87, SEL_CODE3
  CHECK_EQ [g_cr2], PG_RO + 4, "CR2"

  POST 0x88, "#PF: restrictions from the PDE"
  TRY
    TO_RING3
    mov ebx, [ss:V_ROPDE + 0x10]
.f88: mov [ss:V_ROPDE + 0x10], eax
  ENDTRY
  CHECK_EXC 14, 7, .f88, SEL_CODE3
  CHECK_EQ [g_cr2], V_ROPDE + 0x10, "CR2"
  mov eax, [V_SUPPDE]
  CHECK_EQ eax, 0xCCCC0003, "ring-0 read under the supervisor PDE"
  TRY
    TO_RING3
.f88b: mov eax, [ss:V_SUPPDE]
  ENDTRY
  CHECK_EXC 14, 5, .f88b, SEL_CODE3

  POST 0x89, "ring-0 write to a read-only page, CR0.WP = 0"
  mov dword [PG_RO + 8], 0x89
  CHECK_EQ [PG_RO + 8], 0x89, "written"
  mov dword [V_ROPDE + 8], 0x89
  CHECK_EQ [V_ROPDE + 8], 0x89, "written under a read-only PDE"

  POST 0x8A, "ring-0 write to a read-only page, CR0.WP = 1"
  mov eax, cr0
  or eax, 0x10000
  mov cr0, eax
  TRY
.f8a: mov dword [PG_RO + 8], 0x8A
  ENDTRY
  CHECK_EXC 14, 3, .f8a
  TRY
.f8ab: mov dword [V_ROPDE + 8], 0x8A
  ENDTRY
  CHECK_EXC 14, 3, .f8ab
  mov eax, cr0
  and eax, ~0x10000
  mov cr0, eax
  CHECK_EQ [PG_RO + 8], 0x89, "the faulting write changed nothing"

  POST 0x8B, "#PF on an instruction fetch"
  TRY
    mov eax, PG_NX + 0x20
    jmp eax
  ENDTRY
  CHECK_EXC 14, 0, PG_NX + 0x20
  CHECK_EQ [g_cr2], PG_NX + 0x20, "CR2"

  POST 0x8C, "INVLPG"
  mov eax, [PG_V]
  CHECK_EQ eax, 0xAAAA0001, "PG_V -> PHYS_A"
  mov dword [PTE0(PG_V)], PHYS_B | 0x7
  invlpg [PG_V]
  mov eax, [PG_V]
  CHECK_EQ eax, 0xBBBB0002, "PG_V -> PHYS_B after INVLPG"

  POST 0x8D, "MOV to CR3"
  mov dword [PTE0(PG_V)], PHYS_A | 0x7
  FLUSH
  mov eax, [PG_V]
  CHECK_EQ eax, 0xAAAA0001, "PG_V -> PHYS_A after reloading CR3"

  POST 0x8E, "4 MiB page"
  mov eax, cr4
  or eax, 0x10                         ; PSE
  mov cr4, eax
  mov dword [PD + 3*4], 0x00000083     ; 4 MiB page at physical 0, P RW PS, A = D = 0
  mov eax, [V_4M + PHYS_A]
  CHECK_EQ eax, 0xAAAA0001, "read through the 4 MiB page"
  CHECK_MASK [PD + 3*4], 0x60, 0x20, "PDE.A set, PDE.D clear after a read"
  mov dword [V_4M + 0x3FF000], 0x8E
  CHECK_EQ [0x3FF000], 0x8E, "write through the 4 MiB page"
  CHECK_MASK [PD + 3*4], 0x60, 0x60, "PDE.D after a write"
  mov eax, cr4
  and eax, ~0x10
  mov cr4, eax

  POST 0x8F, "global page, CR4.PGE toggled"
  mov eax, cr4
  or eax, 0x80                         ; PGE
  mov cr4, eax
  mov eax, [PG_G]
  CHECK_EQ eax, 0xAAAA0001, "PG_G -> PHYS_A"
  mov dword [PTE0(PG_G)], PHYS_B | 0x107
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax
  or eax, 0x80
  mov cr4, eax
  mov eax, [PG_G]
  CHECK_EQ eax, 0xBBBB0002, "PG_G -> PHYS_B after toggling CR4.PGE"

  POST 0x90, "INVLPG of a global page"
  mov dword [PTE0(PG_G)], PHYS_A | 0x107
  invlpg [PG_G]
  mov eax, [PG_G]
  CHECK_EQ eax, 0xAAAA0001, "PG_G -> PHYS_A after INVLPG"
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax

  POST 0x91, "ring-3 access to a user page"
  and dword [PTE0(PG_AD)], ~0x60
  FLUSH
  TRY
    TO_RING3
    mov ebx, [ss:PG_AD + 0x10]
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "no fault"
  CHECK_EQ [g_ebx], 1, "value read at ring 3"
  CHECK_MASK [PTE0(PG_AD)], 0x60, 0x20, "PTE.A"

  POST 0x92, "paging off"
  mov eax, cr0
  and eax, 0x7FFFFFFF
  mov cr0, eax
  jmp .unpaged
.unpaged:
  mov dword [PG_V], 0x92
  CHECK_EQ [PG_V], 0x92, "PG_V is physical again"
  CHECK_EQ [PHYS_A], 0xAAAA0001, "PHYS_A untouched"
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  jmp .paged2
.paged2:

  POST 0x93, "a not-present fault is not remembered"
  TRY
.f93: mov eax, [PG_FIX]
  ENDTRY
  CHECK_EXC 14, 0, .f93
  mov dword [PTE0(PG_FIX)], PHYS_B | 0x7
  mov eax, [PG_FIX]                    ; no INVLPG: not-present entries are never cached
  CHECK_EQ eax, 0xBBBB0002, "read after fixing the PTE"
  mov eax, cr0
  and eax, 0x7FFFFFFF
  mov cr0, eax
  PASS
