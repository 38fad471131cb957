; Primitive [directives], use16/use32, segment, cpu/global/default (accepted and ignored in bin), ptr-less sizes.
[bits 32]
[org 0x2000]
cpu 686
default abs
global entry
entry:
  mov eax, [dword 0x10]
  use16
  mov ax, [0x10]
  use32
  mov eax, entry
[section .second]
  dd entry, second_label
second_label:
segment .third align=8
  db 1
  alignb 16
  db 2
