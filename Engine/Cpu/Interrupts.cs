namespace VirtLab.Engine;

/// <summary>The INTR side of an interrupt controller as the CPU sees it (an 8259A pair, or a monitor's virtual one).</summary>
public interface IInterruptSource
{
    /// <summary>The INTR line: a maskable interrupt is waiting.</summary>
    bool InterruptPending { get; }
    /// <summary>The INTA cycle: returns the vector and moves the request in service.</summary>
    byte AcknowledgeInterrupt();
}

/// <summary>A device driven by virtual time (the PIT): time is counted in retired instructions plus idle time, so runs are deterministic.</summary>
public interface IVirtualClockDevice
{
    /// <summary>Brings the device up to virtual time <paramref name="now"/> and returns the virtual time of its next event (<see cref="long.MaxValue"/> when none is due).</summary>
    long AdvanceTo(long now);
}

/// <summary>
/// External interrupts (SDM Vol. 3A 6.8): sampled between instructions when EFLAGS.IF = 1 and no
/// interrupt shadow is active (the instruction after STI that set IF, and after MOV SS / POP SS);
/// HLT with IF = 1 waits for the next one by moving virtual time forward to the next device event.
/// </summary>
public sealed partial class Cpu
{
    private bool _interruptShadow;

    /// <summary>Blocking by STI or MOV SS for the next instruction (saved and loaded by monitors as VT-x's interruptibility state).</summary>
    internal bool InterruptShadow { get => _interruptShadow; set => _interruptShadow = value; }
    private long _nextDeviceEvent = long.MaxValue;

    /// <summary>The interrupt controller (INTR/INTA), or null when the machine has none.</summary>
    public IInterruptSource? InterruptSource { get; set; }

    /// <summary>Devices driven by virtual time.</summary>
    public List<IVirtualClockDevice> ClockedDevices { get; } = new();

    /// <summary>Virtual time spent halted (HLT waiting for an interrupt); part of <see cref="VirtualTime"/>.</summary>
    public long IdleTime { get; private set; }

    /// <summary>External interrupts delivered since reset.</summary>
    public long ExternalInterrupts { get; private set; }

    /// <summary>Blocks interrupt recognition until after the next instruction (STI setting IF, MOV SS, POP SS).</summary>
    internal void SetInterruptShadow()
    {
        _interruptShadow = true;
        _breakBlock = true;
    }

    /// <summary>Asks the devices for their next event again (after a guest reprogrammed one).</summary>
    public void RescheduleDevices() { _nextDeviceEvent = VirtualTime; _breakBlock = true; }

    /// <summary>Before a port access: clocked devices are brought up to the current instruction, so a read or a reprogramming sees exact time.</summary>
    internal void SyncDevicesBeforeIo()
    {
        if (ClockedDevices.Count > 0) AdvanceDevices();
    }

    /// <summary>After a port access: the device may have been reprogrammed or may have raised or dropped INTR; the run loop looks again after this instruction.</summary>
    internal void SyncDevicesAfterIo()
    {
        if (ClockedDevices.Count == 0 && InterruptSource is null) return;
        if (ClockedDevices.Count > 0) AdvanceDevices();
        _breakBlock = true;
    }

    /// <summary>Clears interrupt and virtual-time state (reset).</summary>
    private void ResetInterruptState()
    {
        _interruptShadow = false;
        _nextDeviceEvent = 0;
        IdleTime = 0;
        ExternalInterrupts = 0;
    }

    /// <summary>
    /// Between instructions: brings clocked devices up to date, delivers a pending external
    /// interrupt, and lets a halted CPU wait for one. Returns false when the CPU is halted with
    /// nothing that could wake it.
    /// </summary>
    private bool ServiceEvents(long budgetLeft)
    {
        if (ClockedDevices.Count > 0 && VirtualTime >= _nextDeviceEvent) AdvanceDevices();
        if (_interruptShadow) return true;
        if (Monitor is { WantsInstructionBoundaries: true } boundaries)
        {
            boundaries.OnInstructionBoundary(this, (_flags & IF) != 0);
            if (_stopRequest != StopReason.None) return true;
        }
        // A monitor is asked about a pending interrupt whatever IF says (VT-x's external-interrupt
        // exiting is not blocked by RFLAGS.IF); the CPU itself takes it only with IF = 1.
        if (Monitor is { } monitor && InterruptSource is { InterruptPending: true } pendingSource && monitor.OnExternalInterrupt(this, pendingSource)) return true;
        if ((_flags & IF) != 0 && InterruptSource is { InterruptPending: true } source)
        {
            Halted = false;
            byte vector = source.AcknowledgeInterrupt();
            ExternalInterrupts++;
            _nextDeliveryType = EventType.ExternalInterrupt;
            DeliverWithEscalation((ExceptionVector)vector, null, software: false);
            if (ClockedDevices.Count > 0) AdvanceDevices();
            return true;
        }
        if (!Halted) return true;
        if ((_flags & IF) == 0 || InterruptSource is null || _nextDeviceEvent == long.MaxValue) return false;
        // HLT with IF = 1: skip virtual time to the next device event (it may raise an interrupt), or to
        // the end of the run's budget when that comes first.
        long wait = _nextDeviceEvent - VirtualTime;
        if (wait > budgetLeft) { IdleTime += budgetLeft; return true; }
        IdleTime += Math.Max(wait, 0);
        AdvanceDevices();
        return true;
    }

    private void AdvanceDevices()
    {
        long now = VirtualTime, next = long.MaxValue;
        foreach (var device in ClockedDevices) next = Math.Min(next, device.AdvanceTo(now));
        _nextDeviceEvent = next;
    }

    /// <summary>How many instructions may run before the next device event.</summary>
    private long UntilNextDeviceEvent(long remaining)
    {
        if (_interruptShadow) { _interruptShadow = false; return 1; }
        if (_nextDeviceEvent == long.MaxValue) return remaining;
        long until = _nextDeviceEvent - VirtualTime;
        return until <= 0 ? 1 : Math.Min(remaining, until);
    }
}
