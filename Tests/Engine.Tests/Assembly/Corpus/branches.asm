; Control transfer and branch relaxation: nasm's optimizer (-Ox) picks short jumps where they reach,
; near ones where they do not, over several passes (forward references, chains of jumps that grow together).
bits 16
org 0x100
start:
  jmp short start
  jmp start
  jmp near start
  jmp fwd1
  jz fwd1
  jnz start
  call start
  call fwd1
  jcxz start
  jecxz start
  loop start
  loope start
  loopne start
  loopz start
  loopnz start
  loop start, cx
  loop start, ecx
  a32 loop start
  jmp dword fwd1
  call dword start
  jmp 0x1234
  call 0x5678
  jmp 0xF000:0xFFF0
  call 0x1234:0x5678
  jmp dword 0x08:0x12345678
  jmp far [bx]
  call far [si+2]
  jmp far dword [bx]
  call far word [di]
  jmp [bx]
  call [bp+2]
  jmp word [si]
  call dword [eax]
  jmp ax
  call bx
  jmp eax
fwd1:
  ; exactly at the short range: 127 bytes forward, then 128
  jmp .b127
  times 127 db 0x90
.b127:
  jmp .b128
  times 128 db 0x90
.b128:
  ; backward: -128 reaches, -129 does not
.back128:
  times 126 nop
  jmp .back128
.back129:
  times 127 nop
  jmp .back129
  ; conditional jumps, all conditions, short and near
  jo .near
  jno .near
  jb .near
  jc .near
  jnae .near
  jae .near
  jnb .near
  jnc .near
  je .near
  jz .near
  jne .near
  jnz .near
  jbe .near
  jna .near
  ja .near
  jnbe .near
  js .near
  jns .near
  jp .near
  jpe .near
  jnp .near
  jpo .near
  jl .near
  jnge .near
  jge .near
  jnl .near
  jle .near
  jng .near
  jg .near
  jnle .near
  times 100 db 0
.near:
  jo .near
  jg .near
  jl short .near
  jl near .near
  ; a chain where each jump's size depends on the next one's
  jmp c1
  times 60 nop
  jmp c2
  times 60 nop
c1:
  jmp c3
  times 60 nop
c2:
  jmp c4
  times 60 nop
c3:
  times 5 nop
c4:
  ret
  ; forward constants change instruction sizes
  add ax, KONST1
  add ax, KONST2
  push KONST1
  push KONST2
  shl ax, KONST3
  jmp lab_in_32

bits 32
lab_in_32:
  jmp lab_in_32
  jmp near lab_in_32
  jmp far32
  jz far32
  call far32
  jecxz lab_in_32
  jcxz lab_in_32
  loop lab_in_32
  loop lab_in_32, cx
  jmp word lab_in_32
  jmp 0x18:0x1234
  jmp word 0x18:0x1234
  call 0x08:lab_in_32
  jmp far [eax]
  call far word [eax]
  jmp [eax+4]
  call [ebx]
  jmp 0x12345678
  times 200 nop
far32:
  ret
KONST1 equ 1
KONST2 equ 0x1000
KONST3 equ KONST1
