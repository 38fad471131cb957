; Multi-section flat binaries: start=, vstart=, align=, follows=, nobits (.bss), $$ per section.
bits 16
org 0x1000
section .text
entry:
  mov ax, data_start
  mov bx, [counter]
  call far_code
  jmp entry
section .data align=16
data_start:
  db "data", 0
  dw $$, $ - $$
section .rodata follows=.data
  dd entry, data_start, table
table:
  dw 1, 2, 3
section .code2 start=0x1400 vstart=0x8000
far_code:
  mov ax, $$
  mov bx, far_code
  ret
section .bss
counter: resw 1
buffer:  resb 64
section .text
  mov cx, buffer
  mov dx, counter
