namespace VirtLab.Engine;

/// <summary>What a run produced: why it stopped, what the guest said, and counters.</summary>
public sealed record RunResult
{
    public StopReason StopReason { get; init; }
    /// <summary>The value written to the exit port, when that stopped the run.</summary>
    public int? ExitCode { get; init; }
    public string ConsoleText { get; init; } = "";
    public IReadOnlyList<byte> PostCodes { get; init; } = Array.Empty<byte>();
    public long InstructionsRetired { get; init; }
    /// <summary>Faults the CPU delivered during the run (each also counts against the budget).</summary>
    public long FaultsDelivered { get; init; }
    public TimeSpan Elapsed { get; init; }
    public uint FinalEip { get; init; }
    public ushort FinalCs { get; init; }
    public long UnmappedReads { get; init; }
    public long UnmappedWrites { get; init; }
    public long RomWrites { get; init; }
    public long BlocksDecoded { get; init; }
    public long BlocksInvalidated { get; init; }

    /// <summary>Million instructions per second of host time (0 when not timed).</summary>
    public double Mips => Elapsed.TotalSeconds > 0 ? InstructionsRetired / Elapsed.TotalSeconds / 1e6 : 0;
}
