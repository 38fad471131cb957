; farptr_sys: far-pointer loads and system-register instructions.
;  - LDS LES LFS LGS LSS with m16:16 and m16:32 operands (real mode: segment = value; PM: GDT
;    selectors with different bases; a read through the new segment shows its base);
;  - real mode and PM: SGDT SIDT SMSW (m16 and r32), SLDT STR (reset values 0), MOV r32,CR0 (PE,
;    ET bits), CR2/CR3 write-read back (paging off), CR4 at reset, DR0-DR3 write-read back, DR6/DR7
;    reset values (SDM Vol. 3A Table 9-1: DR6 FFFF0FF0h, DR7 00000400h), CR2/CR3/DR after a write;
;  - PM only: LAR LSL VERR VERW on null, code, data, read-only data, execute-only code, 16-bit,
;    LDT, TSS, call gate and interrupt gate descriptors, out-of-limit and TI=1 selectors, RPL 3
;    (TI=1 goes through the LDTR cache left by reset: base 0, limit FFFF, present - SDM Vol. 3A
;    Table 9-1 - so the descriptor read is IVT contents, which the guest set up deterministically);
;    ARPL (register and memory destinations); SLDT/STR at reset; LLDT with a RAM LDT (LAR/LSL/
;    VERR/VERW and a segment load through it), LLDT 0, LTR and STR.
; Every PM system instruction is run through G: should it raise #UD (an emulator without it),
; the guest prints "#UD" and goes on with the next one.
; Flags: LAR LSL VERR VERW ARPL write ZF only (SDM Vol. 2) -> printed with mask 0x040.
%include "rom.inc"
%include "testlib.inc"

%macro GDT_EXTRA 0
  dw 0xFFFF, 0x1000          ; 28: data base 1000, limit FFFF, 32-bit, writable
  db 0x00, 0x93, 0x40, 0x00
  dw 0x0FFF, 0x2000          ; 30: data base 2000, limit FFF, read-only
  db 0x00, 0x91, 0x40, 0x00
  dw 0x00FF, 0x0000          ; 38: code, execute-only, limit FF
  db 0x00, 0x99, 0x40, 0x00
  dw 0x0067, 0x3000          ; 40: 32-bit TSS (available), base 3000, limit 67
  db 0x00, 0x89, 0x00, 0x00
  dw 0x0017, 0x3100          ; 48: LDT, base 3100, limit 17
  db 0x00, 0x82, 0x00, 0x00
  dw 0x1234, 0x0008          ; 50: call gate to 08:00001234, DPL 0
  db 0x00, 0x8C, 0x00, 0x00
  dw 0x1234, 0x0008          ; 58: interrupt gate (not valid for LAR in the GDT)
  db 0x00, 0x8E, 0x00, 0x00
  dw 0xFFFF, 0x4000          ; 60: data DPL 3, base 4000
  db 0x00, 0xF3, 0x40, 0x00
%endmacro

%macro SYSREGS 0
  PRINT "SGDT: "
  o32 sgdt [DATA0]
  PHEX16 [DATA0]
  SP_
  PHEX32 [DATA0+2]
  PRINT " SIDT: "
  o32 sidt [DATA0]
  PHEX16 [DATA0]
  SP_
  PHEX32 [DATA0+2]
  PRINT " SMSW m16/r16: "
  mov word [DATA0], 0x5555
  smsw [DATA0]
  mov ax, [DATA0]
  and ax, 0x1F
  PHEX16 ax
  smsw ax
  and ax, 0x1F
  SP_
  PHEX16 ax
  NL
  PRINT "CR0&1F="
  mov eax, cr0
  and eax, 0x1F
  PHEX32 eax
  PRINT " CR2: "
  mov eax, cr2
  PHEX32 eax
  mov eax, 0x12345678
  mov cr2, eax
  mov eax, 0
  mov eax, cr2
  SP_
  PHEX32 eax
  PRINT " CR3: "
  mov eax, cr3
  PHEX32 eax
  mov eax, 0x00123000
  mov cr3, eax
  mov eax, 0
  mov eax, cr3
  SP_
  PHEX32 eax
  mov eax, 0
  mov cr3, eax
  PRINT " CR4: "
  mov eax, cr4
  PHEX32 eax
  NL
  PRINT "DR0-3 write/read: "
  mov eax, 0x11111111
  mov dr0, eax
  mov eax, 0x22222222
  mov dr1, eax
  mov eax, 0x33333333
  mov dr2, eax
  mov eax, 0x44444444
  mov dr3, eax
  mov eax, dr0
  PHEX32 eax
  SP_
  mov eax, dr1
  PHEX32 eax
  SP_
  mov eax, dr2
  PHEX32 eax
  SP_
  mov eax, dr3
  PHEX32 eax
  mov eax, 0
  mov dr0, eax
  mov dr1, eax
  mov dr2, eax
  mov dr3, eax
  NL
%endmacro

%macro LDSETC 0
  PRINT "LDS/LES/LFS/LGS m16:16 and m16:32: "
  %if __?BITS?__ == 16
    mov word [DATA0], 0x1111
    mov word [DATA0+2], 0x0100       ; 0100:1111 -> linear 2111
  %else
    mov dword [DATA0], 0x1111        ; 28:1111 -> linear 2111
    mov word [DATA0+4], 0x28
  %endif
  mov byte [0x2111], 0xA1
  mov dword [DATA2], 0x2222
  mov word [DATA2+4], %[SEL1]
  mov ebx, 0xFFFFFFFF
  %if __?BITS?__ == 16
    lds bx, [DATA0]
  %else
    lds ebx, [DATA0]
  %endif
  mov al, [bx]
  mov cx, ds
  mov dx, 0
  mov ds, dx
  %if __?BITS?__ == 32
    mov dx, 0x10
    mov ds, dx
  %endif
  PREG ebx, cx
  PHEX8 al
  SP_
  mov esi, 0xFFFFFFFF
  %if __?BITS?__ == 16
    les esi, [DATA2]                 ; o32 in real mode: m16:32 (0100? no: segment word at +4)
  %else
    les si, [DATA0]                  ; o16 in PM: m16:16 -> offset 1111, selector 0000 (!)
  %endif
  mov cx, es
  PREG esi, cx
  %if __?BITS?__ == 16
    lfs di, [DATA0]
    lgs edx, [DATA2]
  %else
    mov word [DATA0+4], 0x28
    lfs edi, [DATA0]
    lgs edx, [DATA2]
  %endif
  mov ax, fs
  mov cx, gs
  PREG edi, ax, edx, cx
  mov al, [fs:di]
  PHEX8 al
  %if __?BITS?__ == 16
    mov ax, 0
  %else
    mov ax, 0x10
  %endif
  mov es, ax
  mov fs, ax
  mov gs, ax
  NL
  PRINT "LSS: "
  mov [DATA3], esp
  %if __?BITS?__ == 16
    mov word [DATA1], 0x6800
    mov word [DATA1+2], 0x0000
    lss sp, [DATA1]
  %else
    mov dword [DATA1], 0x6800
    mov word [DATA1+4], 0x10
    lss esp, [DATA1]
  %endif
  push dword 0xCAFE1234
  mov eax, esp
  mov cx, ss
  mov esp, [DATA3]
  PREG eax, cx
  PHEX32 [0x67FC]
  NL
%endmacro

; G instruction: run it; if it raises #UD (an emulator without it), print "#UD " and go on
%define RESUME 0x6E0
%macro G 1+
  mov dword [RESUME], %%after
  %1
%%after:
%endmacro

%macro LARLINE 1
  PRINT "sel ", %str(%1), ": "
  mov eax, 0xEEEEEEEE
  mov ebx, 0xEEEEEEEE
  mov cx, %1
  push dword 0
  popfd
  G lar eax, cx
  PFLAGS 0x40
  G lsl ebx, cx
  PFLAGS 0x40
  PREG eax, ebx
  G verr cx
  PFLAGS 0x40
  G verw cx
  PFLAGS 0x40
  NL
%endmacro

ROM_START
  PRINTLN "farptr_sys: real mode"
  %define SEL1 0x0200
  SYSREGS
  PRINT "DR6/DR7 at reset: "
  mov eax, dr6
  PHEX32 eax
  SP_
  mov eax, dr7
  PHEX32 eax
  NL
  PRINT "SLDT/STR: not valid in real mode (#UD): skipped"
  NL
  LDSETC
  PRINTLN "farptr_sys: protected mode"
  CALL32 pm_tests
  PRINTLN "farptr_sys: done"
  EXIT 0

CODE32
%define SEL1 0x0030
%define IDTRAM 0x0800
ud_handler:
  PRINT "#UD "
  push eax
  mov eax, [RESUME]
  mov [esp+4], eax
  pop eax
  iretd
pm_idtr:
  dw 32*8 - 1
  dd IDTRAM
pm_tests:
  mov esi, rom_idt32
  mov edi, IDTRAM
  mov ecx, 32*8/4
  cld
  rep movsd
  mov eax, ud_handler
  mov [IDTRAM + 6*8], ax
  shr eax, 16
  mov [IDTRAM + 6*8 + 6], ax
  lidt [pm_idtr]
  SYSREGS
  LDSETC
  PRINTLN "LAR (ZF, EAX) LSL (ZF, EBX) VERR (ZF) VERW (ZF):"
  LARLINE 0x0000
  LARLINE 0x0008
  LARLINE 0x0010
  LARLINE 0x0018
  LARLINE 0x0020
  LARLINE 0x0028
  LARLINE 0x0030
  LARLINE 0x0038
  LARLINE 0x0040
  LARLINE 0x0048
  LARLINE 0x0050
  LARLINE 0x0058
  LARLINE 0x0060
  LARLINE 0x0063
  LARLINE 0x000B
  PRINT "(TI=1 below: LDTR as left by reset, base 0 limit FFFF present - SDM Vol. 3A Table 9-1 - so the"
  PRINTLN " 'descriptor' is IVT bytes) "
  LARLINE 0x0004
  LARLINE 0x0800
  PRINT "LAR/LSL with a memory operand: "
  mov word [DATA0], 0x28
  mov edx, 0
  G lar edx, [DATA0]
  PHEX32 edx
  G lsl edx, [DATA0]
  SP_
  PHEX32 edx
  G lar dx, [DATA0]
  SP_
  PHEX32 edx
  NL
  PRINT "ARPL: "
  mov ax, 0x0008
  mov bx, 0x0013
  G arpl ax, bx
  PFLAGS 0x40
  PREG ax
  mov ax, 0x000B
  mov bx, 0x0011
  G arpl ax, bx
  PFLAGS 0x40
  PREG ax
  mov word [DATA0], 0x0010
  mov cx, 0x0002
  G arpl [DATA0], cx
  PFLAGS 0x40
  PHEX16 [DATA0]
  NL
  PRINT "SLDT/STR (reset values): "
  mov eax, 0xFFFFFFFF
  G sldt ax
  PHEX32 eax
  mov ebx, 0xFFFFFFFF
  G str bx
  SP_
  PHEX32 ebx
  mov word [DATA0], 0x7777
  G sldt [DATA0]
  SP_
  PHEX16 [DATA0]
  NL
  PRINTLN "LLDT 48 (LDT at 3100: 0 = data base 5000, 1 = code, 2 = not present):"
  mov dword [0x3100], 0x0000FFFF      ; 04: data, base 5000, limit FFFF
  mov dword [0x3104], 0x00409300 | 0x00
  mov word [0x3102], 0x5000
  mov dword [0x3108], 0x0000FFFF      ; 0C: code 32-bit, base 0
  mov dword [0x310C], 0x00CF9B00
  mov dword [0x3110], 0x0000FFFF      ; 14: data, not present
  mov dword [0x3114], 0x00401300
  mov byte [0x5010], 0x5A
  mov ax, 0x48
  G lldt ax
  mov eax, 0
  G sldt ax
  PRINT "SLDT after LLDT: "
  PHEX16 ax
  NL
  LARLINE 0x0004
  LARLINE 0x000C
  LARLINE 0x0014
  LARLINE 0x001C
  PRINT "ES = LDT selector 04 (base 5000): [es:10]="
  mov al, 0
  mov dx, 0x04
  G mov es, dx
  mov al, [es:0x10]
  PHEX8 al
  mov dx, 0x10
  mov es, dx
  NL
  mov ax, 0
  G lldt ax
  PRINTLN "after LLDT 0:"
  LARLINE 0x0004
  PRINT "LTR 40 (TSS; the busy bit write goes to the ROM GDT and is lost), STR: "
  mov ax, 0x40
  G ltr ax
  mov eax, 0
  G str ax
  PHEX16 ax
  NL
  lidt [rom_idtr32]
  ret

ROM_END
