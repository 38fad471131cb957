; Instruction corpus, BITS 32: every line is assembled by nasm and by VirtLab and the bytes compared.
; Families: ALU, INC/DEC/NEG/NOT/MUL/DIV, shifts and rotates, bit ops, SETcc/CMOVcc, atomics and LOCK,
; BCD, string ops with REP/segment/a16/a32, stack, MOV/MOVZX/XCHG/TEST/LEA, far-pointer loads, port I/O,
; 16- and 32-bit addressing (every ModRM/SIB shape), size keywords, system and VMX instructions.
bits 32
  add al, bl
  add cx, dx
  add esi, edi
  add ah, [bx+si]
  add [bp+di+4], ch
  add [ebx], eax
  add ebp, [esi+ecx*4+0x100]
  add al, 0x7F
  add ax, 5
  add ax, 0x1234
  add eax, -3
  add eax, 0x12345678
  add dl, 200
  add si, -128
  add si, 0x80
  add edi, 127
  add edi, 0xFFFFFF00
  add byte [bx], 1
  add word [di+2], 0x300
  add dword [eax+edx], 9
  add word [0x1000], -1
  add ax, strict word 3
  add dword [ecx], strict dword 2
  add bx, byte -2
  adc al, bl
  adc cx, dx
  adc esi, edi
  adc ah, [bx+si]
  adc [bp+di+4], ch
  adc [ebx], eax
  adc ebp, [esi+ecx*4+0x100]
  adc al, 0x7F
  adc ax, 5
  adc ax, 0x1234
  adc eax, -3
  adc eax, 0x12345678
  adc dl, 200
  adc si, -128
  adc si, 0x80
  adc edi, 127
  adc edi, 0xFFFFFF00
  adc byte [bx], 1
  adc word [di+2], 0x300
  adc dword [eax+edx], 9
  adc word [0x1000], -1
  adc ax, strict word 3
  adc dword [ecx], strict dword 2
  adc bx, byte -2
  sub al, bl
  sub cx, dx
  sub esi, edi
  sub ah, [bx+si]
  sub [bp+di+4], ch
  sub [ebx], eax
  sub ebp, [esi+ecx*4+0x100]
  sub al, 0x7F
  sub ax, 5
  sub ax, 0x1234
  sub eax, -3
  sub eax, 0x12345678
  sub dl, 200
  sub si, -128
  sub si, 0x80
  sub edi, 127
  sub edi, 0xFFFFFF00
  sub byte [bx], 1
  sub word [di+2], 0x300
  sub dword [eax+edx], 9
  sub word [0x1000], -1
  sub ax, strict word 3
  sub dword [ecx], strict dword 2
  sub bx, byte -2
  sbb al, bl
  sbb cx, dx
  sbb esi, edi
  sbb ah, [bx+si]
  sbb [bp+di+4], ch
  sbb [ebx], eax
  sbb ebp, [esi+ecx*4+0x100]
  sbb al, 0x7F
  sbb ax, 5
  sbb ax, 0x1234
  sbb eax, -3
  sbb eax, 0x12345678
  sbb dl, 200
  sbb si, -128
  sbb si, 0x80
  sbb edi, 127
  sbb edi, 0xFFFFFF00
  sbb byte [bx], 1
  sbb word [di+2], 0x300
  sbb dword [eax+edx], 9
  sbb word [0x1000], -1
  sbb ax, strict word 3
  sbb dword [ecx], strict dword 2
  sbb bx, byte -2
  and al, bl
  and cx, dx
  and esi, edi
  and ah, [bx+si]
  and [bp+di+4], ch
  and [ebx], eax
  and ebp, [esi+ecx*4+0x100]
  and al, 0x7F
  and ax, 5
  and ax, 0x1234
  and eax, -3
  and eax, 0x12345678
  and dl, 200
  and si, -128
  and si, 0x80
  and edi, 127
  and edi, 0xFFFFFF00
  and byte [bx], 1
  and word [di+2], 0x300
  and dword [eax+edx], 9
  and word [0x1000], -1
  and ax, strict word 3
  and dword [ecx], strict dword 2
  and bx, byte -2
  or al, bl
  or cx, dx
  or esi, edi
  or ah, [bx+si]
  or [bp+di+4], ch
  or [ebx], eax
  or ebp, [esi+ecx*4+0x100]
  or al, 0x7F
  or ax, 5
  or ax, 0x1234
  or eax, -3
  or eax, 0x12345678
  or dl, 200
  or si, -128
  or si, 0x80
  or edi, 127
  or edi, 0xFFFFFF00
  or byte [bx], 1
  or word [di+2], 0x300
  or dword [eax+edx], 9
  or word [0x1000], -1
  or ax, strict word 3
  or dword [ecx], strict dword 2
  or bx, byte -2
  xor al, bl
  xor cx, dx
  xor esi, edi
  xor ah, [bx+si]
  xor [bp+di+4], ch
  xor [ebx], eax
  xor ebp, [esi+ecx*4+0x100]
  xor al, 0x7F
  xor ax, 5
  xor ax, 0x1234
  xor eax, -3
  xor eax, 0x12345678
  xor dl, 200
  xor si, -128
  xor si, 0x80
  xor edi, 127
  xor edi, 0xFFFFFF00
  xor byte [bx], 1
  xor word [di+2], 0x300
  xor dword [eax+edx], 9
  xor word [0x1000], -1
  xor ax, strict word 3
  xor dword [ecx], strict dword 2
  xor bx, byte -2
  cmp al, bl
  cmp cx, dx
  cmp esi, edi
  cmp ah, [bx+si]
  cmp [bp+di+4], ch
  cmp [ebx], eax
  cmp ebp, [esi+ecx*4+0x100]
  cmp al, 0x7F
  cmp ax, 5
  cmp ax, 0x1234
  cmp eax, -3
  cmp eax, 0x12345678
  cmp dl, 200
  cmp si, -128
  cmp si, 0x80
  cmp edi, 127
  cmp edi, 0xFFFFFF00
  cmp byte [bx], 1
  cmp word [di+2], 0x300
  cmp dword [eax+edx], 9
  cmp word [0x1000], -1
  cmp ax, strict word 3
  cmp dword [ecx], strict dword 2
  cmp bx, byte -2
  inc al
  inc bx
  inc ecx
  inc byte [si]
  inc word [bp-2]
  inc dword [esp+8]
  dec al
  dec bx
  dec ecx
  dec byte [si]
  dec word [bp-2]
  dec dword [esp+8]
  neg al
  neg bx
  neg ecx
  neg byte [si]
  neg word [bp-2]
  neg dword [esp+8]
  not al
  not bx
  not ecx
  not byte [si]
  not word [bp-2]
  not dword [esp+8]
  mul al
  mul bx
  mul ecx
  mul byte [si]
  mul word [bp-2]
  mul dword [esp+8]
  imul al
  imul bx
  imul ecx
  imul byte [si]
  imul word [bp-2]
  imul dword [esp+8]
  div al
  div bx
  div ecx
  div byte [si]
  div word [bp-2]
  div dword [esp+8]
  idiv al
  idiv bx
  idiv ecx
  idiv byte [si]
  idiv word [bp-2]
  idiv dword [esp+8]
  imul ax, bx
  imul eax, [ebx]
  imul cx, dx, 10
  imul ecx, edx, 1000
  imul esi, [edi], -5
  imul eax, 7
  rol al, 1
  rol bx, cl
  rol ecx, 4
  rol byte [bx], 1
  rol word [si], cl
  rol dword [eax], 31
  ror al, 1
  ror bx, cl
  ror ecx, 4
  ror byte [bx], 1
  ror word [si], cl
  ror dword [eax], 31
  rcl al, 1
  rcl bx, cl
  rcl ecx, 4
  rcl byte [bx], 1
  rcl word [si], cl
  rcl dword [eax], 31
  rcr al, 1
  rcr bx, cl
  rcr ecx, 4
  rcr byte [bx], 1
  rcr word [si], cl
  rcr dword [eax], 31
  shl al, 1
  shl bx, cl
  shl ecx, 4
  shl byte [bx], 1
  shl word [si], cl
  shl dword [eax], 31
  shr al, 1
  shr bx, cl
  shr ecx, 4
  shr byte [bx], 1
  shr word [si], cl
  shr dword [eax], 31
  sal al, 1
  sal bx, cl
  sal ecx, 4
  sal byte [bx], 1
  sal word [si], cl
  sal dword [eax], 31
  sar al, 1
  sar bx, cl
  sar ecx, 4
  sar byte [bx], 1
  sar word [si], cl
  sar dword [eax], 31
  shld ax, bx, 3
  shld [bx], cx, cl
  shrd eax, edx, 16
  shrd [ebx], esi, cl
  bt ax, bx
  bt eax, 5
  bt word [bx], 15
  bt [ebx], ecx
  bts ax, bx
  bts eax, 5
  bts word [bx], 15
  bts [ebx], ecx
  btr ax, bx
  btr eax, 5
  btr word [bx], 15
  btr [ebx], ecx
  btc ax, bx
  btc eax, 5
  btc word [bx], 15
  btc [ebx], ecx
  bsf ax, bx
  bsr ecx, [esi]
  bswap eax
  bswap edi
  seto al
  cmovo eax, ebx
  setno al
  cmovno eax, ebx
  setb al
  cmovb eax, ebx
  setc al
  cmovc eax, ebx
  setnae al
  cmovnae eax, ebx
  setae al
  cmovae eax, ebx
  setnb al
  cmovnb eax, ebx
  setnc al
  cmovnc eax, ebx
  sete al
  cmove eax, ebx
  setz al
  cmovz eax, ebx
  setne al
  cmovne eax, ebx
  setnz al
  cmovnz eax, ebx
  setbe al
  cmovbe eax, ebx
  setna al
  cmovna eax, ebx
  seta al
  cmova eax, ebx
  setnbe al
  cmovnbe eax, ebx
  sets al
  cmovs eax, ebx
  setns al
  cmovns eax, ebx
  setp al
  cmovp eax, ebx
  setpe al
  cmovpe eax, ebx
  setnp al
  cmovnp eax, ebx
  setpo al
  cmovpo eax, ebx
  setl al
  cmovl eax, ebx
  setnge al
  cmovnge eax, ebx
  setge al
  cmovge eax, ebx
  setnl al
  cmovnl eax, ebx
  setle al
  cmovle eax, ebx
  setng al
  cmovng eax, ebx
  setg al
  cmovg eax, ebx
  setnle al
  cmovnle eax, ebx
  setz byte [bx]
  cmovne cx, [di]
  xadd [bx], al
  xadd eax, ebx
  cmpxchg [si], dx
  cmpxchg ecx, edx
  cmpxchg8b [edi]
  lock cmpxchg8b [ebp+4]
  lock add [bx], ax
  lock inc dword [eax]
  lock xchg [esi], ecx
  lock btc word [di], 3
  daa
  das
  aaa
  aas
  aam
  aad
  aam 16
  aad 7
  salc
  movsb
  movsw
  movsd
  cmpsb
  cmpsw
  cmpsd
  scasb
  scasw
  scasd
  lodsb
  lodsw
  lodsd
  stosb
  stosw
  stosd
  insb
  insw
  insd
  outsb
  outsw
  outsd
  rep movsb
  rep movsd
  repe cmpsw
  repz cmpsb
  repne scasb
  repnz scasd
  rep stosw
  rep lodsb
  rep insb
  rep outsw
  es movsb
  fs lodsw
  rep gs movsd
  a16 rep stosd
  a32 lodsb
  a32 rep movsw
  cs lodsb
  ss outsb
  xlatb
  xlat
  es xlatb
  push ax
  pop ax
  push cx
  pop cx
  push dx
  pop dx
  push bx
  pop bx
  push sp
  pop sp
  push bp
  pop bp
  push si
  pop si
  push di
  pop di
  push eax
  pop eax
  push ebx
  pop ebx
  push esp
  pop esp
  push ebp
  pop ebp
  push esi
  pop esi
  push edi
  pop edi
  push es
  push cs
  push ss
  push ds
  push fs
  push gs
  pop es
  pop ss
  pop ds
  pop fs
  pop gs
  push 1
  push -1
  push 0x1234
  push byte 5
  push word 7
  push dword 9
  push strict dword 1
  push word 0x8000
  push word [bx]
  push dword [ebx+4]
  pop word [si]
  pop dword [eax]
  pusha
  popa
  pushad
  popad
  pushaw
  popaw
  pushf
  popf
  pushfd
  popfd
  pushfw
  popfw
  lahf
  sahf
  cbw
  cwde
  cwd
  cdq
  leave
  clc
  stc
  cmc
  cld
  std
  cli
  sti
  hlt
  nop
  int3
  int1
  icebp
  into
  iret
  iretd
  iretw
  ret
  retf
  ud2
  wait
  fwait
  ret 4
  retf 8
  retn
  retn 2
  enter 16, 0
  enter 8, 3
  int 0x21
  int 3
  mov al, bl
  mov ax, bx
  mov eax, ebx
  mov ah, [bx]
  mov [di], dh
  mov cx, [bp+si]
  mov [ebx+esi*2], ecx
  mov al, [0x1234]
  mov ax, [0x10]
  mov eax, [0x20]
  mov [0x30], al
  mov [0x40], ax
  mov [0x50], eax
  mov al, 1
  mov bx, 0x1234
  mov ecx, 0x12345678
  mov esi, -1
  mov byte [bx], 5
  mov word [si+2], 0x1234
  mov dword [eax], 0x12345678
  mov ax, ds
  mov eax, cs
  mov ds, ax
  mov es, eax
  mov [bx], es
  mov ss, [si]
  mov word [ebx], fs
  mov gs, word [eax]
  movzx ax, bl
  movzx eax, bl
  movzx eax, word [bx]
  movsx cx, byte [si]
  movsx edx, ax
  movsx ebx, byte [eax]
  xchg ax, bx
  xchg bx, ax
  xchg eax, ecx
  xchg al, bl
  xchg ecx, edx
  xchg [bx], al
  xchg eax, [ebx]
  test al, bl
  test ax, bx
  test eax, [ebx]
  test [bx], cl
  test al, 1
  test ax, 0x100
  test ecx, 4
  test byte [bx], 1
  test dword [eax], 0x10000
  lea ax, [bx+si+4]
  lea eax, [ebx+ecx*8-4]
  lea esi, [eax*2]
  lea edi, [ebx*3]
  lea ecx, [eax*5+1]
  lea edx, [ebp*9]
  lea eax, [esp]
  lea eax, [eax+esp]
  lds si, [bx]
  les di, [bp+2]
  lfs eax, [ebx]
  lgs dx, [si]
  lss esp, [eax]
  in al, 0x60
  in ax, 0x70
  in eax, 0x80
  in al, dx
  in ax, dx
  in eax, dx
  out 0xE9, al
  out 0x80, ax
  out 0x90, eax
  out dx, al
  out dx, ax
  out dx, eax
  bound ax, [bx]
  bound eax, [esi]
  arpl [bx], ax
  arpl cx, dx
  mov ax, [bx]
  mov ax, [bx+5]
  mov ax, [bx-5]
  mov ax, [bx+0x300]
  mov ax, [bx-0x300]
  mov ax, [si]
  mov ax, [si+5]
  mov ax, [si-5]
  mov ax, [si+0x300]
  mov ax, [si-0x300]
  mov ax, [di]
  mov ax, [di+5]
  mov ax, [di-5]
  mov ax, [di+0x300]
  mov ax, [di-0x300]
  mov ax, [bp]
  mov ax, [bp+5]
  mov ax, [bp-5]
  mov ax, [bp+0x300]
  mov ax, [bp-0x300]
  mov ax, [bx+si]
  mov ax, [bx+si+5]
  mov ax, [bx+si-5]
  mov ax, [bx+si+0x300]
  mov ax, [bx+si-0x300]
  mov ax, [bx+di]
  mov ax, [bx+di+5]
  mov ax, [bx+di-5]
  mov ax, [bx+di+0x300]
  mov ax, [bx+di-0x300]
  mov ax, [bp+si]
  mov ax, [bp+si+5]
  mov ax, [bp+si-5]
  mov ax, [bp+si+0x300]
  mov ax, [bp+si-0x300]
  mov ax, [bp+di]
  mov ax, [bp+di+5]
  mov ax, [bp+di-5]
  mov ax, [bp+di+0x300]
  mov ax, [bp+di-0x300]
  mov ax, [si+bx]
  mov ax, [si+bx+5]
  mov ax, [si+bx-5]
  mov ax, [si+bx+0x300]
  mov ax, [si+bx-0x300]
  mov ax, [di+bp]
  mov ax, [di+bp+5]
  mov ax, [di+bp-5]
  mov ax, [di+bp+0x300]
  mov ax, [di+bp-0x300]
  mov eax, [eax]
  mov eax, [eax+8]
  mov eax, [eax-128]
  mov eax, [eax+128]
  mov eax, [eax+0x12345678]
  mov eax, [ecx]
  mov eax, [ecx+8]
  mov eax, [ecx-128]
  mov eax, [ecx+128]
  mov eax, [ecx+0x12345678]
  mov eax, [edx]
  mov eax, [edx+8]
  mov eax, [edx-128]
  mov eax, [edx+128]
  mov eax, [edx+0x12345678]
  mov eax, [ebx]
  mov eax, [ebx+8]
  mov eax, [ebx-128]
  mov eax, [ebx+128]
  mov eax, [ebx+0x12345678]
  mov eax, [esp]
  mov eax, [esp+8]
  mov eax, [esp-128]
  mov eax, [esp+128]
  mov eax, [esp+0x12345678]
  mov eax, [ebp]
  mov eax, [ebp+8]
  mov eax, [ebp-128]
  mov eax, [ebp+128]
  mov eax, [ebp+0x12345678]
  mov eax, [esi]
  mov eax, [esi+8]
  mov eax, [esi-128]
  mov eax, [esi+128]
  mov eax, [esi+0x12345678]
  mov eax, [edi]
  mov eax, [edi+8]
  mov eax, [edi-128]
  mov eax, [edi+128]
  mov eax, [edi+0x12345678]
  mov eax, [ebx+eax*1]
  mov eax, [eax*1+0x10]
  mov eax, [ebx+eax*2]
  mov eax, [eax*2+0x10]
  mov eax, [ebx+eax*4]
  mov eax, [eax*4+0x10]
  mov eax, [ebx+eax*8]
  mov eax, [eax*8+0x10]
  mov eax, [ebx+ecx*1]
  mov eax, [ecx*1+0x10]
  mov eax, [ebx+ecx*2]
  mov eax, [ecx*2+0x10]
  mov eax, [ebx+ecx*4]
  mov eax, [ecx*4+0x10]
  mov eax, [ebx+ecx*8]
  mov eax, [ecx*8+0x10]
  mov eax, [ebx+edx*1]
  mov eax, [edx*1+0x10]
  mov eax, [ebx+edx*2]
  mov eax, [edx*2+0x10]
  mov eax, [ebx+edx*4]
  mov eax, [edx*4+0x10]
  mov eax, [ebx+edx*8]
  mov eax, [edx*8+0x10]
  mov eax, [ebx+ebx*1]
  mov eax, [ebx*1+0x10]
  mov eax, [ebx+ebx*2]
  mov eax, [ebx*2+0x10]
  mov eax, [ebx+ebx*4]
  mov eax, [ebx*4+0x10]
  mov eax, [ebx+ebx*8]
  mov eax, [ebx*8+0x10]
  mov eax, [ebx+ebp*1]
  mov eax, [ebp*1+0x10]
  mov eax, [ebx+ebp*2]
  mov eax, [ebp*2+0x10]
  mov eax, [ebx+ebp*4]
  mov eax, [ebp*4+0x10]
  mov eax, [ebx+ebp*8]
  mov eax, [ebp*8+0x10]
  mov eax, [ebx+esi*1]
  mov eax, [esi*1+0x10]
  mov eax, [ebx+esi*2]
  mov eax, [esi*2+0x10]
  mov eax, [ebx+esi*4]
  mov eax, [esi*4+0x10]
  mov eax, [ebx+esi*8]
  mov eax, [esi*8+0x10]
  mov eax, [ebx+edi*1]
  mov eax, [edi*1+0x10]
  mov eax, [ebx+edi*2]
  mov eax, [edi*2+0x10]
  mov eax, [ebx+edi*4]
  mov eax, [edi*4+0x10]
  mov eax, [ebx+edi*8]
  mov eax, [edi*8+0x10]
  mov eax, [ebp+eax]
  mov eax, [eax+ebp]
  mov eax, [esp+eax*2+1]
  mov eax, [eax*1+ebx]
  mov eax, [ebx+eax*1]
  mov ax, [es:bx]
  mov ax, es:[bx]
  mov eax, [fs:eax]
  mov [gs:0x10], al
  mov [cs:bx+si], cl
  mov [ss:ebp], eax
  mov [ds:esi], edx
  mov eax, [dword 0x10]
  mov ax, [word 0x10]
  mov eax, [byte eax+1]
  mov eax, [dword eax+1]
  mov ax, [word bp]
  mov ax, [byte bx+2]
  a32 mov ax, [0x10]
  a16 mov eax, [0x10]
  o16 mov ax, bx
  o32 mov eax, ebx
  o16 nop
  o32 nop
  a32 nop
  clts
  invd
  wbinvd
  rdmsr
  wrmsr
  rdtsc
  rdpmc
  cpuid
  rsm
  sysenter
  sysexit
  lgdt [bx]
  lidt [eax]
  sgdt [si]
  sidt [edi+4]
  o32 lgdt [cs:bx]
  o16 lidt [0x100]
  lldt ax
  lldt [bx]
  sldt ax
  sldt eax
  sldt [bx]
  ltr cx
  ltr [si]
  str dx
  str edx
  str [di]
  lmsw ax
  lmsw [bx]
  smsw ax
  smsw eax
  smsw [bx]
  invlpg [eax]
  invlpg [bx+si]
  lar ax, bx
  lar eax, bx
  lar eax, ecx
  lar ax, [bx]
  lsl ax, bx
  lsl eax, ebx
  lsl eax, [ebx]
  verr ax
  verr [bx]
  verw cx
  verw [si]
  mov eax, cr0
  mov cr0, ebx
  mov eax, cr2
  mov cr2, ebx
  mov eax, cr3
  mov cr3, ebx
  mov eax, cr4
  mov cr4, ebx
  mov ecx, dr0
  mov dr0, edx
  mov ecx, dr1
  mov dr1, edx
  mov ecx, dr2
  mov dr2, edx
  mov ecx, dr3
  mov dr3, edx
  mov ecx, dr6
  mov dr6, edx
  mov ecx, dr7
  mov dr7, edx
  mov eax, tr6
  mov tr7, ebx
  vmcall
  vmlaunch
  vmresume
  vmxoff
  vmfunc
  vmxon [bx]
  vmxon [eax]
  vmptrld [esi]
  vmptrst [edi]
  vmclear [ebx+8]
  vmread eax, ebx
  vmread [eax], ecx
  vmwrite ecx, edx
  vmwrite ebx, [esi]
  invept eax, [ebx]
  invvpid ecx, [edx]
  pause
  cmpxchg8b [bx]
  rdtscp
  popcnt ax, bx
  popcnt eax, [ebx]
  lzcnt ecx, edx
  tzcnt ax, [bx]
  movbe eax, [ebx]
  crc32 eax, bl
  crc32 eax, dword [ebx]
  nop ax
  nop dword [eax]
  ud0 eax, ebx
  ud1 eax, [ebx]
  prefetchnta [eax]
  clflush [ebx]
  lfence
  mfence
  sfence
