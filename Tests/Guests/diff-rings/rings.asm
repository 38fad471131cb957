; rings: privilege-level changes in 32-bit protected mode (SDM Vol. 3A ch. 5-7):
;  - a GDT in RAM (so the TSS busy bit can be set) with ring-3 code/data, a 32-bit TSS
;    (SS0:ESP0 = 10:5000) and a ring-3 call gate to ring 0; LTR (descriptor type becomes busy);
;  - IRETD from ring 0 to ring 3 (IOPL 3 so the guest may still write port E9): DS ES FS GS holding
;    DPL-0 selectors are nulled by the privilege change;
;  - from ring 3: INT 40h through a DPL-3 interrupt gate -> ring 0 on the TSS stack (frame EIP CS
;    EFLAGS ESP SS printed), IRETD back; a far CALL through the call gate (frame EIP CS ESP SS),
;    RETF back; #GP from HLT, MOV EAX,CR0, MOV DS,10 (DPL 0 data) and INT 42h (DPL-0 gate: error
;    code 42h*8+2); INT 41h to return to ring 0 for good.
; System instructions run through G: an emulator that lacks one prints "#UD" (see farptr_sys).
%include "rom.inc"
%include "testlib.inc"

%define RESUME 0x6E0
%define SAVE0  0x6E4
%define GDTRAM 0x0C00      ; (the IDT below spans 0800-0A17)
%define IDTRAM 0x0800
%define TSS    0x3000
%define F_INT  0x3FD5

%macro G 1+
  mov dword [RESUME], %%after
  %1
%%after:
  mov dword [RESUME], 0
%endmacro

CODE32
; ---- ring-0 handlers ----
h40:                            ; from ring 3: EIP CS EFLAGS ESP SS
  push ebp
  mov ebp, esp
  PRINT "  [int 40h, ring 0] frame EIP="
  PHEX32 [ebp+4]
  PRINT " CS="
  PHEX16 [ebp+8]
  PRINT " EFL="
  push eax
  mov eax, [ebp+12]
  and eax, F_INT
  PHEX32 eax
  pop eax
  PRINT " ESP="
  PHEX32 [ebp+16]
  PRINT " SS="
  PHEX16 [ebp+20]
  PRINT " now SS:ESP="
  push eax
  mov ax, ss
  PHEX16 ax
  pop eax
  PCHAR ':'
  PHEX32 ebp
  PRINT " CS="
  push eax
  mov ax, cs
  PHEX16 ax
  pop eax
  NL
  pop ebp
  iretd
unexpected_fault:               ; a fault outside G: report and stop
  PRINT 10, "!! unexpected #GP/#UD, frame: "
  PHEX32 [ebp+4]
  SP_
  PHEX32 [ebp+8]
  SP_
  PHEX32 [ebp+12]
  NL
  EXIT EXIT_UNEXPECTED
hud:                            ; #UD: an instruction the emulator lacks; resume after it
  push ebp
  mov ebp, esp
  cmp dword [ss:RESUME], 0
  je unexpected_fault
  pop ebp
  PRINT "#UD "
  push eax
  mov eax, [RESUME]
  mov [esp+4], eax
  pop eax
  iretd
h41:                            ; leave ring 3 for good
  mov esp, [SAVE0]
  jmp ring0_done
hgp:                            ; #GP: err EIP CS EFLAGS [ESP SS]
  push ebp
  mov ebp, esp
  cmp dword [ss:RESUME], 0
  je unexpected_fault
  PRINT " -> #GP err="
  PHEX32 [ebp+4]
  PRINT " from "
  PHEX16 [ebp+12]
  PCHAR ':'
  PHEX32 [ebp+8]
  push eax
  mov eax, [RESUME]
  mov [ebp+8], eax
  pop eax
  pop ebp
  add esp, 4
  iretd
cg_target:                      ; call gate target (ring 0): EIP CS ESP SS on the ring-0 stack
  push ebp
  mov ebp, esp
  PRINT "  [call gate, ring 0] frame EIP="
  PHEX32 [ebp+4]
  PRINT " CS="
  PHEX16 [ebp+8]
  PRINT " ESP="
  PHEX32 [ebp+12]
  PRINT " SS="
  PHEX16 [ebp+16]
  PRINT " now SS:ESP="
  push eax
  mov ax, ss
  PHEX16 ax
  pop eax
  PCHAR ':'
  PHEX32 ebp
  PRINT " CS="
  push eax
  mov ax, cs
  PHEX16 ax
  pop eax
  NL
  pop ebp
  retf

%macro IGATE 3 ; vector, handler, dpl
  mov eax, %2
  mov [IDTRAM + (%1)*8], ax
  mov word [IDTRAM + (%1)*8 + 2], 0x08
  mov word [IDTRAM + (%1)*8 + 4], 0x8E00 | ((%3) << 13)
  shr eax, 16
  mov [IDTRAM + (%1)*8 + 6], ax
%endmacro

pm_tests:
  ; RAM GDT: the 5 ROM entries + 28 ring-3 code, 30 ring-3 data, 38 TSS, 40 call gate (DPL 3)
  mov esi, 0xF0000 + rom_gdt
  mov edi, GDTRAM
  mov ecx, 10
  cld
  rep movsd
  mov dword [GDTRAM + 0x28], 0x0000FFFF
  mov dword [GDTRAM + 0x2C], 0x00CFFB00
  mov dword [GDTRAM + 0x30], 0x0000FFFF
  mov dword [GDTRAM + 0x34], 0x00CFF300
  mov dword [GDTRAM + 0x38], (TSS << 16) | 0x67
  mov dword [GDTRAM + 0x3C], 0x00008900
  mov eax, cg_target
  mov [GDTRAM + 0x40], ax
  mov word [GDTRAM + 0x42], 0x08
  mov word [GDTRAM + 0x44], 0xEC00
  shr eax, 16
  mov [GDTRAM + 0x46], ax
  lgdt [gdtr_ram]
  jmp 0x08:.reload
.reload:
  ; TSS
  mov edi, TSS
  mov ecx, 0x68/4
  xor eax, eax
  rep stosd
  mov dword [TSS + 4], 0x5000
  mov dword [TSS + 8], 0x10
  mov word [TSS + 0x66], 0x68
  ; IDT: the ROM's exception gates, #GP -> hgp, 40h/41h DPL 3, 42h DPL 0
  mov esi, rom_idt32
  mov edi, IDTRAM
  mov ecx, 32*8/4
  rep movsd
  IGATE 6, hud, 0
  IGATE 13, hgp, 0
  IGATE 0x40, h40, 3
  IGATE 0x41, h41, 3
  IGATE 0x42, h40, 0
  lidt [idtr_ram]
  PRINT "LTR 38: "
  mov ax, 0x38
  G ltr ax
  mov eax, 0
  G str ax
  PHEX16 ax
  PRINT " TSS descriptor access byte now "
  PHEX8 [GDTRAM + 0x3D]
  NL
  ; to ring 3
  PRINTLN "IRETD to ring 3 (CS 2B, SS 33, ESP 6000, EFLAGS IOPL 3):"
  mov [SAVE0], esp
  push dword 0x33
  push dword 0x6000
  push dword 0x3002
  push dword 0x2B
  push dword ring3
  iretd

ring3:
  PRINT "ring 3: "
  PREG cs, ss, ds, es, fs, gs, esp
  NL
  mov ax, 0x33
  mov ds, ax
  mov es, ax
  PRINTLN "ring 3: int 40h"
  int 0x40
  PRINT "ring 3 again: "
  PREG cs, ss, esp
  NL
  PRINTLN "ring 3: call far 43:0 (call gate)"
  call 0x43:0
  PRINT "ring 3 after retf: "
  PREG cs, ss, esp
  NL
  PRINT "ring 3: hlt"
  G hlt
  NL
  PRINT "ring 3: mov eax,cr0"
  G mov eax, cr0
  NL
  PRINT "ring 3: mov ds,10"
  mov ax, 0x10
  G mov ds, ax
  NL
  PRINT "ring 3: int 42h (DPL 0 gate)"
  G int 0x42
  NL
  PRINT "ring 3: cli/sti with IOPL 3 (allowed), pushfd: "
  cli
  pushfd
  pop eax
  and eax, F_INT
  PHEX32 eax
  NL
  int 0x41

ring0_done:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov ss, ax
  push dword 0x002
  popfd
  PRINT "back in ring 0: "
  PREG cs, ss, ds
  NL
  lgdt [cs:0xF0000 + rom_gdtr]
  jmp 0x08:.r2
.r2:
  lidt [rom_idtr32]
  ret

gdtr_ram:
  dw 0x48 - 1
  dd GDTRAM
idtr_ram:
  dw 0x43*8 - 1
  dd IDTRAM

ROM_START
  PRINTLN "rings: protected mode"
  CALL32 pm_tests
  PRINTLN "rings: done"
  EXIT 0
ROM_END
