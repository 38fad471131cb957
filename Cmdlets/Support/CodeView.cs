using VirtLab.Engine;
using VirtLab.Engine.Images;

namespace VirtLab.Cmdlets;

/// <summary>Where the guest's next instruction is and how to disassemble it (physical memory, CS base, code size).</summary>
internal static class CodeView
{
    /// <summary>The physical address of CS:EIP (through the page tables when paging is on), or null when its page is not present.</summary>
    public static uint? CurrentPhysical(Cpu cpu) =>
        cpu.TryTranslateForDebugger(unchecked(cpu.GetSegment(SegmentRegister.CS).Base + cpu.Eip), out uint physical) ? physical : null;

    /// <summary>16 in real and virtual-8086 mode and for a 16-bit CS, 32 for a 32-bit CS.</summary>
    public static int Bitness(Cpu cpu) => cpu.Code32 && !cpu.Virtual8086 ? 32 : 16;

    /// <summary>Options that decode at the current CS's offsets.</summary>
    public static DisassemblyOptions Options(Cpu cpu, SymbolTable? symbols, DisassemblySyntax syntax = DisassemblySyntax.Nasm) => new()
    {
        Bitness = Bitness(cpu),
        SegmentBase = cpu.PagingEnabled ? 0 : cpu.GetSegment(SegmentRegister.CS).Base,
        Symbols = symbols,
        Syntax = syntax,
    };

    /// <summary>The instruction at <paramref name="address"/> as text, or null when it is not in mapped memory.</summary>
    public static DisassemblyLine? InstructionAt(Machine machine, uint address, SymbolTable? symbols)
    {
        var listing = Disassembler.List(machine.Memory, address, 1, Options(machine.Cpu, symbols));
        return listing.Instructions.FirstOrDefault();
    }
}
