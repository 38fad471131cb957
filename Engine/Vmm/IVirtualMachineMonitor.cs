using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm;

/// <summary>
/// The contract every technique implements: it attaches to a machine (taking its "ring 0"),
/// records each intervention as a <see cref="VmExit"/>, and charges simulated cycles.
/// </summary>
public interface IVirtualMachineMonitor
{
    /// <summary>The technique.</summary>
    GuestMode Mode { get; }
    /// <summary>Takes control of <paramref name="machine"/> before the guest runs.</summary>
    void Attach(Machine machine);
    /// <summary>The exits so far, in order.</summary>
    IReadOnlyList<VmExit> Exits { get; }
    /// <summary>Simulated cycles so far: guest instructions at the native cost plus every exit's cost.</summary>
    long Cycles { get; }
    /// <summary>Called before each run or continuation; false when the guest cannot run (a failed VM entry): the run then stops at once.</summary>
    bool PrepareToRun() => true;
    /// <summary>Why the monitor stopped the last run (a failed entry, a VMM's decision), or null.</summary>
    string? StopMessage => null;
}
