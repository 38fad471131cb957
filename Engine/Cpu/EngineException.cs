namespace VirtLab.Engine;

/// <summary>
/// An internal error of the engine while running a guest (a bug, never a guest fault: guest faults
/// are delivered to the guest). Carries where the guest was, so a report can name the instruction.
/// </summary>
public sealed class EngineException : Exception
{
    public ushort Cs { get; }
    public uint Eip { get; }
    public string? Instruction { get; }

    public EngineException(ushort cs, uint eip, string? instruction, Exception inner)
        : base($"VirtLab engine error at {cs:X4}:{eip:X8}{(instruction is null ? "" : $" ('{instruction}')")}: {inner.Message}", inner)
    {
        Cs = cs; Eip = eip; Instruction = instruction;
    }
}
