using VirtLab.Engine.Vmm;

namespace VirtLab.Engine.Labs;

/// <summary>What one run (or continuation) of a guest produced.</summary>
public sealed class GuestRun
{
    /// <summary>The lab's name.</summary>
    public required string Lab { get; init; }
    /// <summary>The guest's name.</summary>
    public required string Guest { get; init; }
    /// <summary>The mode it ran in.</summary>
    public GuestMode Mode { get; init; }
    /// <summary>Why the run stopped (<see cref="StopReason.BudgetExhausted"/> when cancelled between slices; see <see cref="Cancelled"/>).</summary>
    public StopReason StopReason { get; init; }
    /// <summary>True when the run was cancelled before it stopped by itself: the result is partial.</summary>
    public bool Cancelled { get; init; }
    /// <summary>Why the monitor stopped the run (a failed VM entry, a VMM's decision), or null.</summary>
    public string? StopMessage { get; init; }
    /// <summary>The value written to the exit port, when that stopped the run.</summary>
    public int? ExitCode { get; init; }
    /// <summary>Everything the guest wrote to the debug console and COM1 since the last reset.</summary>
    public string ConsoleText { get; init; } = "";
    /// <summary>POST codes since the last reset, in order.</summary>
    public IReadOnlyList<byte> PostCodes { get; init; } = Array.Empty<byte>();
    /// <summary>Instructions retired by this run.</summary>
    public long InstructionsRetired { get; init; }
    /// <summary>The budget the run had.</summary>
    public long MaxInstructions { get; init; }
    /// <summary>The monitor's exits, in order (none in native mode).</summary>
    public IReadOnlyList<VmExit> Exits { get; init; } = Array.Empty<VmExit>();
    /// <summary>Simulated cycles (instructions at the native cost plus the exits' costs).</summary>
    public long SimulatedCycles { get; init; }
    /// <summary>Host time the run took.</summary>
    public TimeSpan HostTime { get; init; }
    /// <summary>Million guest instructions per host second (0 when not timed).</summary>
    public double Mips => HostTime.TotalSeconds > 0 ? InstructionsRetired / HostTime.TotalSeconds / 1e6 : 0;
    /// <summary>Exit counts by reason name.</summary>
    public IReadOnlyDictionary<string, int> ExitsByReason => Exits.GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => g.Count());
    /// <summary>Registers when the run stopped (names as in <see cref="GuestRegisters.Readable"/>).</summary>
    public IReadOnlyDictionary<string, uint> Registers { get; init; } = new Dictionary<string, uint>();
    /// <summary>Faults the CPU delivered to the guest during the run.</summary>
    public long FaultsDelivered { get; init; }
    /// <summary>Bytes of memory taken when the run stopped, for the guest's memory expectations (address to bytes).</summary>
    public IReadOnlyDictionary<uint, byte[]> MemorySnapshots { get; init; } = new Dictionary<uint, byte[]>();

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Lab}/{Guest} ({Mode}): {StopReason}{(Cancelled ? " (cancelled)" : "")}{(ExitCode is int c ? $" exit {c}" : "")}, {InstructionsRetired:N0} instructions, {Exits.Count} exits";
}

/// <summary>Progress of a run, reported between slices.</summary>
public sealed record RunProgress(long InstructionsRetired, long MaxInstructions, TimeSpan Elapsed);
