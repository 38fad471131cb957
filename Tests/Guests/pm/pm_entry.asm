; virtlab: rom
; pm_entry: entering protected mode by hand and leaving it again (POST 10-1F).
; SDM Vol. 3A 9.9 (mode switching), 3.4.3 (segment registers and their hidden part), 3.4.5.1
; (accessed bit), 9.1.1 / table 9-1 (state after reset), 20.1.1 (real-mode address translation).
;  10 reset state: CR0 = 60000010h (table 9-1), CS = F000
;  11 LGDT, CR0.PE, far JMP: SMSW shows PE; DS keeps its real-mode hidden part until reloaded
;  12 32-bit code segment: CS = 08, 32-bit operands
;  13 a data segment with a base: DS:offset reaches base + offset
;  14 the descriptor cache: changing the GDT entry does not change DS until DS is reloaded
;  15 LGDT of another table: loaded segments keep their base; a reload reads the new table
;  16 accessed bit set by loading DS and SS (QEMU does not set it for CS loads: not tested)
;  17 16-bit protected-mode code segment: pushes are 2 bytes
;  18 back to real mode: FS keeps the base of its PM descriptor until reloaded; GS keeps its
;     4 GiB limit ("unreal" mode, an a32 access above FFFFh works)
;  19 reloading FS in real mode gives base = selector * 16
;  1A real-mode INT n through the IVT after LIDT back to 0:3FF
;  1B common protected-mode start again: LTR set the TSS busy bit; SGDT/SIDT/STR read back
%define RM_MAIN
%include "pm.inc"

%define MARK1     0x12350      ; physical addresses of markers
%define MARK2     0x12360
%define MARK3     0x20000
%define GDT2      0x20100      ; a second GDT
%define RM_FLAG   (ROMVARS + 0x40)
%define RM_SAVE   (ROMVARS + 0x44)

CODE16
rm_main:
  POST 0x10, "reset state"
  mov eax, cr0
  CHECK_EQ eax, 0x60000010, "CR0 after reset"
  mov ax, cs
  movzx eax, ax
  CHECK_EQ eax, 0xF000, "CS after the reset far jump"

  ; markers (real mode: a32 addressing through ES = 1000h/2000h)
  mov ax, 0x1000
  mov es, ax
  mov dword [es:MARK1 - 0x10000], 0x11111111
  mov dword [es:MARK2 - 0x10000], 0x22222222
  mov ax, 0x2000
  mov es, ax
  mov dword [es:MARK3 - 0x20000], 0x33333333
  xor ax, ax
  mov es, ax
  mov dword [ROMVARS], 0x66666666          ; what selector 60h means as a real-mode segment (base 600h)
  ; GDT entries for this ROM (real mode, DS base 0)
  mov dword [GDT_BASE + 0x60], 0x2340FFFF  ; 60: data, base 12340h, limit FFFF, DPL 0
  mov dword [GDT_BASE + 0x64], 0x00009301
  mov dword [GDT_BASE + 0x68], 0x0000FFFF  ; 68: data, base 0, not accessed (access 92h)
  mov dword [GDT_BASE + 0x6C], 0x00CF9200
  mov dword [GDT_BASE + 0x70], 0x0000FFFF  ; 70: data (stack), base 0, not accessed
  mov dword [GDT_BASE + 0x74], 0x00CF9200

  POST 0x11, "LGDT + CR0.PE + far JMP"
  cli
  o32 lgdt [cs:gdtr_common]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp dword SEL_CODE0:pm32_start       ; right after MOV CR0 (SDM 9.9.1 step 4)

CODE32
pm32_start:
  ; DS/ES/SS still hold their real-mode hidden parts (base 0, limit FFFF) - enough for 0500-7FFF
  CHECK_EQ [v_post], 0x11, "DS hidden base still 0 after PE=1, before DS is loaded"
  smsw ax
  movzx eax, ax
  CHECK_MASK eax, 1, 1, "MSW.PE"
  mov ax, ds
  movzx eax, ax
  CHECK_EQ eax, 0, "DS selector unchanged"

  POST 0x12, "32-bit protected-mode code"
  mov eax, cs
  movzx eax, ax
  CHECK_EQ eax, SEL_CODE0, "CS after the far jump"
  mov eax, 0x89ABCDEF                  ; a 32-bit immediate only decodes right with CS.D = 1
  CHECK_EQ eax, 0x89ABCDEF, "32-bit operand"
  mov ax, SEL_DATA0
  mov ss, ax
  mov esp, STACK0_TOP
  mov es, ax

  POST 0x13, "data segment with a base"
  mov ax, 0x60
  mov ds, ax
  mov eax, [0x10]                      ; 12340h + 10h = MARK1
  mov bx, SEL_DATA0
  mov ds, bx
  CHECK_EQ eax, 0x11111111, "DS:10 with base 12340h"

  POST 0x14, "descriptor cache"
  mov ax, 0x60
  mov fs, ax
  mov word [GDT_BASE + 0x62], 0x2350   ; base now 12350h in the table, not in FS
  mov eax, [fs:0x10]
  CHECK_EQ eax, 0x11111111, "FS:10 after changing the descriptor, before a reload"
  mov ax, 0x60
  mov fs, ax
  mov eax, [fs:0x10]
  CHECK_EQ eax, 0x22222222, "FS:10 after reloading FS"

  POST 0x15, "LGDT of another table"
  mov esi, GDT_BASE
  mov edi, GDT2
  mov ecx, 0x80 / 4
  rep movsd
  mov word [GDT2 + 0x62], 0x2340       ; 60 in the new table: base 12340h
  lgdt [gdtr2]
  mov eax, [fs:0x10]
  CHECK_EQ eax, 0x22222222, "FS:10 after LGDT, before a reload"
  mov ax, 0x60
  mov fs, ax
  mov eax, [fs:0x10]
  CHECK_EQ eax, 0x11111111, "FS:10 after reloading FS from the new table"
  lgdt [gdtr_common32]
  mov ax, 0x60
  mov fs, ax                           ; base 12350h again (common GDT)

  POST 0x16, "accessed bit"
  movzx eax, byte [GDT_BASE + 0x6D]
  CHECK_EQ eax, 0x92, "access byte of 68h before any load"
  mov ax, 0x68
  mov gs, ax
  movzx eax, byte [GDT_BASE + 0x6D]
  CHECK_EQ eax, 0x93, "access byte of 68h after MOV GS"
  movzx eax, byte [GDT_BASE + 0x75]
  CHECK_EQ eax, 0x92, "access byte of 70h before any load"
  mov ax, 0x70
  mov ss, ax
  mov ax, SEL_DATA0
  mov ss, ax
  movzx eax, byte [GDT_BASE + 0x75]
  CHECK_EQ eax, 0x93, "access byte of 70h after MOV SS"

  POST 0x17, "16-bit protected-mode code"
  mov ax, SEL_DATA0
  mov ds, ax
  jmp SEL_CODE16:pm16_code
pm16_back:
  CHECK_EQ ebx, 2, "bytes pushed by PUSH imm8 in a 16-bit code segment"
  CHECK_EQ ecx, 2, "bytes pushed by a near CALL in a 16-bit code segment"
  mov eax, cs
  movzx eax, ax
  CHECK_EQ eax, SEL_CODE0, "CS back in 32-bit code"

  POST 0x18, "back to real mode"
  mov ax, SEL_DATA0
  mov gs, ax                           ; GS: base 0, limit 4 GiB ("unreal")
  mov ax, SEL_DATA16                   ; DS ES SS: base 0, limit FFFF (real-mode like)
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, STACK0_TOP
  jmp SEL_CODE16:pm16_to_real

gdtr2:
  dw 0x7F
  dd GDT2
gdtr_common32:
  dw GDT_LIMIT
  dd GDT_BASE

CODE16
pm16_code:                             ; CS = 18h (16-bit, base F0000), SS = 10h (B = 1)
  mov ebx, esp
  push byte 0
  sub ebx, esp
  add esp, 2
  mov ecx, esp
  call .n
.n:
  sub ecx, esp
  add esp, 2
  jmp dword SEL_CODE0:pm16_back

pm16_to_real:                          ; CS = 18h
  mov eax, cr0
  and al, 0xFE
  mov cr0, eax
  jmp 0xF000:real_again
real_again:
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov eax, [fs:0x10]                   ; FS = 60h with the base 12350h from its descriptor
  CHECK_EQ eax, 0x22222222, "FS:10 in real mode before reloading FS"
  mov ebx, MARK3
  mov eax, [gs:ebx]                    ; offset 20000h: needs GS's 4 GiB limit
  CHECK_EQ eax, 0x33333333, "GS:20000 in real mode (unreal)"
  mov ax, fs
  movzx eax, ax
  CHECK_EQ eax, 0x60, "FS selector in real mode"

  POST 0x19, "real-mode segment reload"
  mov ax, fs
  mov fs, ax                           ; base = 60h * 16 = 600h
  mov eax, [fs:0]
  CHECK_EQ eax, 0x66666666, "FS:0 after MOV FS,60h in real mode"
  mov eax, cr0
  CHECK_MASK eax, 1, 0, "CR0.PE"

  POST 0x1A, "real-mode INT through the IVT"
  o32 lidt [cs:ivt_ptr]
  mov word [0x50*4], rm_int50
  mov word [0x50*4 + 2], 0xF000
  mov dword [RM_FLAG], 0
  int 0x50
.after:
  CHECK_EQ [RM_FLAG], 0x50, "handler ran"
  CHECK_EQ [RM_SAVE + 4], 0xF0000000 + .after, "pushed CS:IP"
  jmp pm_enter

rm_int50:
  mov dword [RM_FLAG], 0x50
  push bp
  mov bp, sp
  mov ax, [bp + 2]
  mov [RM_SAVE + 4], ax
  mov ax, [bp + 4]
  mov [RM_SAVE + 6], ax
  pop bp
  iret

ivt_ptr:
  dw 0x3FF
  dd 0

CODE32
main:
  POST 0x1B, "common protected-mode start after the round trip"
  str eax
  movzx eax, ax
  CHECK_EQ eax, SEL_TSS0, "STR"
  movzx eax, byte [GDT_BASE + SEL_TSS0 + 5]
  CHECK_EQ eax, 0x8B, "TSS descriptor type after LTR (busy)"
  sgdt [ROMVARS + 0x10]
  movzx eax, word [ROMVARS + 0x10]
  CHECK_EQ eax, GDT_LIMIT, "SGDT limit"
  CHECK_EQ dword [ROMVARS + 0x12], GDT_BASE, "SGDT base"
  sidt [ROMVARS + 0x20]
  movzx eax, word [ROMVARS + 0x20]
  CHECK_EQ eax, IDT_LIMIT, "SIDT limit"
  CHECK_EQ dword [ROMVARS + 0x22], IDT_BASE, "SIDT base"
  mov eax, cr0
  CHECK_MASK eax, 0x80000001, 1, "CR0.PE=1 PG=0"
  PASS
