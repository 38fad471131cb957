namespace VirtLab.Engine;

/// <summary>
/// The whole state of a <see cref="Machine"/> at one instant: RAM, the CPU's architectural and
/// internal state (registers, descriptor caches, control and debug registers, flags, MSRs,
/// counters, virtual time, interrupt shadow) and every device on the port bus. ROM contents and
/// the region map are not copied (guests cannot change them). Restoring flushes the decoded-code
/// cache and the TLB, which hold nothing architectural.
/// </summary>
public sealed class MachineCheckpoint
{
    internal byte[] Ram { get; init; } = Array.Empty<byte>();
    internal Cpu.State Cpu { get; init; } = null!;
    internal List<(object Device, ObjectState State)> Devices { get; init; } = new();
    internal string ConsoleText { get; init; } = "";
    /// <summary>Instructions retired when the checkpoint was taken.</summary>
    public long InstructionsRetired { get; init; }
    /// <summary>When it was taken (host clock).</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;
}
