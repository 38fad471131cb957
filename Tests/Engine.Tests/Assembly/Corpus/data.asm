; Data directives, expressions, number forms, times, align, equ, $ and $$, strings.
bits 16
org 0x7C00
start:
  db 1, 2, 3, -1, 255, 'A', "BC", `D\n\t\x41\101\0`, 0
  dw 0x1234, -2, 'AB', "ABC", start, $ - start, $$
  dd 0x12345678, -1, 'ABCD', "x", start + 0x10000
  dq 0x123456789ABCDEF0, -2
  db 0x1F, 1Fh, 0h1F, $1F, 0b101, 101b, 0y11, 0o17, 17q, 17o, 0d99, 99d, 1_000 & 0xFF, 0x_FF
  dw 10 + 3 * 4, (10 + 3) * 4, 100 / 7, 100 % 7, -100 // 7, -100 %% 7, 1 << 4, 0x80 >> 3, -16 >>> 2
  dw 0xF0 & 0x3C, 0xF0 | 0x0F, 0xFF ^ 0x0F, ~0, -(5), !0, !7, +3
  dw 3 == 3, 3 != 4, 3 <> 3, 2 < 3, 3 <= 3, 4 > 5, 5 >= 5, 1 && 0, 1 || 0, 1 ^^ 1, 1 ? 10 : 20
  dd 'AB' + 1, ('Z' - 'A') * 2
VAL equ 0x42
NEXT equ VAL + 1
.local equ 5
  db VAL, NEXT, start.local
  times 3 db 0xAA
  times 2 dw 1, 2
  times 4 nop
  times (8 - ($ - $$) % 8) % 8 db 0xCC
  align 16
  db 0x55
  align 8, db 0xEE
  db 0x66
  alignb 4
  resb 3
  resw 2
  resd 1
  db 0x77
here:
  dw here - start, $ - here
  mov ax, end_of_data - start
  incbin "data.bin"
  incbin "data.bin", 2
  incbin "data.bin", 1, 2
end_of_data:
  times 510 - ($ - $$) db 0
  dw 0xAA55
