; xadd_cmpxchg: XADD (0F C0/C1) and CMPXCHG (0F B0/B1) 8/16/32-bit with register and memory
; destinations, CMPXCHG8B (0F C7 /1) equal and not-equal cases, and the LOCK prefix on every
; lockable read-modify-write form (ADD ADC SUB SBB AND OR XOR with reg and imm, INC DEC NOT NEG,
; BTS BTR BTC, XADD, CMPXCHG, CMPXCHG8B, XCHG) - same results as without LOCK.
; Real mode and 32-bit flat PM.
; Flags: XADD as ADD, CMPXCHG as CMP of the accumulator with the destination -> all six defined
; (SDM Vol. 2 XADD, CMPXCHG) -> 0x8D5. CMPXCHG8B: "The ZF flag is set if the destination operand
; and EDX:EAX are equal; otherwise it is cleared. The CF, PF, AF, SF, and OF flags are
; unaffected." -> 0x8D5 with known flags in.
%include "rom.inc"
%include "testlib.inc"

%macro TESTS 0
  STDTABLES
  TABLE c8, 0x00, 0x7F, 0x80, 0xFF
  TABLE c16, 0x0000, 0x7FFF, 0x8000, 0xFFFF
  TABLE c32, 0x00000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF
  TEST "xadd bl,al (a=AL, b=BL)", 8, 8, 0x8D7, F_ARITH, O_EAX|O_EBX
    xadd bl, al
  ENDT small8, small8
  TEST "xadd bx,ax", 16, 16, 0x002, F_ARITH, O_EAX|O_EBX
    xadd bx, ax
  ENDT small16, small16
  TEST "xadd ebx,eax", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX
    xadd ebx, eax
  ENDT small32, small32
  TEST "xadd [m1],ah (8-bit high register source)", 8, 8, 0x002, F_ARITH, O_EAX|O_M1
    mov ah, al
    xadd [DATA1], ah
  ENDT small8, small8
  TEST "xadd [m1],cx", 16, 16, 0x002, F_ARITH, O_ECX|O_M1
    mov cx, ax
    xadd [DATA1], cx
  ENDT small16, small16
  TEST "xadd [m1],esi", 32, 32, 0x8D7, F_ARITH, O_ESI|O_M1
    mov esi, eax
    xadd [DATA1], esi
  ENDT small32, small32
  TEST "xadd eax,eax (same register)", 32, 32, 0x002, F_ARITH, O_EAX
    xadd eax, eax
  ENDT small32
  TEST "cmpxchg bl,cl: AL = a, BL = b, CL = 5A", 8, 8, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX
    mov cl, 0x5A
    cmpxchg bl, cl
  ENDT c8, c8
  TEST "cmpxchg bx,cx: AX = a, BX = b, CX = 5A5A", 16, 16, 0x8D7, F_ARITH, O_EAX|O_EBX|O_ECX
    mov cx, 0x5A5A
    cmpxchg bx, cx
  ENDT c16, c16
  TEST "cmpxchg ebx,ecx: EAX = a, EBX = b, ECX = 5A5A5A5A", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX
    mov ecx, 0x5A5A5A5A
    cmpxchg ebx, ecx
  ENDT c32, c32
  TEST "cmpxchg [m1],dh: AL = a, [m1] = b, DH = 5A", 8, 8, 0x002, F_ARITH, O_EAX|O_M1
    mov dh, 0x5A
    cmpxchg [DATA1], dh
  ENDT c8, c8
  TEST "cmpxchg [m1],si: AX = a, [m1] = b", 16, 16, 0x002, F_ARITH, O_EAX|O_M1
    mov si, 0x5A5A
    cmpxchg [DATA1], si
  ENDT c16, c16
  TEST "cmpxchg [m1],edi: EAX = a, [m1] = b", 32, 32, 0x8D7, F_ARITH, O_EAX|O_M1
    mov edi, 0x5A5A5A5A
    cmpxchg [DATA1], edi
  ENDT c32, c32
  TEST "cmpxchg eax,ecx (destination is the accumulator: always equal)", 32, 32, 0x002, F_ARITH, O_EAX|O_ECX
    mov ecx, 0x13579BDF
    cmpxchg eax, ecx
  ENDT c32
  TEST "cmpxchg8b [m0]: m64 = 11223344:55667788 (hi:lo), EDX:EAX = m64 (equal), ECX:EBX = 99AABBCC:DDEEFF00", 32, 32, 0x8D7, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_M0|O_M1
    mov dword [DATA0], 0x55667788
    mov dword [DATA1], 0x11223344
    mov eax, 0x55667788
    mov edx, 0x11223344
    mov ebx, 0xDDEEFF00
    mov ecx, 0x99AABBCC
    cmpxchg8b [DATA0]
  ENDT one
  TEST "cmpxchg8b [m0] not equal: low dword differs (EAX = a)", 32, 32, 0x8D7, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_M0|O_M1
    mov dword [DATA0], 0x55667788
    mov dword [DATA1], 0x11223344
    mov edx, 0x11223344
    mov ebx, 0xDDEEFF00
    mov ecx, 0x99AABBCC
    cmpxchg8b [DATA0]
  ENDT small32
  TEST "cmpxchg8b [m0] not equal: high dword differs (EDX = a), flags in clear", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_M0|O_M1
    mov dword [DATA0], 0x55667788
    mov dword [DATA1], 0x11223344
    mov edx, eax
    mov eax, 0x55667788
    mov ebx, 0xDDEEFF00
    mov ecx, 0x99AABBCC
    cmpxchg8b [DATA0]
  ENDT small32
  TEST "cmpxchg8b [m0] equal, flags in clear (ZF must become 1, others stay 0)", 32, 32, 0x002, F_ARITH, O_EAX|O_EDX|O_M0|O_M1
    mov dword [DATA0], 0
    mov dword [DATA1], 0
    xor eax, eax
    xor edx, edx
    push dword 0x002
    popfd
    mov ebx, 0xFFFFFFFF
    mov ecx, 0x80000000
    cmpxchg8b [DATA0]
  ENDT one
  TEST "lock add/adc/sub/sbb/and/or/xor [m0],reg and ,imm (M0..M3 = four chains)", 32, 32, 0x002, F_ARITH, O_M0|O_M1|O_M2|O_M3
    mov [DATA2], eax
    mov [DATA3], eax
    lock add [DATA0], ebx
    lock adc word [DATA0], 0x1234
    lock sub byte [DATA0+3], 0x11
    lock sbb [DATA1], eax
    lock and dword [DATA1], 0xF0F0F0F0
    lock or [DATA2], bx
    lock xor dword [DATA3], strict byte -1
  ENDT small32, small32
  TEST "lock inc/dec/not/neg [m] (8/16/32)", 32, 32, 0x8D7, F_ARITH, O_M0|O_M1|O_M2|O_M3
    mov [DATA2], eax
    mov [DATA3], eax
    lock inc dword [DATA0]
    lock dec word [DATA1]
    lock not byte [DATA2+1]
    lock neg dword [DATA3]
  ENDT small32, small32
  TEST "lock bts/btr/btc [m],reg/imm", 32, 32, 0x002, 0x041, O_M0|O_M1
    mov ecx, 35
    lock bts [DATA0], ecx
    lock btr dword [DATA0], 0
    lock btc word [DATA1], 15
  ENDT small32, small32
  TEST "lock xadd [m1],eax; lock cmpxchg [m0],ecx (EAX = old M1); lock cmpxchg8b [m0]; xchg [m1],edx", 32, 32, 0x002, F_ARITH, O_EAX|O_EBX|O_ECX|O_EDX|O_M0|O_M1
    mov ecx, 0x13579BDF
    mov edx, 0x2468ACE0
    lock xadd [DATA1], eax
    lock cmpxchg [DATA0], ecx
    mov edx, [DATA1]
    mov eax, [DATA0]
    mov ebx, 0x11111111
    mov ecx, 0x22222222
    pushfd                     ; QEMU 7.2 computes CMPXCHG8B's EFLAGS from stale lazy flags when a
    popfd                      ; SUB/CMP/CMPXCHG precedes it (KnownQemuDifferences "qemu-cmpxchg8b-
    lock cmpxchg8b [DATA0]     ; stale-flags"); POPFD makes the flags concrete first
    mov edx, 0x33333333
    xchg [DATA1], edx
  ENDT small32, small32
%endmacro

ROM_START
  PRINTLN "xadd_cmpxchg: real mode"
  TESTS
  PRINTLN "xadd_cmpxchg: protected mode"
  CALL32 pm_tests
  PRINTLN "xadd_cmpxchg: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
