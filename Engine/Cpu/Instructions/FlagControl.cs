using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>CLC STC CMC CLD STD CLI STI (SDM Vol. 2). CLI/STI obey IOPL in protected mode (#GP(0) when CPL &gt; IOPL).</summary>
internal static class FlagControl
{
    [Handles(Code.Clc)] static void Clc(Cpu c, DecodedInstruction d) => c.SetFlagBit(Cpu.CF, false);
    [Handles(Code.Stc)] static void Stc(Cpu c, DecodedInstruction d) => c.SetFlagBit(Cpu.CF, true);
    [Handles(Code.Cmc)] static void Cmc(Cpu c, DecodedInstruction d) => c.SetFlagBit(Cpu.CF, !c.GetCF());
    [Handles(Code.Cld)] static void Cld(Cpu c, DecodedInstruction d) => c.SetFlagBit(Cpu.DF, false);
    [Handles(Code.Std)] static void Std(Cpu c, DecodedInstruction d) => c.SetFlagBit(Cpu.DF, true);

    [Handles(Code.Cli)]
    static void Cli(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Cli)) return;
        if (c.ProtectedMode && c.Cpl > c.Iopl) throw CpuException.GP(0);
        c.SetFlagBit(Cpu.IF, false);
    }

    [Handles(Code.Sti)]
    static void Sti(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Sti)) return;
        if (c.ProtectedMode && c.Cpl > c.Iopl) throw CpuException.GP(0);
        // SDM STI: when STI sets IF, interrupts are recognized only after the next instruction.
        if (!c.GetIF()) c.SetInterruptShadow();
        c.SetFlagBit(Cpu.IF, true);
    }
}
