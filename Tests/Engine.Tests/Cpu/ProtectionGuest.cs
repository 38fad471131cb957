using VirtLab.Engine.Tests.Support;

namespace VirtLab.Engine.Tests.CpuTests;

/// <summary>
/// A flat 32-bit protected-mode guest with the system tables a ring test needs, built by the guest
/// itself (nasm source) so the descriptors are exactly the bytes a kernel would write:
/// <code>
/// GDT (0x1000): 08 code0  10 data0  18 code3 (sel 1B)  20 data3 (sel 23)  28 TSS A (0x3000, 32-bit)
///               30 call gate DPL3 -> gate_target, 2 dword params (sel 33)   38 code1 (sel 39)  40 data1 (sel 41)
///               48 LDT (0x5000, 2 entries: 04 data0 base 0x100000, 0C data3)  50 TSS B (0x3800)
///               58 call gate DPL0 -> gate_target (sel 58)  60 call gate DPL3 not present (sel 63)
///               68 data0 read-only  70 data0 expand-down limit 0x0FFF (B=1)  78 code0 execute-only  80 data0 not present
///               88 16-bit call gate DPL3 -> 08:6800 (the test puts a jump to gate16_target there), 1 word param (sel 8B)  90 TSS C 16-bit (0x3C00)
///               98 conforming code DPL0
/// IDT (0x2000, 256 gates, limit 7FF) TSS A: ESP0 0x8000 SS0 10, ESP1 0x7800 SS1 41, I/O bitmap at 0x68 (all clear)
/// </code>
/// Ring-3 stack: 0x6000. The guest's code starts at 'test_body' at CPL 0 with TR = 28 loaded.
/// Macros: SETGATE vector, handler, selector, type (0x8E interrupt, 0x8F trap, 0xEE/0xEF DPL3, 0x85 task);
/// TO_RING3 label (IRET to CS 1B, SS 23, ESP 6000, EFLAGS from EAX if 'TO_RING3_FLAGS' given).
/// 'record' handlers: h_err stores the error code in EBX, saved EIP in ECX, saved CS in EDX, then
/// the saved ESP/SS (when the handler was entered from an outer ring) in ESI/EDI, and exits with the
/// vector as the exit code.
/// </summary>
internal static class ProtectionGuest
{
    public const string Prelude = @"
%define GDT 0x1000
%define IDT 0x2000
%define TSSA 0x3000
%define TSSB 0x3800
%define TSSC 0x3C00
%define LDT 0x5000
%define ABS(x) ((x) - $$ + 0x10000)
%macro SETGATE 4
    mov eax, %2
    mov [IDT + (%1)*8], ax
    mov word [IDT + (%1)*8 + 2], %3
    mov word [IDT + (%1)*8 + 4], (%4) << 8
    shr eax, 16
    mov [IDT + (%1)*8 + 6], ax
%endmacro
%macro TO_RING3 1
    push dword 0x23
    push dword 0x6000
    pushfd
    push dword 0x1B
    push dword %1
    iretd
%endmacro
    ; copy the GDT into RAM (so accessed/busy bits can be written), load it
    mov esi, gdt_image
    mov edi, GDT
    mov ecx, (gdt_end - gdt_image) / 4
    rep movsd
    lgdt [gdtr]
    lidt [idtr]
    jmp 0x08:.reload
.reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, 0x9000
    ; TSS A: ESP0/SS0, ESP1/SS1, bitmap offset 0x68 (bitmap itself zero = every port allowed)
    mov edi, TSSA
    xor eax, eax
    mov ecx, (0x68 + 0x2001) / 4 + 1
    rep stosd
    mov dword [TSSA + 4], 0x8000
    mov dword [TSSA + 8], 0x10
    mov dword [TSSA + 12], 0x7800
    mov dword [TSSA + 16], 0x41
    mov word [TSSA + 0x66], 0x68
    mov byte [TSSA + 0x68 + 0x2000], 0xFF
    ; LDT: 2 descriptors
    mov dword [LDT + 0], 0x0000FFFF
    mov dword [LDT + 4], 0x00CF9310     ; data0, base 0x100000
    mov dword [LDT + 8], 0x0000FFFF
    mov dword [LDT + 12], 0x00CFF300    ; data3
    ; every IDT vector -> h_unexpected by default
    mov ebx, 0
.idt:
    mov eax, h_unexpected
    mov [IDT + ebx*8], ax
    mov word [IDT + ebx*8 + 2], 0x08
    mov word [IDT + ebx*8 + 4], 0x8E00
    shr eax, 16
    mov [IDT + ebx*8 + 6], ax
    inc ebx
    cmp ebx, 256
    jb .idt
    SETGATE 0, h0, 0x08, 0x8E
    SETGATE 6, h6, 0x08, 0x8E
    SETGATE 10, h10, 0x08, 0x8E
    SETGATE 11, h11, 0x08, 0x8E
    SETGATE 12, h12, 0x08, 0x8E
    SETGATE 13, h13, 0x08, 0x8E
    SETGATE 14, h14, 0x08, 0x8E
    mov ax, 0x28
    ltr ax
    jmp test_body

h0:  push dword 0
     mov al, 0
     jmp h_err
h6:  push dword 0
     mov al, 6
     jmp h_err
h10: mov al, 10
     jmp h_err
h11: mov al, 11
     jmp h_err
h12: mov al, 12
     jmp h_err
h13: mov al, 13
     jmp h_err
h14: mov al, 14
     jmp h_err
h_unexpected:
     mov al, 0xEE
     out 0xF4, al
     hlt
h_err:
     pop ebx
     mov ecx, [esp]
     mov edx, [esp + 4]
     mov esi, [esp + 12]
     mov edi, [esp + 16]
     out 0xF4, al
     hlt

gate_target:            ; reached through the call gates (ring 0)
     mov ebx, [esp]      ; return EIP
     mov ecx, [esp + 4]  ; return CS
     mov edx, [esp + 8]  ; parameter 1 (the one at the lower address on the caller's stack)
     mov esi, [esp + 12] ; parameter 2
     mov edi, [esp + 16] ; caller ESP
     mov ebp, [esp + 20] ; caller SS
     retf 8
gate16_target:          ; 16-bit gate: word-sized IP, CS, parameter
     movzx ebx, word [esp]
     movzx ecx, word [esp + 2]
     movzx edx, word [esp + 4]
     mov al, 0x16
     out 0xF4, al
     hlt

align 8
gdt_image:
    dq 0
    dq 0x00CF9A000000FFFF      ; 08 code0
    dq 0x00CF92000000FFFF      ; 10 data0
    dq 0x00CFFA000000FFFF      ; 18 code3
    dq 0x00CFF2000000FFFF      ; 20 data3
    dw 0x2068, TSSA & 0xFFFF   ; 28 TSS A, limit 0x2068 (bitmap + terminating byte)
    db 0, 0x89, 0, 0
    dw ABS(gate_target) & 0xFFFF, 0x08   ; 30 call gate DPL3, 2 params
    db 2, 0xEC
    dw ABS(gate_target) >> 16
    dq 0x00CFBA000000FFFF      ; 38 code1
    dq 0x00CFB2000000FFFF      ; 40 data1
    dw 0x000F, LDT & 0xFFFF    ; 48 LDT
    db 0, 0x82, 0, 0
    dw 0x0067, TSSB & 0xFFFF   ; 50 TSS B
    db 0, 0x89, 0, 0
    dw ABS(gate_target) & 0xFFFF, 0x08   ; 58 call gate DPL0
    db 2, 0x8C
    dw ABS(gate_target) >> 16
    dw ABS(gate_target) & 0xFFFF, 0x08   ; 60 call gate DPL3, not present
    db 2, 0x6C
    dw ABS(gate_target) >> 16
    dq 0x00CF90000000FFFF      ; 68 data0 read-only
    dq 0x0040960000000FFF      ; 70 data0 expand-down, byte-granular limit 0x0FFF, B=1: valid offsets 0x1000-0xFFFFFFFF
    dq 0x00CF98000000FFFF      ; 78 code0 execute-only
    dq 0x00CF12000000FFFF      ; 80 data0 not present
    dw 0x6800, 0x08            ; 88 16-bit call gate DPL3, 1 word param, to 08:6800 (a 16-bit gate has a 16-bit offset)
    db 1, 0xE4
    dw 0
    dw 0x002B, TSSC & 0xFFFF   ; 90 TSS C 16-bit
    db 0, 0x81, 0, 0
    dq 0x00CF9E000000FFFF      ; 98 conforming code DPL0
gdt_end:
gdtr: dw gdt_end - gdt_image - 1
      dd GDT
idtr: dw 0x7FF
      dd IDT
test_body:
";

    /// <summary>Runs the prelude + body (flat 32-bit, code at 0x10000); the body ends however it likes (an exit through port 0xF4 is usual).</summary>
    public static Machine Run(string body, long budget = 500_000, ICpuMonitor? monitor = null)
    {
        var m = new Machine();
        m.Memory.LoadIntoRam(0x10000, Nasm.Assemble("bits 32\norg 0x10000\n" + Prelude + body + "\nhlt\n"));
        TestGuest.EnterFlat32(m, 0x10000);
        m.Cpu.Monitor = monitor;
        m.Run(budget);
        return m;
    }

    /// <summary>The address of a label in prelude + body.</summary>
    public static uint Label(string body, string label)
    {
        var bytes = Nasm.Assemble("bits 32\norg 0x10000\n" + Prelude + body + "\nhlt\ndd " + label + "\n");
        return BitConverter.ToUInt32(bytes, bytes.Length - 4);
    }
}
