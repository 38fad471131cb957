; exceptions: CPU exceptions delivered through a real-mode IVT the guest installs in RAM, and
; through a protected-mode IDT in RAM: #DE (vector 0) from DIV by zero (8/16/32-bit, register and
; memory), IDIV quotient overflow (-128/-1, -32768/-1, -2^31/-1, AX=7F00/1), DIV quotient overflow,
; AAM 0; #UD (6) from UD2, LOCK on a non-lockable instruction (CMP, NOP) or with a register
; destination (INC, ADD) - not LOCK MOV / LOCK LEA, which QEMU 7.2 executes without #UD (see
; KnownQemuDifferences in QemuDifferentialTests.cs); #BR (5)
; from BOUND out of range (below, above; 16/32-bit); INT3 (3) and INTO with OF=1 (4) as traps.
; The handler prints the vector, the pushed CS:IP (faults point at the faulting instruction,
; traps after it), the pushed FLAGS (masked 0x0FD5) and the registers the instruction must not
; have changed, then resumes at the address the test stored in RESUME.
%include "rom.inc"
%include "testlib.inc"

%define RESUME 0x6E0
%define IDTRAM 0x0800
%define F_INT 0x0FD5

CODE16
%macro RM_HANDLER 1
rmh_%1:
  push bp
  mov bp, sp
  push ax
  PRINT "  -> vector ", %str(%1), " at "
  PHEX16 [bp+4]
  PCHAR ':'
  PHEX16 [bp+2]
  PRINT " FL="
  mov ax, [bp+6]
  and ax, F_INT
  PHEX16 ax
  mov ax, [RESUME]
  mov [bp+2], ax
  pop ax
  pop bp
  SP_
  PREG eax, edx
  NL
  iret
%endmacro
RM_HANDLER 0
RM_HANDLER 3
RM_HANDLER 4
RM_HANDLER 5
RM_HANDLER 6

; XT "label", flagsin: set RESUME to the end of the test, flags, print label
%macro XT 2
  %push xt
  PRINT %1, ":"
  %if __?BITS?__ == 16
    mov word [RESUME], %$resume
  %else
    mov dword [RESUME], %$resume
  %endif
  push dword %2
  popfd
%endmacro
%macro XEND 0
%$resume:
  PRINTLN " (resumed)"
  %pop
%endmacro

%macro TESTS 0
  XT "div bl, bl=0 (AX=1234)", 0x0893
  mov eax, 0x11111234
  mov edx, 0x22222222
  mov bl, 0
  div bl
  XEND
  XT "div word [m]=0 (DX:AX=1:0)", 0x0002
  mov eax, 0x11110000
  mov edx, 0x22220001
  mov word [DATA0], 0
  div word [DATA0]
  XEND
  XT "div ecx=0", 0x08D7
  mov eax, 5
  mov edx, 0
  mov ecx, 0
  div ecx
  XEND
  XT "idiv bl: AX=FF80 (-128) / -1", 0x0002
  mov eax, 0x3333FF80
  mov edx, 0x44444444
  mov bl, -1
  idiv bl
  XEND
  XT "idiv bx: DX:AX=FFFF:8000 / -1", 0x0002
  mov eax, 0x33338000
  mov edx, 0x4444FFFF
  mov bx, -1
  idiv bx
  XEND
  XT "idiv dword [m]: EDX:EAX=-2^31 / -1", 0x0893
  mov eax, 0x80000000
  mov edx, 0xFFFFFFFF
  mov dword [DATA0], -1
  idiv dword [DATA0]
  XEND
  XT "idiv bl: AX=7F00 / 1 (positive overflow)", 0x0002
  mov eax, 0x00007F00
  mov edx, 0
  mov bl, 1
  idiv bl
  XEND
  XT "div bx: DX:AX=1:0000 / 1 (quotient > FFFF)", 0x0002
  mov eax, 0
  mov edx, 1
  mov bx, 1
  div bx
  XEND
  XT "div ebx: EDX:EAX=5:0 / 5", 0x0002
  mov eax, 0
  mov edx, 5
  mov ebx, 5
  div ebx
  XEND
  XT "aam 0 (D4 00)", 0x0002
  mov eax, 0x1234
  mov edx, 0
  aam 0
  XEND
  XT "ud2", 0x08D7
  mov eax, 0x55
  mov edx, 0x66
  ud2
  XEND
  XT "lock cmp [m],eax (F0 39: CMP is not lockable)", 0x0002
  mov eax, 0x77
  %if __?BITS?__ == 16
    db 0xF0, 0x66, 0x39, 0x06
    dw DATA0
  %else
    db 0xF0, 0x39, 0x05
    dd DATA0
  %endif
  XEND
  XT "lock nop (F0 90)", 0x0002
  db 0xF0, 0x90
  XEND
  XT "lock inc eAX (F0 40: register operand)", 0x0002
  db 0xF0, 0x40
  XEND
  XT "lock add eax,ebx (register destination)", 0x0002
  mov eax, 1
  mov ebx, 2
  db 0xF0, 0x01, 0xD8
  XEND
  XT "bound ax: below (lo=10 hi=20, ax=9)", 0x0002
  mov word [DATA0], 10
  mov word [DATA0+2], 20
  mov eax, 9
  bound ax, [DATA0]
  XEND
  XT "bound ax: above (ax=21)", 0x0893
  mov eax, 21
  bound ax, [DATA0]
  XEND
  XT "bound eax: below, signed (lo=-5 hi=5, eax=-6)", 0x0002
  mov dword [DATA1], -5
  mov dword [DATA2], 5
  mov eax, -6
  bound eax, [DATA1]
  XEND
  XT "bound eax: above (eax=80000000 is below -5? signed: yes)", 0x0002
  mov eax, 0x80000000
  bound eax, [DATA1]
  XEND
  XT "int3 (trap: IP after CC)", 0x08D7
  int3
  XEND
  XT "into with OF=1 (trap)", 0x0802
  into
  XEND
  XT "into with OF=0 (no exception)", 0x0002
  into
  XEND
%endmacro

%macro TESTS_RM 0
  mov word [0*4], rmh_0
  mov word [3*4], rmh_3
  mov word [4*4], rmh_4
  mov word [5*4], rmh_5
  mov word [6*4], rmh_6
  TESTS
%endmacro

CODE32
%macro PM_HANDLER 1
pmh_%1:
  push ebp
  mov ebp, esp
  push eax
  PRINT "  -> vector ", %str(%1), " at "
  PHEX16 [ebp+8]
  PCHAR ':'
  PHEX32 [ebp+4]
  PRINT " EFL="
  mov eax, [ebp+12]
  and eax, F_INT
  PHEX32 eax
  mov eax, [RESUME]
  mov [ebp+4], eax
  pop eax
  pop ebp
  SP_
  PREG eax, edx
  NL
  iretd
%endmacro
PM_HANDLER 0
PM_HANDLER 3
PM_HANDLER 4
PM_HANDLER 5
PM_HANDLER 6


pm_tests:
  mov esi, rom_idt32
  mov edi, IDTRAM
  mov ecx, 32*8/4
  cld
  rep movsd
  SET_GATE 0, pmh_0
  SET_GATE 3, pmh_3
  SET_GATE 4, pmh_4
  SET_GATE 5, pmh_5
  SET_GATE 6, pmh_6
  lidt [pm_idtr]
  TESTS
  lidt [rom_idtr32]
  ret
pm_idtr:
  dw 32*8 - 1
  dd IDTRAM

ROM_START
  PRINTLN "exceptions: real mode"
  TESTS_RM
  PRINTLN "exceptions: protected mode"
  CALL32 pm_tests
  PRINTLN "exceptions: done"
  EXIT 0
ROM_END
