using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm;

/// <summary>
/// One intervention of a virtual machine monitor, the same record for every technique: where the
/// guest was, what it executed, why the monitor got control, what it did, and what it cost.
/// </summary>
public sealed record VmExit
{
    /// <summary>Position in the run's exit list, from 0.</summary>
    public int Index { get; init; }
    /// <summary>The technique that produced it.</summary>
    public GuestMode Mode { get; init; }
    /// <summary>The kind of intervention.</summary>
    public VmExitKind Kind { get; init; }
    /// <summary>The reason's name (for hardware exits the SDM's, e.g. "IoInstruction").</summary>
    public string Reason { get; init; } = "";
    /// <summary>The reason's number where one exists (SDM basic exit reason, hypercall number).</summary>
    public int? ReasonNumber { get; init; }
    /// <summary>Guest EIP at the exit.</summary>
    public uint GuestEip { get; init; }
    /// <summary>Guest CS selector at the exit.</summary>
    public ushort GuestCs { get; init; }
    /// <summary>Guest CPL at the exit.</summary>
    public int Cpl { get; init; }
    /// <summary>The guest instruction, formatted (Intel syntax), or empty.</summary>
    public string InstructionText { get; init; } = "";
    /// <summary>The guest instruction's bytes, or empty.</summary>
    public byte[] InstructionBytes { get; init; } = Array.Empty<byte>();
    /// <summary>The exit qualification (or the technique's equivalent).</summary>
    public ulong Qualification { get; init; }
    /// <summary>Decoded fields (port, size, direction, cr, vector, ...), by lower-case name.</summary>
    public IReadOnlyDictionary<string, object> Fields { get; init; } = new Dictionary<string, object>();
    /// <summary>What the monitor did (emulated, reflected, stopped, ...).</summary>
    public string Action { get; init; } = "";
    /// <summary>Simulated cycles charged for this exit.</summary>
    public long Cycles { get; init; }
}
