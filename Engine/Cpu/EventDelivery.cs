namespace VirtLab.Engine;

/// <summary>The kinds of event a monitor can inject or find being delivered (the VT-x interruption types, SDM Vol. 3C 24.8.3).</summary>
public enum EventType
{
    /// <summary>An external interrupt (INTR).</summary>
    ExternalInterrupt = 0,
    /// <summary>A non-maskable interrupt (vector 2).</summary>
    Nmi = 2,
    /// <summary>A processor exception (fault, trap or abort).</summary>
    HardwareException = 3,
    /// <summary>INT n.</summary>
    SoftwareInterrupt = 4,
    /// <summary>INT1 (ICEBP).</summary>
    PrivilegedSoftwareException = 5,
    /// <summary>INT3 or INTO.</summary>
    SoftwareException = 6,
}

/// <summary>An event the CPU is delivering through the IDT (or IVT): what VT-x records as IDT-vectoring information when delivery causes a VM exit.</summary>
public readonly record struct DeliveringEvent(byte Vector, EventType Type, uint? ErrorCode);

/// <summary>The registers event delivery changes (stack, CS:EIP, EFLAGS, segments, CPL), kept so a monitor can see the state before a delivery it interrupts.</summary>
internal sealed class DeliveryRegisters
{
    public readonly SegmentCache[] Segments = new SegmentCache[6];
    public uint Esp, Eip, EFlags;
    public int Cpl;
    public bool Halted;
}

/// <summary>Event injection and the record of the event being delivered.</summary>
public sealed partial class Cpu
{
    private readonly DeliveryRegisters _beforeDelivery = new();

    /// <summary>Copies the registers delivery changes into <paramref name="into"/> (a new copy when null).</summary>
    internal DeliveryRegisters CaptureDeliveryRegisters(DeliveryRegisters? into = null)
    {
        var r = into ?? new DeliveryRegisters();
        Array.Copy(Segments, r.Segments, 6);
        r.Esp = R[4]; r.Eip = Eip; r.EFlags = GetEFlags(); r.Cpl = _cpl; r.Halted = Halted;
        return r;
    }

    /// <summary>Puts back registers captured by <see cref="CaptureDeliveryRegisters"/>.</summary>
    internal void RestoreDeliveryRegisters(DeliveryRegisters r)
    {
        Array.Copy(r.Segments, Segments, 6);
        R[4] = r.Esp; Eip = r.Eip;
        _flags = (r.EFlags | 2) & ~0x8028u & 0x003F_7FD7; _lazyMask = 0;
        _cpl = r.Cpl; Halted = r.Halted;
        UpdatePagingState();
        _breakBlock = true;
    }

    /// <summary>
    /// While <see cref="EventBeingDelivered"/> is set: the registers as they were before its delivery
    /// began (VT-x saves that state when a VM exit interrupts event delivery, SDM Vol. 3C 27.3.4). Only
    /// kept when a monitor is attached.
    /// </summary>
    internal DeliveryRegisters? RegistersBeforeDelivery => EventBeingDelivered is not null && Monitor is not null ? _beforeDelivery : null;

    /// <summary>The event whose delivery is in progress (an exit during delivery reports it as IDT-vectoring information), or null.</summary>
    public DeliveringEvent? EventBeingDelivered { get; private set; }

    private EventType _nextDeliveryType = EventType.HardwareException;

    /// <summary>
    /// Delivers an event as VM entry injects it (SDM Vol. 3C 26.6): through the guest's IDT (or IVT in
    /// real mode) as if it had occurred at the current instruction boundary. Software interrupts and
    /// exceptions first advance EIP by <paramref name="instructionLength"/> (the return address is after
    /// the instruction) and are checked against the gate's DPL; a fault during delivery is handled as
    /// for any event (double fault, triple fault), with EIP back at the instruction.
    /// </summary>
    public void InjectEvent(byte vector, EventType type, uint? errorCode, uint instructionLength = 0)
    {
        Halted = false;
        _interruptShadow = false;
        switch (type)
        {
            case EventType.SoftwareInterrupt:
            case EventType.SoftwareException:
                Eip += instructionLength;
                _nextDeliveryType = type;
                try { DeliverInterrupt(vector, null, software: true); }
                catch (CpuException e)
                {
                    Eip -= instructionLength;
                    RaiseException(e.Vector, e.ErrorCode, Eip);
                }
                break;
            case EventType.PrivilegedSoftwareException:
                Eip += instructionLength;
                _nextDeliveryType = type;
                DeliverWithEscalation((ExceptionVector)vector, null, software: false);
                break;
            default:
                _nextDeliveryType = type;
                DeliverWithEscalation((ExceptionVector)vector, errorCode, software: false);
                break;
        }
        EventBeingDelivered = null;
        _breakBlock = true;
    }
}
