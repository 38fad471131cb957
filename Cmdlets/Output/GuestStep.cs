using VirtLab.Engine;

namespace VirtLab.Cmdlets;

/// <summary>One instruction executed by <c>Step-Guest</c>: where it was, what it was, and where the CPU went.</summary>
public sealed class GuestStep
{
    /// <summary>1 for the first step of a Step-Guest call.</summary>
    public int Index { get; init; }
    /// <summary>CS selector before the step.</summary>
    public ushort Cs { get; init; }
    /// <summary>EIP before the step.</summary>
    public uint Eip { get; init; }
    /// <summary>Physical address of the instruction (null when paging is on).</summary>
    public uint? Address { get; init; }
    /// <summary>The instruction's bytes (empty when paging is on or the bytes are unmapped).</summary>
    public byte[] Bytes { get; init; } = Array.Empty<byte>();
    /// <summary>The instruction in nasm syntax (null when paging is on or the bytes are unmapped).</summary>
    public string? Instruction { get; init; }
    /// <summary>CS:EIP after the step (the next instruction, or an exception handler).</summary>
    public ushort NextCs { get; init; }
    public uint NextEip { get; init; }
    /// <summary>None, or why the CPU stopped (ExitPort, Halted, TripleFault...).</summary>
    public StopReason StopReason { get; init; }
    /// <summary>True when the instruction faulted and the CPU delivered the exception.</summary>
    public bool Faulted { get; init; }

    public override string ToString() => $"{Cs:X4}:{Eip:X8}  {Instruction}";
}
