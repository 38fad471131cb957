using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// Helpers for the shift/rotate, bit, multiply/divide and BCD tests: run a snippet in real mode or
/// flat 32-bit mode with EAX/EBX/ECX/EDX and the arithmetic flags preset, and install a fault handler
/// (IVT entry in real mode, interrupt gate in a small IDT at 0x3000 in 32-bit mode) that halts.
/// </summary>
internal static class AluGuest
{
    public const uint CF = Cpu.CF, PF = Cpu.PF, AF = Cpu.AF, ZF = Cpu.ZF, SF = Cpu.SF, OF = Cpu.OF;
    public const uint AllArith = Cpu.ArithFlags;

    /// <summary>Where the guest stores the address of the label <c>fault_at</c> (the instruction expected to fault).</summary>
    public const uint FaultAtSlot = 0x600;

    public static Machine Run(bool flat32, string body)
    {
        var m = flat32 ? TestGuest.Flat32(body + "\nhlt") : TestGuest.Real16(body + "\nhlt");
        Assert.True(m.Cpu.Halted, $"the guest did not reach HLT (EIP {m.Cpu.Eip:X8})");
        return m;
    }

    /// <summary>Presets EAX EBX ECX EDX and the arithmetic flags, runs <paramref name="code"/>, halts.</summary>
    public static Machine Run(bool flat32, string code, uint eax, uint ebx = 0, uint ecx = 0, uint edx = 0, uint flags = 0) =>
        Run(flat32, $"""
            mov eax, {eax}
            mov ebx, {ebx}
            mov ecx, {ecx}
            mov edx, {edx}
            {SetFlags(flat32, flags)}
            {code}
            """);

    public static string SetFlags(bool flat32, uint flags) =>
        flat32 ? $"push dword {flags}\npopfd" : $"push word {flags}\npopf";

    /// <summary>Stores FLAGS/EFLAGS at <paramref name="address"/> (PUSHF then POP to memory, stack balanced).</summary>
    public static string SaveFlags(bool flat32, uint address) =>
        flat32 ? $"pushfd\npop dword [{address}]" : $"pushf\npop word [{address}]";

    public static uint Flags(Machine m) => m.Cpu.EFlags & AllArith;

    /// <summary>
    /// Code that installs a handler for <paramref name="vector"/> (the label <c>fault_handler</c>, which the
    /// snippet must end with via <see cref="HandlerTail"/>) and records the address of <c>fault_at</c>.
    /// </summary>
    public static string InstallHandler(bool flat32, int vector) => flat32
        ? $"""
            mov word [0x3000 + {vector}*8], (fault_handler - $$ + 0x10000) & 0xFFFF
            mov word [0x3000 + {vector}*8 + 2], 0x08
            mov word [0x3000 + {vector}*8 + 4], 0x8E00
            mov word [0x3000 + {vector}*8 + 6], (fault_handler - $$ + 0x10000) >> 16
            lidt [idt_descriptor]
            mov dword [{FaultAtSlot}], fault_at
            """
        : $"""
            mov word [{vector}*4], fault_handler
            mov word [{vector}*4 + 2], 0
            mov word [{FaultAtSlot}], fault_at
            """;

    /// <summary>Ends a snippet: a HLT that must not be reached, the handler (HLT), and the IDT descriptor.</summary>
    public const string HandlerTail = """
        mov byte [0x604], 0xEE ; not reached when the instruction faults
        hlt
        fault_handler:
        hlt
        idt_descriptor: dw 0x7FF
        dd 0x3000
        """;

    /// <summary>Asserts the CPU stopped in the fault handler with the faulting instruction's address pushed (real mode: IP; 32-bit: EIP and CS).</summary>
    public static void AssertFaulted(Machine m, bool flat32, uint flagsBefore)
    {
        Assert.True(m.Cpu.Halted);
        Assert.NotEqual(0xEEu, m.Memory.ReadByte(0x604));
        if (flat32)
        {
            Assert.Equal(0x9000u - 12, m.Cpu.Esp);
            Assert.Equal(m.Memory.ReadUInt32(FaultAtSlot), m.Memory.ReadUInt32(0x9000 - 12));
            Assert.Equal(0x08u, m.Memory.ReadUInt32(0x9000 - 8) & 0xFFFF);
            Assert.Equal(flagsBefore, m.Memory.ReadUInt32(0x9000 - 4) & AllArith);
        }
        else
        {
            Assert.Equal(0x7C00u - 6, m.Cpu.Esp & 0xFFFF);
            Assert.Equal(m.Memory.ReadUInt16(FaultAtSlot), m.Memory.ReadUInt16(0x7C00 - 6));
            Assert.Equal(0u, m.Memory.ReadUInt16(0x7C00 - 4));
            Assert.Equal(flagsBefore, m.Memory.ReadUInt16(0x7C00 - 2) & AllArith);
        }
    }
}
