; int_iret: software interrupts through a real-mode IVT the guest sets up in RAM, and through a
; protected-mode IDT in RAM: INT n (CD), INT3 (CC) vs INT 3 (CD 03), INTO with OF=0 (no trap)
; and OF=1 (vector 4), BOUND with in-range indices (16- and 32-bit, no #BR), IRET/IRETD, a
; handler that edits the saved FLAGS (CF) before returning, a handler in another code segment
; value (real mode: EF00), nested INT, an IRETD through a hand-made 32-bit frame in real mode;
; in PM an interrupt gate and a trap gate (type E / F) with IRETD, a 16-bit interrupt gate
; (type 6: 16-bit frame, IRETW), and - with the PIC masked so that nothing can arrive - IF=1 to
; show that an interrupt gate clears IF and a trap gate does not.
; Handlers print the frame they see: return (E)IP, CS, (E)FLAGS (masked 0x0FD5: no IF/TF ever set
; - an enabled interrupt could arrive from the unprogrammed PIC) and the FLAGS inside the
; handler; the caller prints the flags after the return.
%include "rom.inc"
%include "testlib.inc"

%define IDTRAM 0x0800          ; PM IDT in RAM: 0x50 gates
%define F_INT 0x0FD5

CODE16
; ---------------- real-mode handlers (in ROM, segment F000) ----------------
h_rm:                          ; prints the frame, returns
  pushf
  push bp
  mov bp, sp                   ; [bp+2] flags inside, [bp+4] IP, [bp+6] CS, [bp+8] FLAGS
  push ax
  PRINT "  [handler] IP="
  PHEX16 [bp+4]
  PRINT " CS="
  PHEX16 [bp+6]
  PRINT " FL="
  mov ax, [bp+8]
  and ax, F_INT
  PHEX16 ax
  PRINT " inside F="
  mov ax, [bp+2]
  and ax, F_INT | 0x300
  PHEX16 ax
  PRINT " SP="
  PHEX16 bp
  NL
  pop ax
  pop bp
  popf
  iret
h_rm_far:                      ; runs as EF00:h_rm_far+1000: no calls into F000 code, records only
  push bp
  mov bp, sp
  push ax
  mov ax, cs
  mov [DATA3], ax
  mov ax, [bp+2]
  mov [DATA3+2], ax
  mov ax, [bp+4]
  mov [DATA2], ax
  pop ax
  pop bp
  iret
h_rm_setcf:                    ; sets CF in the saved FLAGS and changes AX
  push bp
  mov bp, sp
  or word [bp+6], 1
  mov ax, 0xBEEF
  pop bp
  iret
h_rm_nest:                     ; calls INT 40h from inside
  PRINTLN "  [nest] outer handler, calling int 40h"
  int 0x40
  PRINTLN "  [nest] back in outer handler"
  iret

%macro TESTS_RM 0
  ; IVT entries: 40h -> h_rm, 41h -> h_rm_setcf, 42h -> h_rm_nest, 43h -> EF00:h_rm+1000,
  ; 3 and 4 -> h_rm (vector 3/4 default entries point at the unexpected-exception stubs)
  mov word [0x40*4], h_rm
  mov word [0x40*4+2], 0xF000
  mov word [0x41*4], h_rm_setcf
  mov word [0x41*4+2], 0xF000
  mov word [0x42*4], h_rm_nest
  mov word [0x42*4+2], 0xF000
  mov word [0x43*4], h_rm_far + 0x1000
  mov word [0x43*4+2], 0xEF00
  mov word [3*4], h_rm
  mov word [3*4+2], 0xF000
  mov word [4*4], h_rm
  mov word [4*4+2], 0xF000
  PRINTLN "int 40h with flags 08D7:"
  push word 0x8D7
  popf
  int 0x40
  PRINT "  after: "
  PFLAGS F_INT
  NL
  PRINTLN "int 40h with flags 0002:"
  push word 0x002
  popf
  int 0x40
  PRINT "  after: "
  PFLAGS F_INT
  NL
  PRINT "int 41h (handler sets saved CF, AX=BEEF): "
  clc
  mov ax, 0
  int 0x41
  PREG ax
  PFLAGS F_INT
  NL
  PRINT "int 43h (handler at EF00:xxxx+1000): handler saw CS, IP, pushed CS: "
  int 0x43
  PHEX16 [DATA3]
  SP_
  PHEX16 [DATA3+2]
  SP_
  PHEX16 [DATA2]
  NL
  PRINTLN "int3 (CC):"
  int3
  PRINTLN "int 3 (CD 03):"
  db 0xCD, 0x03
  PRINTLN "into with OF=0 (nothing):"
  push word 0x0002
  popf
  into
  PRINTLN "into with OF=1:"
  push word 0x0802
  popf
  into
  PRINTLN "nested int 42h -> int 40h:"
  int 0x42
  PRINT "bound ax,[m] in range (lo=-5 hi=10; ax=-5, 0, 10), bound eax (lo=0 hi=7FFFFFFF; eax=7FFFFFFF): "
  mov word [DATA0], -5
  mov word [DATA0+2], 10
  mov ax, -5
  bound ax, [DATA0]
  mov ax, 0
  bound ax, [DATA0]
  mov ax, 10
  bound ax, [DATA0]
  mov dword [DATA1], 0
  mov dword [DATA2], 0x7FFFFFFF
  mov eax, 0x7FFFFFFF
  bound eax, [DATA1]
  PRINTLN "no #BR"
  PRINT "iretd in real mode through a hand-made 32-bit frame (flags 0893): "
  pushfd
  push dword 0x893
  push dword 0xF000
  push dword %%after
  iretd
%%after:
  PFLAGS F_INT
  popfd
  NL
  PRINTLN "real-mode LIDT: IVT moved to 8000h (limit 3FF), int 40h through it:"
  mov word [0x8000 + 0x40*4], h_rm
  mov word [0x8000 + 0x40*4 + 2], 0xF000
  mov word [0x40*4], 0               ; the old table's entry would now be wrong
  o32 lidt [cs:%%idtr8000]
  int 0x40
  o32 lidt [cs:rom_idtr16]
  mov word [0x40*4], h_rm
  jmp %%past_idtr
%%idtr8000:
  dw 0x3FF
  dd 0x8000
%%past_idtr:
  PRINT "iret restoring NT and IOPL in real mode (frame FLAGS 7002, then 0002): "
  push word 0x7002
  push word 0xF000
  push word %%nt1
  iret
%%nt1:
  pushf
  pop ax
  PHEX16 ax
  SP_
  push word 0x0002
  push word 0xF000
  push word %%nt2
  iret
%%nt2:
  pushf
  pop ax
  PHEX16 ax
  NL
  PRINT "iret through a hand-made 16-bit frame to EF00:xxxx+1000, then retf back: "
  push word 0x0046
  push word 0xEF00
  push word %%at_ef00 + 0x1000
  iret
%%at_ef00:
  mov word [DATA0], cs
  pushf
  pop word [DATA0+2]
  push word 0xF000
  push word %%back
  retf
%%back:
  PRINT "CS there="
  PHEX16 [DATA0]
  PRINT " FLAGS there="
  PHEX16 [DATA0+2]
  SP_
  PREG cs
  NL
%endmacro

CODE32
; ---------------- protected-mode handlers ----------------
h_pm:
  pushfd
  push ebp
  mov ebp, esp                 ; [ebp+4] flags inside, [ebp+8] EIP, [ebp+12] CS, [ebp+16] EFLAGS
  push eax
  PRINT "  [handler] EIP="
  PHEX32 [ebp+8]
  PRINT " CS="
  PHEX16 [ebp+12]
  PRINT " EFL="
  mov eax, [ebp+16]
  and eax, F_INT | 0x200
  PHEX32 eax
  PRINT " inside F="
  mov eax, [ebp+4]
  and eax, F_INT | 0x300
  PHEX16 ax
  PRINT " ESP="
  PHEX32 ebp
  NL
  pop eax
  pop ebp
  popfd
  iretd
h_pm_setcf:
  or dword [esp+8], 1
  mov eax, 0xBEEF
  iretd


pm_tests:
  ; copy the 32 exception gates of the ROM IDT, add ours
  mov esi, rom_idt32
  mov edi, IDTRAM
  mov ecx, 32*8/4
  cld
  rep movsd
  SET_GATE 3, h_pm, 0x8E
  SET_GATE 4, h_pm, 0x8E
  SET_GATE 0x40, h_pm, 0x8E
  SET_GATE 0x41, h_pm_setcf, 0x8E
  SET_GATE 0x42, h_pm, 0x8F
  lidt [pm_idtr]
  cld
  PRINTLN "int 40h (interrupt gate) with flags 08D7:"
  push dword 0x8D7
  popfd
  int 0x40
  PRINT "  after: "
  PFLAGS F_INT
  NL
  PRINTLN "int 42h (trap gate) with flags 0002:"
  push dword 0x002
  popfd
  int 0x42
  PRINT "  after: "
  PFLAGS F_INT
  NL
  PRINT "int 41h (handler sets saved CF, EAX=BEEF): "
  clc
  mov eax, 0
  int 0x41
  PREG eax
  PFLAGS F_INT
  NL
  PRINTLN "int3 (CC):"
  int3
  PRINTLN "int 3 (CD 03):"
  db 0xCD, 0x03
  PRINTLN "into with OF=0 (nothing):"
  push dword 0x0002
  popfd
  into
  PRINTLN "into with OF=1:"
  push dword 0x0802
  popfd
  into
  PRINT "bound in range (32-bit and o16): "
  mov dword [DATA1], -3
  mov dword [DATA2], 3
  mov eax, -3
  bound eax, [DATA1]
  mov eax, 3
  bound eax, [DATA1]
  mov word [DATA0], 0x8000
  mov word [DATA0+2], 0x7FFF
  mov ax, 0x8000
  bound ax, [DATA0]
  PRINTLN "no #BR"
  PRINT "iretd through a hand-made frame (flags 0893): "
  pushfd
  push dword 0x893
  push dword 0x08
  push dword pm_after
  iretd
pm_after:
  PFLAGS F_INT
  popfd
  NL
  ; 16-bit interrupt gate (type 6): 16-bit frame, handler in RAM below 64 KiB ends with IRETW
  mov esi, h16_tmpl
  mov edi, 0x3000
  mov ecx, h16_end - h16_tmpl
  rep movsb
  mov word [IDTRAM + 0x43*8], 0x3000
  mov word [IDTRAM + 0x43*8 + 2], 0x08
  mov word [IDTRAM + 0x43*8 + 4], 0x8600
  mov word [IDTRAM + 0x43*8 + 6], 0
  mov byte [0x3100], 0xCD         ; caller in RAM below 64 KiB (a 16-bit frame holds IP only):
  mov byte [0x3101], 0x43         ; int 43h; ret
  mov byte [0x3102], 0xC3
  PRINT "int 43h (called from 3100h) through a 16-bit interrupt gate: before "
  PREG esp
  mov eax, 0x3100
  call eax
  PRINT "after "
  PREG esp
  PRINT " frame words IP CS FLAGS: "
  PHEX16 [DATA1]
  SP_
  PHEX16 [DATA1+2]
  SP_
  mov ax, [DATA1+4]
  and ax, F_INT
  PHEX16 ax
  PRINT " ESP inside: "
  PHEX32 [DATA3]
  NL
  ; IF=1 with the PIC masked (no interrupt can arrive): interrupt gate clears IF, trap gate keeps it
  mov al, 0xFF
  out 0x21, al
  out 0xA1, al
  PRINTLN "PIC masked, STI; int 40h (interrupt gate: IF cleared inside), int 42h (trap gate: IF kept):"
  sti
  int 0x40
  int 0x42
  PRINT "  after: "
  PFLAGS F_INT | 0x200
  cli
  PFLAGS F_INT | 0x200
  NL
  lidt [rom_idtr32]
  ret
h16_tmpl:                        ; copied to 3000h; runs in the 32-bit code segment
  mov [DATA3], esp
  push eax
  mov eax, [esp+4]
  mov [DATA1], eax
  mov ax, [esp+8]
  mov [DATA1+4], ax
  pop eax
  o16 iret
h16_end:
pm_idtr:
  dw 0x50*8 - 1
  dd IDTRAM

ROM_START
  PRINTLN "int_iret: real mode"
  TESTS_RM
  PRINTLN "int_iret: protected mode"
  CALL32 pm_tests
  PRINTLN "int_iret: done"
  EXIT 0
ROM_END
