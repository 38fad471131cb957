; virtlab: rom
; pit_pic: interrupts from the 8254 PIT through the 8259A PIC (POST D0-D8).
; Intel 8259A datasheet (ICW1-ICW4, OCW1 mask, OCW2 EOI / specific EOI, OCW3 read IRR/ISR,
; in-service priority, AEOI), Intel 8254 datasheet (control word, modes 2 and 3, counter latch),
; SDM Vol. 3A 6.8.3 (STI: interrupts recognised after the next instruction), Vol. 2 HLT (the
; saved EIP after an interrupt points after the HLT).
; Timing in QEMU is real time and in VirtLab virtual time: only order and counts are checked, never
; durations. The IRQ0 handler sends no EOI itself (main does), so exactly one IRQ0 is taken per wait.
;  D0 (after putting a local APIC, if any, in virtual-wire mode) ICW1-4 (vectors 20h/28h, cascade on IR2), OCW1: the masks read back
;  D1 PIT channel 0 mode 2: STI; HLT wakes on IRQ0 through vector 20h; saved EIP after the HLT;
;     ISR bit 0 set inside the handler
;  D2 while IRQ0 is in service, a new IRQ0 waits in IRR and is not taken; after EOI it is taken,
;     after the instruction that follows STI
;  D3 five more HLT/EOI rounds: exactly five more interrupts
;  D4 a masked IRQ0 stays in IRR and is not taken; unmasking delivers it
;  D5 specific EOI (OCW2 60h) clears ISR bit 0
;  D6 counter latch: mode 2 reads 1..N; mode 3 reads an even value in 2..N; mode 3 interrupts
;  D7 ICW2 = 30h: IRQ0 now arrives through vector 30h
;  D8 automatic EOI (ICW4.AEOI): ISR stays clear, a second IRQ0 comes without an EOI
%include "pm.inc"

%define TICKS     (ROMVARS + 0x00)
%define LASTVEC   (ROMVARS + 0x04)
%define IRQ_EIP   (ROMVARS + 0x08)
%define IRQ_ISR   (ROMVARS + 0x0C)
%define SPURIOUS  (ROMVARS + 0x10)
%define COUNT2    0x0100       ; mode 2 reload value (about 215 us)
%define COUNT3    0x1000       ; mode 3 reload value
%define POLL_MAX  20000000     ; bound for the busy waits on IRR

; PIC_INIT base, icw4: program both PICs, master vectors base..base+7, slave base+8..; mask all
%macro PIC_INIT 2
  mov al, 0x11
  out 0x20, al
  out 0xA0, al
  mov al, %1
  out 0x21, al
  mov al, %1 + 8
  out 0xA1, al
  mov al, 4
  out 0x21, al
  mov al, 2
  out 0xA1, al
  mov al, %2
  out 0x21, al
  mov al, 1
  out 0xA1, al
  mov al, 0xFF
  out 0x21, al
  out 0xA1, al
%endmacro

%macro PIT_PROGRAM 2 ; mode control word, count
  mov al, %1
  out 0x43, al
  mov ax, %2
  out 0x40, al
  mov al, ah
  out 0x40, al
%endmacro

%macro EOI 0
  mov al, 0x20
  out 0x20, al
%endmacro

; READ_PIC ocw3 -> EAX (0Ah IRR, 0Bh ISR of the master)
%macro READ_PIC 1
  mov al, %1
  out 0x20, al
  in al, 0x20
  movzx eax, al
%endmacro

CODE32
irq_common:                     ; EAX (pushed) = vector; saved EIP at [esp+4]
  mov [ss:LASTVEC], eax
  inc dword [ss:TICKS]
  mov eax, [esp + 4]
  mov [ss:IRQ_EIP], eax
  mov al, 0x0B
  out 0x20, al
  in al, 0x20
  movzx eax, al
  mov [ss:IRQ_ISR], eax
  pop eax
  iretd
irq_h20:
  push eax
  mov eax, 0x20
  jmp irq_common
irq_h30:
  push eax
  mov eax, 0x30
  jmp irq_common
irq_spurious:                   ; IR7 without a request: no EOI (8259A datasheet)
  inc dword [ss:SPURIOUS]
  iretd

; wait_irr: busy-wait (IF = 0) until IRR bit 0 is set; fails after POLL_MAX tries
wait_irr:
  mov ecx, POLL_MAX
.p:
  READ_PIC 0x0A
  test al, 1
  jnz .ok
  loop .p
  CHECK_EQ 0, 1, "IRR bit 0 never set (PIT not running?)"
.ok:
  ret

; lapic_virtual_wire: on a CPU with a local APIC (CPUID.1:EDX bit 9) the 8259A's INTR reaches the
; core through LINT0, which is masked after reset (SDM Vol. 3A 10.4.7.1). Do what a BIOS does for
; virtual-wire mode (MP spec 3.6.2.2): APIC software-enabled (SVR bit 8), LVT LINT0 = ExtINT.
; A CPU without an APIC (VirtLab's) takes INTR directly and skips this.
lapic_virtual_wire:
  mov eax, 1
  cpuid
  test edx, 1 << 9
  jz .none
  or dword [0xFEE000F0], 0x100
  mov dword [0xFEE00350], 0x700
.none:
  ret

; one_tick: STI; HLT; CLI (one IRQ0 taken), then EOI
one_tick:
  sti
  hlt
  cli
  EOI
  ret

main:
  IDT_GATE 0x20, irq_h20
  IDT_GATE 0x30, irq_h30
  IDT_GATE 0x27, irq_spurious
  IDT_GATE 0x37, irq_spurious
  mov dword [TICKS], 0
  call lapic_virtual_wire

  POST 0xD0, "PIC initialisation"
  PIC_INIT 0x20, 0x01
  mov al, 0xFE                          ; only IRQ0
  out 0x21, al
  in al, 0x21
  movzx eax, al
  CHECK_EQ eax, 0xFE, "master IMR"
  in al, 0xA1
  movzx eax, al
  CHECK_EQ eax, 0xFF, "slave IMR"
  READ_PIC 0x0B
  CHECK_EQ eax, 0, "master ISR"

  POST 0xD1, "IRQ0 wakes HLT"
  PIT_PROGRAM 0x34, COUNT2              ; channel 0, lo/hi byte, mode 2, binary
  sti
  hlt
.after_hlt:
  cli
  CHECK_EQ [TICKS], 1, "interrupts taken"
  CHECK_EQ [LASTVEC], 0x20, "vector"
  CHECK_EQ [IRQ_EIP], .after_hlt, "saved EIP (after the HLT)"
  CHECK_EQ [IRQ_ISR], 1, "ISR inside the handler"

  POST 0xD2, "in-service IRQ0 blocks the next one"
  call wait_irr
  READ_PIC 0x0B
  CHECK_EQ eax, 1, "ISR before the EOI"
  sti
  nop
  nop
  nop
  cli
  CHECK_EQ [TICKS], 1, "no interrupt while IRQ0 is in service"
  EOI
  READ_PIC 0x0B
  CHECK_EQ eax, 0, "ISR after the EOI"
  sti
  nop                                   ; the interrupt comes after this one (STI shadow)
.after_sti:
  nop
  cli
  CHECK_EQ [TICKS], 2, "the pending IRQ0 after the EOI"
  CHECK_EQ [IRQ_EIP], .after_sti, "saved EIP (after the instruction following STI)"
  EOI

  POST 0xD3, "counted ticks"
  mov ebx, 5
.rounds:
  call one_tick
  dec ebx
  jnz .rounds
  CHECK_EQ [TICKS], 7, "interrupts taken"

  POST 0xD4, "masked IRQ0"
  mov al, 0xFF
  out 0x21, al
  call wait_irr
  sti
  mov ecx, 1000
.spin:
  loop .spin
  cli
  CHECK_EQ [TICKS], 7, "no interrupt while masked"
  READ_PIC 0x0A
  CHECK_MASK eax, 1, 1, "IRR bit 0 still set"
  mov al, 0xFE
  out 0x21, al
  sti
  nop
  nop
  cli
  CHECK_EQ [TICKS], 8, "delivered after unmasking"

  POST 0xD5, "specific EOI"
  READ_PIC 0x0B
  CHECK_EQ eax, 1, "ISR before"
  mov al, 0x60                          ; OCW2: specific EOI, level 0
  out 0x20, al
  READ_PIC 0x0B
  CHECK_EQ eax, 0, "ISR after"

  POST 0xD6, "PIT counter latch, mode 3"
  mov al, 0x00                          ; latch channel 0
  out 0x43, al
  in al, 0x40
  mov ah, al
  in al, 0x40
  xchg al, ah
  movzx ebx, ax
  lea eax, [ebx - 1]
  cmp eax, COUNT2 - 1
  jbe .m2ok
  CHECK_EQ ebx, COUNT2, "mode 2 latched count in 1..N"
.m2ok:
  PIT_PROGRAM 0x36, COUNT3              ; mode 3, square wave
  call one_tick                         ; (loads the new count)
  mov al, 0x00
  out 0x43, al
  in al, 0x40
  mov ah, al
  in al, 0x40
  xchg al, ah
  movzx ebx, ax
  CHECK_MASK ebx, 1, 0, "mode 3 latched count is even"
  lea eax, [ebx - 2]
  cmp eax, COUNT3 - 2
  jbe .m3ok
  CHECK_EQ ebx, COUNT3, "mode 3 latched count in 2..N"
.m3ok:
  call one_tick
  call one_tick
  CHECK_EQ [TICKS], 11, "interrupts taken in mode 3"
  CHECK_EQ [LASTVEC], 0x20, "vector"

  POST 0xD7, "vector base 30h"
  PIC_INIT 0x30, 0x01
  mov al, 0xFE
  out 0x21, al
  call one_tick
  CHECK_EQ [TICKS], 12, "interrupts taken"
  CHECK_EQ [LASTVEC], 0x30, "vector"

  POST 0xD8, "automatic EOI"
  PIC_INIT 0x30, 0x03                   ; ICW4: AEOI, 8086
  mov al, 0xFE
  out 0x21, al
  sti
  hlt
  cli
  CHECK_EQ [IRQ_ISR], 0, "ISR inside the handler"
  sti
  hlt                                   ; no EOI in between
  cli
  CHECK_EQ [TICKS], 14, "interrupts taken"
  mov al, 0xFF
  out 0x21, al
  PASS
