namespace VirtLab.Engine;

/// <summary>
/// Connects the 8259A pair's INTR/INTA to the CPU. INTR is seen only once the guest has initialized
/// the master (ICW1): an 8259A's state is undefined from power-on until then, a BIOS always
/// initializes it before enabling interrupts, and QEMU likewise keeps PIC interrupts away from the
/// CPU after reset (its local APIC masks LINT0 until firmware sets up the virtual wire). So a
/// guest that never programs the PIC, such as test386.asm, never receives a timer interrupt.
/// </summary>
public sealed class PicInterruptSource : IInterruptSource
{
    private readonly Pic8259 _pic;
    public PicInterruptSource(Pic8259 pic) => _pic = pic;
    public bool InterruptPending => _pic.MasterInitialized && _pic.InterruptRequested;
    public byte AcknowledgeInterrupt() => _pic.Acknowledge();
}

/// <summary>
/// Drives the 8254 from the CPU's virtual time: one PIT input-clock pulse every
/// <see cref="InstructionsPerTick"/> instructions (retired or idle), so timer interrupts land on
/// the same instruction in every run.
/// </summary>
public sealed class PitClock : IVirtualClockDevice
{
    private readonly Pit8254 _pit;
    private long _ticks;

    public PitClock(Pit8254 pit, int instructionsPerTick)
    {
        if (instructionsPerTick < 1) throw new ArgumentOutOfRangeException(nameof(instructionsPerTick), instructionsPerTick, "At least one instruction per PIT tick.");
        _pit = pit;
        InstructionsPerTick = instructionsPerTick;
    }

    public int InstructionsPerTick { get; }

    /// <summary>Forgets elapsed time (machine reset).</summary>
    public void Reset() => _ticks = 0;

    public long AdvanceTo(long now)
    {
        long target = now / InstructionsPerTick;
        if (target > _ticks) { _pit.Advance(target - _ticks); _ticks = target; }
        long untilEdge = _pit.TicksUntilNextOut0Edge;
        if (untilEdge == Pit8254.Never || untilEdge > long.MaxValue / 2 / InstructionsPerTick) return long.MaxValue;
        return (_ticks + untilEdge) * InstructionsPerTick;
    }
}
