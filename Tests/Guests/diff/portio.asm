; portio: byte port I/O through the debug console port E9h (OUT imm8 / OUT DX, IN imm8 / IN DX
; return E9h), string I/O: REP OUTSB forward and backward (DF=1 prints the text reversed), with a
; segment override on the source and with the other address size (67h), REP INSB filling memory
; with E9h bytes (ES:DI, both directions), count 0. Real mode and 32-bit flat protected mode.
; Only byte accesses to E9h: QEMU's isa-debugcon ignores word/dword writes and reads them as 0
; (a device property; see KnownQemuDifferences "debugcon-byte-only").
%include "rom.inc"
%include "testlib.inc"

%define TXT 0x2000
%define BUF 0x2100

%macro TESTS 0
  ; text at TXT: "Hello, E9!"
  mov dword [TXT], 'Hell'
  mov dword [TXT+4], 'o, E'
  mov word [TXT+8], '9!'
  PRINT "out imm8: "
  mov al, 'X'
  out 0xE9, al
  PRINT " out dx: "
  mov dx, 0xE9
  mov al, 'Y'
  out dx, al
  PRINT " in al,E9: "
  mov al, 0
  in al, 0xE9
  PHEX8 al
  PRINT " in al,dx: "
  mov eax, 0x12345600
  in al, dx
  PHEX32 eax
  NL
  PRINT "rep outsb (10): "
  mov esi, TXT
  %if __?BITS?__ == 16
    mov cx, 10
  %else
    mov ecx, 10
  %endif
  cld
  rep outsb
  PRINT " | ESI="
  PHEX32 esi
  SP_
  PREG ecx
  NL
  PRINT "std; rep outsb from the end (10): "
  mov esi, TXT + 9
  %if __?BITS?__ == 16
    mov cx, 10
  %else
    mov ecx, 10
  %endif
  std
  rep outsb
  cld
  PRINT " | ESI="
  PHEX32 esi
  NL
  PRINT "outsb x3 without rep, then rep outsb with count 0: "
  mov esi, TXT
  outsb
  outsb
  outsb
  mov ecx, 0
  rep outsb
  PRINT " | ESI="
  PHEX32 esi
  NL
  PRINT "other address size: "
  %if __?BITS?__ == 16
    mov esi, TXT + 7
    mov ecx, 3
    a32 rep outsb
  %else
    mov esi, 0xABCD0000 + TXT + 7
    mov ecx, 0xABCD0003
    a16 rep outsb
  %endif
  PRINT " | ESI="
  PHEX32 esi
  SP_
  PREG ecx
  NL
  PRINT "segment override (real mode: FS=0200 -> base 2000; PM: FS flat): "
  %if __?BITS?__ == 16
    mov ax, 0x0200
    mov fs, ax
    mov esi, 0
    mov cx, 5
    fs rep outsb
    mov ax, 0
    mov fs, ax
  %else
    mov esi, TXT
    mov ecx, 5
    fs rep outsb
  %endif
  NL
  PRINT "rep insb (6) into BUF, then std; insb x2 at BUF+9,8: "
  mov dword [BUF], 0
  mov dword [BUF+4], 0
  mov dword [BUF+8], 0
  mov edi, BUF
  %if __?BITS?__ == 16
    mov cx, 6
  %else
    mov ecx, 6
  %endif
  rep insb
  mov edi, BUF + 9
  std
  insb
  insb
  cld
  PHEX32 [BUF]
  SP_
  PHEX32 [BUF+4]
  SP_
  PHEX32 [BUF+8]
  PRINT " EDI="
  PHEX32 edi
  NL
%endmacro

ROM_START
  PRINTLN "portio: real mode"
  TESTS
  PRINTLN "portio: protected mode"
  CALL32 pm_tests
  PRINTLN "portio: done"
  EXIT 0

CODE32
pm_tests:
  TESTS
  ret

ROM_END
