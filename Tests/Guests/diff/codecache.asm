; codecache: the same code bytes reached in different ways, for an emulator that caches decoded
; code (all checks are architectural: the CPU must decode what is in memory now, with the
; current CS attributes):
;  1. identical bytes at linear 3000h executed as 16-bit real-mode code (0000:3000), as 32-bit PM
;     code (08:3000) and as 16-bit PM code (selector 28h: 16-bit code, base 0), alternately:
;     B8 22 11 00 00 CB = "mov ax,1122; add [bx+si],al; retf" (16-bit) / "mov eax,1122; retf" (32)
;  2. the same linear code through two real-mode CS values (0000:3100 and 0310:0000): it reads its
;     own IP with CALL/POP, which must differ
;  3. an instruction whose immediate straddles a 4 KiB page boundary (3FFC..4003), patched in the
;     second page only, then called again
;  4. code at 3200h rewritten completely with other code of the same length (REP MOVSB from ROM)
;     between calls, several times
%include "rom.inc"
%include "testlib.inc"

%macro GDT_EXTRA 0
  dw 0xFFFF, 0x0000          ; 28: 16-bit code, base 0, limit FFFF, accessed
  db 0x00, 0x9B, 0x00, 0x00
  dw 0xFFFF, 0x0000          ; 30: 16-bit data, base 0, limit FFFF
  db 0x00, 0x93, 0x00, 0x00
%endmacro

CODE16
same_bytes:
  db 0xB8, 0x22, 0x11, 0x00, 0x00, 0xCB
same_bytes_end:
ipcode:                        ; call $+3; pop ax; retf (16-bit)
  call .n
.n:
  pop ax
  retf
ipcode_end:
variant_a:
  mov ax, 0xAAAA
  retf
variant_b:
  mov ax, 0xBBBB
  retf
variant_c:
  mov ax, 0xCCCC
  retf
variant_end:

; copy CS:SI -> 0:DI, CX bytes (16-bit real mode)
copy16:
  push ax
.l:
  mov al, [cs:si]
  mov [di], al
  inc si
  inc di
  loop .l
  pop ax
  ret

CODE32
pm32_same:
  mov eax, 0xFFFFFFFF
  mov ebx, 0x3300
  mov esi, 0
  call 0x08:0x3000
  PRINT "PM 32-bit: EAX="
  PHEX32 eax
  PRINT " [3300]="
  PHEX8 [0x3300]
  NL
  mov eax, 0xFFFFFFFF
  mov ebx, 0x3300
  mov esi, 0
  jmp 0x18:pm16_entry
pm32_back:
  PRINT "PM 16-bit (code selector 28, base 0): EAX="
  PHEX32 eax
  PRINT " [3300]="
  PHEX8 [0x3300]
  NL
  ret

CODE16
; 16-bit PM code in segment 18 (base F0000): far call into the RAM code through selector 28
pm16_entry:
  call 0x28:0x3000
  jmp dword 0x08:pm32_back

ROM_START
  PRINTLN "codecache"
  mov byte [0x3300], 0
  ; 1. the same bytes, three ways
  mov si, same_bytes
  mov di, 0x3000
  mov cx, same_bytes_end - same_bytes
  call copy16
  %assign round 0
  %rep 2
    mov eax, 0xFFFFFFFF
    mov ebx, 0x3300
    mov esi, 0
    call 0x0000:0x3000
    PRINT "real mode 16-bit: EAX="
    PHEX32 eax
    PRINT " [3300]="
    PHEX8 [0x3300]
    NL
    CALL32 pm32_same
  %endrep
  ; 2. same linear code via two CS values
  mov si, ipcode
  mov di, 0x3100
  mov cx, ipcode_end - ipcode
  call copy16
  call 0x0000:0x3100
  PRINT "IP seen at 0000:3100 = "
  PHEX16 ax
  call 0x0310:0x0000
  PRINT ", at 0310:0000 = "
  PHEX16 ax
  call 0x0000:0x3100
  PRINT ", at 0000:3100 again = "
  PHEX16 ax
  NL
  ; 3. immediate straddling a page boundary: 66 B8 imm32 CB at 3FFB: imm at 3FFD..4000
  mov byte [0x3FFB], 0x66
  mov byte [0x3FFC], 0xB8
  mov dword [0x3FFD], 0x44332211
  mov byte [0x4001], 0xCB
  call 0x0000:0x3FFB
  PRINT "page-straddling imm: "
  PHEX32 eax
  mov byte [0x4000], 0x99
  call 0x0000:0x3FFB
  SP_
  PHEX32 eax
  mov byte [0x4001], 0x90          ; nop, then a new retf in the next byte
  mov byte [0x4002], 0xCB
  mov byte [0x3FFD], 0x00
  call 0x0000:0x3FFB
  SP_
  PHEX32 eax
  NL
  ; 4. code replaced wholesale between calls
  PRINT "rewritten code: "
  mov si, variant_a
  mov di, 0x3200
  mov cx, variant_b - variant_a
  call copy16
  call 0x0000:0x3200
  PHEX16 ax
  SP_
  mov si, variant_b
  mov di, 0x3200
  mov cx, variant_c - variant_b
  cld
  push es
  push ds
  push cs
  pop ds
  rep movsb
  pop ds
  pop es
  call 0x0000:0x3200
  PHEX16 ax
  SP_
  mov si, variant_c
  mov di, 0x3200
  mov cx, variant_end - variant_c
  call copy16
  call 0x0000:0x3200
  PHEX16 ax
  SP_
  mov si, variant_a
  mov di, 0x3200
  mov cx, variant_b - variant_a
  call copy16
  call 0x0000:0x3200
  PHEX16 ax
  NL
  PRINTLN "codecache: done"
  EXIT 0
ROM_END
