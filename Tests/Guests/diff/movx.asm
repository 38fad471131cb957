; movx: data movement without arithmetic: MOV in all its forms (88/89/8A/8B register and memory,
; B0-B7/B8-BF reg,imm, C6/C7 r/m,imm, A0-A3 moffs, 8C/8E segment registers), MOVZX/MOVSX
; (0F B6/B7/BE/BF, register and memory sources), XCHG (86/87, 90+r with (E)AX, memory), BSWAP
; (0F C8+r, every register but ESP), CBW/CWDE/CWD/CDQ, XLAT (also with a32 and a segment
; override), LAHF/SAHF. Real mode and 32-bit flat protected mode.
; Flags: none of these affect flags except SAHF (loads SF ZF AF PF CF from AH; OF unchanged) ->
; everything printed with mask 0x8D5, flags in 0x8D7 or 0x002.
%include "rom.inc"
%include "testlib.inc"

%define XTAB 0x1200

%macro TESTS 0
  STDTABLES
  TABLE fl, 0x002, 0x003, 0x006, 0x012, 0x042, 0x082, 0x802, 0x8D7, 0x0D7, 0x8D6
  TABLE_RANGE ah8, 0, 256, 1
  TABLE xl, 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF
  TEST "mov r,r 8/16/32: mov cl,al; mov ch,ah; mov dx,ax; mov esi,eax; mov di,si; mov bp,ax", 32, 32, 0x8D7, F_ARITH, O_ECX|O_EDX|O_ESI|O_EDI|O_EBP
    mov cl, al
    mov ch, ah
    mov dx, ax
    mov esi, eax
    mov di, si
    mov bp, ax
  ENDT small32
  TEST "mov r,r alternate encodings 8A/8B: mov cl,al; mov dx,ax; mov esi,eax", 32, 32, 0x002, F_ARITH, O_ECX|O_EDX|O_ESI
    db 0x8A, 0xC8              ; mov cl, al (8A /r)
    %if __?BITS?__ == 32
      db 0x66
    %endif
    db 0x8B, 0xD0              ; mov dx, ax (8B /r)
    %if __?BITS?__ == 16
      db 0x66
    %endif
    db 0x8B, 0xF0              ; mov esi, eax
  ENDT small32
  TEST "mov m,r / r,m: [m0]<-al,[m0+1]<-bh, [m1]<-ax, ecx<-[m0], dx<-[m1+2], bl<-[m0+3]", 32, 32, 0x002, F_ARITH, O_EBX|O_ECX|O_EDX|O_M0|O_M1
    mov [DATA0], al
    mov [DATA0+1], bh
    mov [DATA1], ax
    mov ecx, [DATA0]
    mov dx, [DATA1+2]
    mov bl, [DATA0+3]
  ENDT small32, small32
  TEST "mov r,imm (B0-BF): al,12 ah,34 bx,5678 ecx,9ABCDEF0 dh,FF esi,80000000 di,7FFF ebp,1", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_ESI|O_EDI|O_EBP
    mov al, 0x12
    mov ah, 0x34
    mov bx, 0x5678
    mov ecx, 0x9ABCDEF0
    mov dh, 0xFF
    mov esi, 0x80000000
    mov di, 0x7FFF
    mov ebp, 1
  ENDT one
  TEST "mov r/m,imm (C6/C7): byte [m0+1],AB; word [m0+2],CDEF; dword [m1],12345678; C7 reg form", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_ECX
    mov byte [DATA0+1], 0xAB
    mov word [DATA0+2], 0xCDEF
    mov dword [DATA1], 0x12345678
    %if __?BITS?__ == 16
      db 0x66
    %endif
    db 0xC7, 0xC1, 0x78, 0x56, 0x34, 0x12   ; mov ecx, 12345678 (C7 /0 register form)
  ENDT small32
  TEST "mov moffs (A0-A3): al<-[m1], ax<-[m1], eax<-[m1], [m0]<-al, [m0+1]<-ax, [m2]<-eax", 32, 32, 0x002, F_ARITH, O_EAX|O_ECX|O_EDX|O_M0|O_M2
    mov al, [DATA1]
    mov cl, al
    mov ax, [DATA1]
    mov dx, ax
    mov eax, [DATA1]
    mov [DATA0], al
    mov [DATA0+1], ax
    mov [DATA2], eax
  ENDT small32, small32
  TEST "mov sreg: es<-ax (8E), bx<-es (8C), [m0]<-es (8C mem), fs<-[m1], dx<-fs, gs<-cx", 16, 16, 0x002, F_ARITH, O_EBX|O_EDX|O_M0
    %if __?BITS?__ == 16
      mov ax, 0x1234
      mov es, ax
      mov bx, es
      mov [DATA0], es
      mov word [DATA1], 0x0050
      mov fs, [DATA1]
      mov dx, fs
      mov cx, 0x0060
      mov gs, cx
      mov cx, gs
      mov ax, 0
      mov es, ax
      mov fs, ax
      mov gs, ax
    %else
      mov ax, 0x10
      mov es, ax
      mov bx, es
      mov [DATA0], es
      mov word [DATA1], 0x0010
      mov fs, [DATA1]
      mov dx, fs
      mov cx, 0x0010
      mov gs, cx
      mov cx, gs
    %endif
  ENDT one
  TEST "mov m16,ds (8C memory form writes 16 bits); mov ax,ss", 32, 32, 0x002, F_ARITH, O_M0
    mov word [DATA0], ds
    mov ax, ss
    mov [DATA0+2], ax
  ENDT one
  TEST "movzx: ax<-bl, ecx<-bl, edx<-bx, si<-[m1] byte, edi<-[m1] byte, ebp<-[m1] word", 32, 32, 0x8D7, F_ARITH, O_EAX|O_ECX|O_EDX|O_ESI|O_EDI|O_EBP
    movzx ax, bl
    movzx ecx, bl
    movzx edx, bx
    movzx si, byte [DATA1]
    movzx edi, byte [DATA1]
    movzx ebp, word [DATA1]
  ENDT one, v32
  TEST "movsx: ax<-bl, ecx<-bl, edx<-bx, si<-[m1] byte, edi<-[m1] byte, ebp<-[m1] word", 32, 32, 0x002, F_ARITH, O_EAX|O_ECX|O_EDX|O_ESI|O_EDI|O_EBP
    movsx ax, bl
    movsx ecx, bl
    movsx edx, bx
    movsx si, byte [DATA1]
    movsx edi, byte [DATA1]
    movsx ebp, word [DATA1]
  ENDT one, v32
  TEST "movzx/movsx with ah/bh/ch/dh sources: movzx eax,bh; movsx cx,bh; movzx edx,ah", 32, 32, 0x002, F_ARITH, O_EAX|O_ECX|O_EDX
    mov bh, al
    mov ah, al
    movzx edx, ah
    movzx eax, bh
    movsx cx, bh
  ENDT v8
  TEST "xchg r8: xchg al,bl; xchg ch,ah; xchg dl,dh", 32, 32, 0x8D7, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX
    mov ecx, 0x11223344
    mov edx, 0x55667788
    xchg al, bl
    xchg ch, ah
    xchg dl, dh
  ENDT small32, small32
  TEST "xchg r16/r32 short forms (90+r): xchg ax,bx; xchg eax,ecx; xchg dx,ax; xchg eax,ebp", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_EBP
    mov ecx, 0x11223344
    mov edx, 0x55667788
    mov ebp, 0x99AABBCC
    xchg ax, bx
    xchg eax, ecx
    xchg dx, ax
    xchg eax, ebp
  ENDT small32, small32
  TEST "xchg 87 /r: xchg esi,edi; xchg si,bx; xchg with memory: [m0],ecx (32) [m1],dx (16) [m1+3],ah", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_ESI|O_EDI|O_M0|O_M1
    mov esi, 0x01020304
    mov edi, 0x05060708
    mov ecx, 0x11223344
    mov edx, 0x55667788
    xchg esi, edi
    xchg si, bx
    xchg [DATA0], ecx
    xchg [DATA1], dx
    xchg [DATA1+3], ah
  ENDT small32, small32
  TEST "bswap eax, ebx, ecx, edx, esi, edi, ebp (twice: identity)", 32, 32, 0x8D7, F_ARITH, O_ALL
    mov ebx, eax
    mov ecx, eax
    mov edx, eax
    mov esi, eax
    mov edi, eax
    mov ebp, eax
    bswap eax
    bswap ebx
    bswap ecx
    bswap edx
    bswap esi
    bswap edi
    bswap ebp
    bswap ebp
  ENDT v32
  TEST "cbw; cwde (EAX), cwd (DX:AX from the cwde'd AX) ; cdq (EDX:EAX) into ESI:EDI", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_EDX|O_ESI|O_EDI
    mov ebx, eax
    mov edx, 0x11111111
    cbw
    mov ebx, eax
    mov eax, [DATA0]
    cwde
    cwd
    mov esi, edx
    mov eax, [DATA0]
    cdq
    mov edi, edx
  ENDT v32
  TEST "xlat table init (XTAB[i] = i*3 XOR 5A)", 32, 32, 0x002, F_ARITH, O_ECX
    xor ecx, ecx
  %%fill:
    mov eax, ecx
    lea eax, [eax+eax*2]
    xor al, 0x5A
    mov [ecx + XTAB], al
    inc ecx
    cmp ecx, 256
    jb %%fill
  ENDT one
  TEST "xlat (d7): al <- [bx+al] with bx=XTAB (real: 16-bit BX; protected: EBX)", 8, 8, 0x8D7, F_ARITH, O_EAX
    mov ebx, XTAB
    xlatb
  ENDT xl
  TEST "a32 xlat (EBX) in real mode / a16 xlat (BX) in protected mode", 8, 8, 0x002, F_ARITH, O_EAX
    mov ebx, XTAB
    %if __?BITS?__ == 16
      a32 xlatb
    %else
      a16 xlatb
    %endif
  ENDT xl
  TEST "es xlat with ES = DS (segment override accepted)", 8, 8, 0x002, F_ARITH, O_EAX
    mov ebx, XTAB
    es xlatb
  ENDT xl
  TEST "sahf (AH = a; OF from flags in must survive)", 16, 16, 0x802, F_ARITH, O_EAX
    mov ah, al
    sahf
  ENDT ah8
  TEST "lahf (a = EFLAGS loaded)", 32, 32, 0x002, F_ARITH, O_EAX
    push eax
    popfd
    mov eax, 0x12345678
    lahf
  ENDT fl
%endmacro

ROM_START
  PRINTLN "movx: real mode"
  TESTS
  PRINTLN "movx: protected mode"
  CALL32 pm_tests
  PRINTLN "movx: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
