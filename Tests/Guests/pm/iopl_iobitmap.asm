; virtlab: rom
; iopl_iobitmap: IOPL and the TSS I/O permission bitmap (POST B0-BC).
; SDM Vol. 1 19.5 (protected-mode I/O: IOPL, I/O permission bit map, the terminating FFh byte),
; Vol. 3A 20.2.8.1 (V86 I/O uses the bitmap only), Vol. 2 IN/OUT/INS/OUTS, CLI/STI, POPF, IRET
; (which flags CPL and IOPL let each of them change).
; TSS_IO: a 32-bit TSS with the full bitmap (8 KiB + the FFh byte) at offset 68h. Ports (QEMU
; leaves 300h-30Fh unassigned): 300 allowed, 301 denied, 302-303 allowed, 304 denied, 307-308
; allowed, 80h allowed, 81h denied, FFFFh allowed; all others denied.
;  B0 CPL 3, IOPL 0: byte IN/OUT to allowed ports run, to a denied port -> #GP(0)
;  B1 a word/dword access is allowed only if every byte's bit is clear (303-304, 300-303 -> #GP)
;  B2 an access whose bits span two bitmap bytes (307-308) runs
;  B3 port FFFFh: byte runs, word -> #GP(0) (the bit beyond is in the terminating FFh byte)
;  B4 INS/OUTS are checked too
;  B5 bitmap offset beyond the TSS limit: every port is denied
;  B6 a TSS limit that cuts the bitmap: ports whose bits lie beyond it are denied
;  B7 IOPL 3 at CPL 3: the bitmap is not consulted
;  B8 CPL <= IOPL (ring 1, IOPL 1) runs; CPL > IOPL (ring 2, IOPL 1) uses the bitmap
;  B9 POPF at CPL 3 with IOPL 0: IF and IOPL silently kept
;  BA IRETD at CPL 3 with IOPL 0: IF and IOPL kept; with IOPL 3: IF changes, IOPL kept
;  BB CLI at CPL <= IOPL runs (ring 3 IOPL 3, ring 1 IOPL 1); at CPL > IOPL -> #GP(0)
;  BC V86 mode at IOPL 0 uses the bitmap: allowed port runs, denied -> #GP(0)
%include "pm.inc"

%define S_TSSIO   0x60
%define S_TSSCUT  0x68         ; the same TSS with a limit covering ports 0-FFh only
%define TSS_IO    0x20000
%define IOMAP     (TSS_IO + 0x68)
%define TSSIO_LIMIT (0x68 + 0x2000)

; TO_RING ring, eflags: IRETD to ring 1 or 2 (flat code/data of that ring)
%macro TO_RING 2
  %if %1 == 1
    push dword SEL_DATA1
    push dword ESP1_TOP - 0x100
  %else
    push dword SEL_DATA2
    push dword ESP2_TOP - 0x100
  %endif
  push dword %2
  %if %1 == 1
    push dword SEL_CODE1
  %else
    push dword SEL_CODE2
  %endif
  push dword %%r
  iretd
%%r:
%endmacro

; IO_OK insn...: at ring 3 (IOPL 0) the I/O instruction runs
%macro IO_OK 2+
  TRY
    TO_RING3
    mov dx, %1
    %2
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, %str(%2 at port %1 runs)
%endmacro

; IO_GP port, insn...: at ring 3 (IOPL 0) the I/O instruction raises #GP(0)
%macro IO_GP 2+
  TRY
    TO_RING3
    mov dx, %1
%%f: %2
  ENDTRY
  CHECK_EXC 13, 0, %%f, SEL_CODE3
%endmacro

CODE16
v_ok:
  mov dx, 0x300
  out dx, al
  int VEC_BACK
v_denied:
  mov dx, 0x301
.f:
  out dx, al

CODE32
main:
  call pic_init_masked
  ; TSS_IO: ring-0 stack as TSS0, bitmap all denied but the allowed ports, terminating FFh
  mov edi, TSS_IO
  xor eax, eax
  mov ecx, 0x68 / 4
  rep stosd
  mov dword [TSS_IO + 0x04], ESP0_TOP
  mov dword [TSS_IO + 0x08], SEL_DATA0
  mov dword [TSS_IO + 0x0C], ESP1_TOP
  mov dword [TSS_IO + 0x10], SEL_DATA1
  mov dword [TSS_IO + 0x14], ESP2_TOP
  mov dword [TSS_IO + 0x18], SEL_DATA2
  mov word [TSS_IO + 0x66], 0x68
  mov edi, IOMAP
  mov eax, 0xFFFFFFFF
  mov ecx, 0x2000 / 4
  rep stosd
  mov byte [IOMAP + 0x2000], 0xFF
  mov byte [IOMAP + 0x300/8], 0b01110010  ; 300 302 303 allowed (bits clear); 307 allowed
  and byte [IOMAP + 0x300/8], 0x7F
  and byte [IOMAP + 0x308/8], 0xFE        ; 308 allowed
  and byte [IOMAP + 0x80/8], 0xFE         ; 80h allowed
  and byte [IOMAP + 0x1FFF], 0x7F         ; FFFFh allowed
  SET_DESC GDT_BASE, S_TSSIO, TSS_IO, TSSIO_LIMIT, A_TSS32
  SET_DESC GDT_BASE, S_TSSCUT, TSS_IO, 0x68 + 0x1F, A_TSS32
  mov ax, S_TSSIO
  ltr ax

  POST 0xB0, "byte I/O at CPL 3 through the bitmap"
  IO_OK 0x300, out dx, al
  IO_OK 0x300, in al, dx
  IO_OK 0x302, out dx, al
  IO_GP 0x301, out dx, al
  IO_GP 0x304, in al, dx
  IO_OK 0, in al, 0x80
  IO_GP 0, out 0x81, al

  POST 0xB1, "word and dword I/O need every bit clear"
  IO_OK 0x302, out dx, ax
  IO_GP 0x303, out dx, ax
  IO_GP 0x300, in eax, dx
  IO_GP 0x301, in ax, dx

  POST 0xB2, "bits in two bitmap bytes"
  IO_OK 0x307, out dx, ax
  IO_GP 0x306, out dx, ax

  POST 0xB3, "port FFFFh"
  IO_OK 0xFFFF, out dx, al
  IO_GP 0xFFFF, out dx, ax

  POST 0xB4, "INS and OUTS"
  TRY
    TO_RING3
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    mov esi, ROMVARS
    mov edi, ROMVARS
    mov dx, 0x300
    outsb
    insb
    mov dx, 0x301
.f4: outsb
  ENDTRY
  CHECK_EXC 13, 0, .f4, SEL_CODE3
  CHECK_EQ [g_esi], ROMVARS + 1, "ESI after the allowed OUTSB, unchanged by the denied one"
  TRY
    TO_RING3
    mov ax, SEL_DATA3
    mov es, ax
    mov edi, ROMVARS
    mov dx, 0x304
.f4b: insb
  ENDTRY
  CHECK_EXC 13, 0, .f4b, SEL_CODE3

  POST 0xB5, "bitmap offset beyond the TSS limit"
  mov word [TSS_IO + 0x66], 0x3000
  IO_GP 0x300, out dx, al
  IO_GP 0, in al, 0x80
  mov word [TSS_IO + 0x66], 0x68

  POST 0xB6, "a TSS limit that cuts the bitmap"
  and byte [GDT_BASE + S_TSSIO + 5], ~2  ; TSS_IO no longer busy, so it can be loaded again later
  mov ax, S_TSSCUT
  ltr ax
  IO_OK 0, in al, 0x80
  IO_GP 0x300, out dx, al
  and byte [GDT_BASE + S_TSSCUT + 5], ~2
  mov ax, S_TSSIO
  ltr ax

  POST 0xB7, "IOPL 3 at CPL 3"
  TRY
    TO_RING3 0x3002
    mov dx, 0x301
    out dx, al
    in eax, dx
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "denied ports run at IOPL 3"

  POST 0xB8, "CPL against IOPL at rings 1 and 2"
  TRY
    TO_RING 1, 0x1002
    mov dx, 0x301
    out dx, al
    int VEC_BACK
  ENDTRY
  CHECK_EQ [g_vec], VEC_BACK, "ring 1, IOPL 1: denied port runs"
  CHECK_EQ [g_cs], SEL_CODE1, "from ring 1"
  TRY
    TO_RING 2, 0x1002
    mov dx, 0x300
    out dx, al
    mov dx, 0x301
.f8: out dx, al
  ENDTRY
  CHECK_EXC 13, 0, .f8, SEL_CODE2

  POST 0xB9, "POPF at CPL 3"
  TRY
    TO_RING3 0x0202
    push dword 0x3000                  ; IOPL 3, IF 0
    popfd
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IOPL | FL_IF, FL_IF, "EFLAGS after POPFD (IF 1, IOPL 0 kept)"
  TRY
    TO_RING3 0x3202
    push dword 0x0000                  ; IOPL 0, IF 0
    popfd
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IOPL | FL_IF, FL_IOPL, "EFLAGS after POPFD at IOPL 3 (IF cleared, IOPL kept)"

  POST 0xBA, "IRETD at CPL 3"
  TRY
    TO_RING3 0x0202
    push dword 0x3002                  ; IOPL 3, IF 0
    push dword SEL_CODE3
    push dword .r1
    iretd
.r1:
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IOPL | FL_IF, FL_IF, "EFLAGS after IRETD (IF and IOPL kept)"
  TRY
    TO_RING3 0x3202
    push dword 0x0002                  ; IOPL 0, IF 0
    push dword SEL_CODE3
    push dword .r2
    iretd
.r2:
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IOPL | FL_IF, FL_IOPL, "EFLAGS after IRETD at IOPL 3 (IF cleared, IOPL kept)"

  POST 0xBB, "CLI against IOPL"
  TRY
    TO_RING3 0x3202
    cli
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IF, 0, "IF after CLI at ring 3, IOPL 3"
  TRY
    TO_RING 1, 0x1202
    cli
    pushfd
    pop ebx
    int VEC_BACK
  ENDTRY
  CHECK_MASK [g_ebx], FL_IF, 0, "IF after CLI at ring 1, IOPL 1"
  TRY
    TO_RING 2, 0x1202
.fb: cli
  ENDTRY
  CHECK_EXC 13, 0, .fb, SEL_CODE2

  POST 0xBC, "V86 I/O through the bitmap"
  TRY
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword STACK3_TOP
    push dword FL_VM | 2
    push dword 0xF000
    push dword v_ok
    iretd
  ENDTRY
  CHECK_EQ [g_vec], 13, "vector (the INT 7Fh at IOPL 0 after the allowed OUT)"
  CHECK_EQ [g_eip], v_ok + 4, "the allowed OUT ran"
  TRY
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword STACK3_TOP
    push dword FL_VM | 2
    push dword 0xF000
    push dword v_denied
    iretd
  ENDTRY
  CHECK_EXC 13, 0, v_denied.f, 0xF000
  PASS
