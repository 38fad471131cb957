; pmode: explicit real-mode <-> protected-mode transitions (not through rom.inc's CALL32):
;  - SGDT/SIDT/SMSW in real mode, LGDT, MOV CR0 (PE=1), far JMP to a flat 32-bit ring-0 code
;    segment, loading flat data segments, SMSW/SGDT/SIDT in PM, MOV r32,CR0 (PE bit only),
;  - a data segment with base 2000h (descriptor 28h) and one with base 0 limit FFFFF*4K in 16-bit
;    code, reads/writes through them, a far JMP into a 16-bit code segment (18h) and back,
;  - back to real mode (MOV CR0 PE=0, far JMP F000:xxxx), real-mode segment loads (base =
;    selector*16), "big real mode": FS keeps the 4 GiB limit loaded in PM, so [FS:12000h] works,
;  - entering PM a second time with LMSW (sets PE) instead of MOV CR0.
; Everything printed is deterministic (descriptors have their accessed bit preset: see
; KnownQemuDifferences "gdt-accessed-bit").
%include "rom.inc"
%include "testlib.inc"

%macro GDT_EXTRA 0
  dw 0xFFFF, 0x2000          ; 28: data, base 2000, limit FFFF, accessed
  db 0x00, 0x93, 0x00, 0x00
  dw 0xFFFF, 0x0000          ; 30: data, base 0, limit 4 GiB, 16-bit (B=0), accessed
  db 0x00, 0x93, 0x8F, 0x00
%endmacro

ROM_START
  PRINTLN "pmode: real mode"
  mov eax, cr0
  and eax, 1
  PRINT "CR0.PE="
  PHEX8 al
  smsw ax
  and ax, 0x1F
  PRINT " SMSW&1F="
  PHEX16 ax
  NL
  ; memory for the tests
  mov dword [0x2010], 0x2010ABCD
  ; switch
  cli
  o32 lgdt [cs:rom_gdtr]
  o32 sgdt [DATA0]
  PRINT "after lgdt: SGDT limit="
  PHEX16 [DATA0]
  PRINT " base="
  PHEX32 [DATA0+2]
  o32 sidt [DATA0]
  PRINT " SIDT limit="
  PHEX16 [DATA0]
  PRINT " base="
  PHEX32 [DATA0+2]
  NL
  mov eax, cr0
  or eax, 1
  mov cr0, eax
  jmp dword 0x08:pm32

CODE32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  PRINTLN "pmode: in 32-bit protected mode"
  mov dword [0x12000], 0x12000BCD
  PREG cs, ds, es, ss, fs, gs
  mov eax, cr0
  and eax, 1
  PRINT "CR0.PE="
  PHEX8 al
  smsw ax
  and ax, 0x1F
  PRINT " SMSW&1F="
  PHEX16 ax
  sgdt [DATA0]
  PRINT " SGDT limit="
  PHEX16 [DATA0]
  PRINT " base="
  PHEX32 [DATA0+2]
  NL
  ; data segment with a base
  mov ax, 0x28
  mov es, ax
  mov eax, [es:0x10]
  PRINT "ES=28 (base 2000): [es:10]="
  PHEX32 eax
  mov dword [es:0x20], 0x55AA55AA
  PRINT " wrote [es:20], linear 2020 now "
  PHEX32 [0x2020]
  mov ax, 0x10
  mov es, ax
  NL
  ; into a 16-bit code segment (selector 18, base F0000) and back
  jmp 0x18:pm16

CODE16
pm16:
  PRINT "in 16-bit PM code: CS="
  push ax
  mov ax, cs
  PHEX16 ax
  pop ax
  mov ax, 0x30
  mov fs, ax                   ; FS: 4 GiB limit, used in real mode later (big real mode)
  mov eax, [fs:0x2010]
  PRINT " [fs:2010]="
  PHEX32 eax
  mov esi, 0x12000
  mov eax, [fs:esi]
  PRINT " a32 [fs:esi=12000]="
  PHEX32 eax
  NL
  jmp dword 0x08:pm32b

CODE32
pm32b:
  PRINTLN "back in 32-bit PM; returning to real mode"
  jmp 0x18:to_real

CODE16
to_real:
  mov ax, 0x20
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov gs, ax                   ; FS deliberately keeps the 4 GiB limit
  mov eax, cr0
  and eax, 0xFFFFFFFE
  mov cr0, eax
  jmp 0xF000:real_again
real_again:
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov gs, ax
  mov fs, ax                   ; real-mode load: base 0, limit stays 4 GiB (big real mode)
  o32 lidt [cs:rom_idtr16]
  PRINTLN "pmode: back in real mode"
  PREG cs, ds, ss
  mov eax, cr0
  and eax, 1
  PRINT "CR0.PE="
  PHEX8 al
  NL
  mov esi, 0x12000
  mov eax, [fs:esi]
  PRINT "big real mode: [fs:esi=12000]="
  PHEX32 eax
  NL
  mov ax, 0x0100
  mov ds, ax
  mov eax, [0x1010]
  PRINT "real-mode DS=0100 (base 1000): [1010] (linear 2010)="
  PHEX32 eax
  xor ax, ax
  mov ds, ax
  NL
  ; second entry with LMSW
  PRINT "enter PM with LMSW: "
  cli
  smsw ax
  or ax, 1
  lmsw ax
  jmp dword 0x08:pm_lmsw

CODE32
pm_lmsw:
  mov ax, 0x10
  mov ds, ax
  mov ss, ax
  mov eax, cr0
  and eax, 1
  PRINT "CR0.PE="
  PHEX8 al
  SP_
  PREG cs
  NL
  jmp 0x18:to_real2

CODE16
to_real2:
  mov ax, 0x20
  mov ds, ax
  mov ss, ax
  mov eax, cr0
  and al, 0xFE
  mov cr0, eax
  jmp 0xF000:real_final
real_final:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  PRINT "pmode: real mode again, CS="
  push ax
  mov ax, cs
  PHEX16 ax
  pop ax
  NL
  PRINTLN "pmode: done"
  EXIT 0
ROM_END
