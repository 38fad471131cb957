using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Xen-style paravirtualization (issue 7) on the x86_32 non-PAE ABI: the guest kernel runs in ring 1
/// with Xen's flat selectors, its processes in ring 3; this monitor is the hypervisor in ring 0. It
/// owns the GDT's reserved page, the IDT (int 0x82 gate DPL 1), the TSS, the hole at 0xFC000000 of
/// every page directory, and a few frames of RAM. The CPU enters it the hardware way: through an
/// IDT gate to a ring-0 stub (hypercalls, int3/into, event checks) whose HLT the monitor takes, or
/// through <see cref="ICpuMonitor.OnException"/> for faults. It leaves through a real IRET from ring
/// 0. Hypercalls, traps and events are <see cref="VmExit"/> records charged with <see cref="ParaCosts"/>.
/// </summary>
public sealed partial class ParaMonitor : IVirtualMachineMonitor, ICpuMonitor
{
    private readonly List<VmExit> _exits = new();
    private Machine? _machine;
    private GuestMemory _guest = null!;
    private long _startRetired, _exitCycles, _xenInstructions;
    private bool _dead;

    /// <summary>
    /// A monitor for a guest with the given <c>para:</c> settings (defaults when null) whose kernel
    /// image ends at <paramref name="kernelEnd"/>: the domain builder puts the P2M list, start_info,
    /// the boot page tables and the boot stack from the next page on.
    /// </summary>
    public ParaMonitor(ParaSettings? settings, uint kernelEnd)
    {
        Settings = settings ?? ParaSettings.Default;
        _kernelEnd = kernelEnd;
    }

    /// <summary>The domain's settings.</summary>
    public ParaSettings Settings { get; }

    /// <inheritdoc/>
    public GuestMode Mode => GuestMode.Para;

    /// <inheritdoc/>
    public IReadOnlyList<VmExit> Exits => _exits;

    /// <inheritdoc/>
    /// <remarks>The hypervisor's own ring-0 instructions (<see cref="HypervisorInstructions"/>) are part of each exit's cost, not charged again.</remarks>
    public long Cycles => _machine is null ? 0 : (_machine.Cpu.InstructionsRetired - _startRetired - _xenInstructions) * CostModel.NativeCyclesPerInstruction + _exitCycles;

    /// <summary>Instructions the CPU retired in ring 0 for the hypervisor (the entry stub's HLT, the IRET back, the idle HLT): counted in the run's instructions, not in the guest's.</summary>
    public long HypervisorInstructions => _xenInstructions;

    /// <summary>Why the domain stopped (a shutdown with its reason, or a crash naming the instruction and address), or null while it runs.</summary>
    public string? StopMessage { get; private set; }

    /// <summary>The sched_op shutdown reason (poweroff 0, reboot 1, suspend 2, crash 3, watchdog 4, soft_reset 5), or null.</summary>
    public int? ShutdownCode { get; private set; }

    private Machine Machine => _machine ?? throw new InvalidOperationException("The paravirtual monitor is not attached to a machine.");
    private Cpu Cpu => Machine.Cpu;
    private PhysicalMemory Memory => Machine.Memory;

    /// <inheritdoc/>
    public void Attach(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (machine.Cpu.Monitor is not null) throw new InvalidOperationException("The paravirtual monitor needs a machine without a monitor; this one has " + machine.Cpu.Monitor.GetType().Name + ".");
        _machine = machine;
        _guest = new GuestMemory(machine);
        BuildDomain();
        machine.Cpu.Monitor = this;
        _startRetired = machine.Cpu.InstructionsRetired;
    }

    private bool Attached => _machine is { } m && ReferenceEquals(m.Cpu.Monitor, this);

    // ---- ICpuMonitor -------------------------------------------------------------------------

    /// <inheritdoc/>
    public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind)
    {
        // Only Xen's own ring-0 stubs are intercepted: everything the guest does in ring 1 runs on
        // the CPU and faults where the hardware says (the point of paravirtualization).
        if (kind != SensitiveKind.Hlt || cpu.Cpl != 0) return false;
        uint offset = instruction.Ip - XenLayout.StubVirt;
        if (offset == XenLayout.IdleStubOffset) return false; // Xen's idle loop: a real HLT waiting for the next event
        if (offset >= 256) return false;
        EnterFromGate((byte)offset);
        return true;
    }

    /// <inheritdoc/>
    public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }

    /// <inheritdoc/>
    public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;

    /// <inheritdoc/>
    public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode)
    {
        if (_dead) return ExceptionDisposition.Stop;
        if (cpu.Cpl == 0)
        {
            // Only Xen's IRET back to the guest runs in ring 0: a fault there means the frame it was given cannot be returned to.
            Crash($"#{vector}{(errorCode is { } e ? $"({e:X})" : "")} in the hypervisor's return to the guest at {cpu.GetSegment(SegmentRegister.CS).Selector:X4}:{cpu.Eip:X8}", CurrentFrame(), "");
            return ExceptionDisposition.Stop;
        }
        var frame = CurrentFrame();
        EnterRing0();
        if (HandleException(ref frame, vector, errorCode)) LeaveToGuest(frame);
        Cpu.EndBlockAfterCurrentInstruction();
        return _dead ? ExceptionDisposition.Stop : ExceptionDisposition.Handled;
    }

    /// <inheritdoc/>
    public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }

    // ---- entering and leaving the hypervisor -----------------------------------------------

    /// <summary>The guest state at the CPU (a fault: EIP at the faulting instruction).</summary>
    private GuestFrame CurrentFrame()
    {
        var c = Cpu;
        return new GuestFrame
        {
            Eip = c.Eip, Cs = c.GetSegment(SegmentRegister.CS).Selector, EFlags = c.GetEFlags(),
            Esp = c.Esp, Ss = c.GetSegment(SegmentRegister.SS).Selector,
        };
    }

    /// <summary>Ring 0 on Xen's flat selectors (what the IDT gate and the TSS's SS0:ESP0 give a fault).</summary>
    private void EnterRing0()
    {
        Cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = XenLayout.XenCs, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC09B });
        Cpu.SetSegment(SegmentRegister.SS, new SegmentCache { Selector = XenLayout.XenDs, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC093 });
        Cpu.Esp = XenLayout.StackTop;
    }

    /// <summary>An IDT gate brought the CPU to the ring-0 stub of <paramref name="vector"/>; the hardware frame is on Xen's stack.</summary>
    private void EnterFromGate(byte vector)
    {
        var cpu = Cpu;
        _xenInstructions++; // the stub's HLT
        cpu.EndBlockAfterCurrentInstruction();
        if (_dead) { cpu.RequestStop(StopReason.MonitorStop); return; }
        uint esp = cpu.Esp;
        var frame = ReadStackFrame(esp);
        if (frame.Cs == XenLayout.XenCs)
        {
            // The idle loop was interrupted: the blocked guest's frame lies under this one.
            frame = ReadStackFrame(esp + 12);
            Wake();
            LeaveToGuest(frame);
            return;
        }
        switch (vector)
        {
            case XenLayout.HypercallVector:
                if (!DoHypercall(ref frame)) return;
                break;
            case (byte)ExceptionVector.BP:
            case (byte)ExceptionVector.OF:
                // int3 / into: trap gates of DPL 3 in Xen's IDT; the guest gets the trap with EIP after the instruction.
                if (!ReflectTrap(ref frame, (ExceptionVector)vector, null, trapLength: 1)) return;
                break;
            case XenLayout.EventCheckVector:
                break; // LeaveToGuest delivers the pending event
            default:
                Crash($"unexpected entry through IDT vector {vector}", frame, "");
                return;
        }
        LeaveToGuest(frame);
    }

    /// <summary>Reads the hardware frame at <paramref name="esp"/> on Xen's stack: EIP, CS, EFLAGS, and ESP, SS when it came from ring 1 or 3.</summary>
    private GuestFrame ReadStackFrame(uint esp)
    {
        uint p = StackPhysical(esp);
        var f = new GuestFrame { Eip = Memory.ReadUInt32(p), Cs = (ushort)Memory.ReadUInt32(p + 4), EFlags = Memory.ReadUInt32(p + 8) };
        if ((f.Cs & 3) != 0) { f.Esp = Memory.ReadUInt32(p + 12); f.Ss = (ushort)Memory.ReadUInt32(p + 16); }
        return f;
    }

    private uint StackPhysical(uint esp) => _stackFrame + (esp - XenLayout.StackVirt);

    /// <summary>
    /// Back to the guest: first any event that is due goes to the callback (Xen delivers pending
    /// events on the way out of every entry), then a real IRET from ring 0 with the frame, with IF
    /// forced on and IOPL 0 (the guest's interrupt flag is virtual: evtchn_upcall_mask).
    /// </summary>
    private void LeaveToGuest(GuestFrame frame)
    {
        if (_dead) return;
        if (!DeliverPendingEvent(ref frame)) return;
        UpdateTime();
        var cpu = Cpu;
        uint eflags = (frame.EFlags | Cpu.IF) & ~(Cpu.IoplMask | Cpu.VM);
        uint top = XenLayout.StackTop - 20;
        uint p = StackPhysical(top);
        Memory.WriteUInt32(p, frame.Eip);
        Memory.WriteUInt32(p + 4, frame.Cs);
        Memory.WriteUInt32(p + 8, eflags);
        Memory.WriteUInt32(p + 12, frame.Esp);
        Memory.WriteUInt32(p + 16, frame.Ss);
        if (cpu.GetSegment(SegmentRegister.CS).Selector != XenLayout.XenCs) EnterRing0();
        cpu.Esp = top;
        cpu.Eip = XenLayout.StubVirt + XenLayout.IretStubOffset;
        _xenInstructions++; // the IRET about to run
        cpu.EndBlockAfterCurrentInstruction();
    }

    /// <summary>domain_crash: the run stops with a message naming what the guest did and where.</summary>
    private void Crash(string message, GuestFrame frame, string instruction)
    {
        StopMessage = $"domain crashed: {message}";
        Record(VmExitKind.Trap, "domain_crash", null, frame, instruction, new Dictionary<string, object>(), StopMessage, 0);
        _dead = true;
        Machine.Cpu.RequestStop(StopReason.MonitorStop);
    }

    // ---- exit records --------------------------------------------------------------------------

    private void Record(VmExitKind kind, string reason, int? number, GuestFrame at, string instruction, Dictionary<string, object> fields, string action, long cycles, byte[]? bytes = null)
    {
        _exitCycles += cycles;
        _exits.Add(new VmExit
        {
            Index = _exits.Count, Mode = GuestMode.Para, Kind = kind, Reason = reason, ReasonNumber = number,
            GuestEip = at.Eip, GuestCs = at.Cs, Cpl = at.Cs & 3, InstructionText = instruction, InstructionBytes = bytes ?? Array.Empty<byte>(),
            Fields = fields, Action = action, Cycles = cycles,
        });
    }

    /// <summary>Swaps the last two exit records (and their indexes).</summary>
    private void MoveLastExitBeforePrevious()
    {
        int n = _exits.Count;
        var last = _exits[n - 1];
        _exits[n - 1] = _exits[n - 2] with { Index = n - 1 };
        _exits[n - 2] = last with { Index = n - 2 };
    }

    /// <summary>The guest instruction at <paramref name="frame"/>'s CS:EIP, decoded with Iced (text and bytes), or empty when it cannot be read.</summary>
    private (string Text, byte[] Bytes) InstructionAt(GuestFrame frame)
    {
        uint linear = SegmentBase(frame.Cs) + frame.Eip;
        byte[]? raw = null;
        for (int n = 15; n > 0 && raw is null; n--) raw = _guest.Read(linear, n);
        if (raw is null) return ("", Array.Empty<byte>());
        var decoder = Iced.Intel.Decoder.Create(32, raw, frame.Eip);
        decoder.Decode(out var instruction);
        if (instruction.IsInvalid) return ("(bad)", raw[..1]);
        var output = new Iced.Intel.StringOutput();
        lock (Formatter) Formatter.Format(instruction, output);
        return (output.ToStringAndReset(), raw[..instruction.Length]);
    }

    private static readonly Iced.Intel.NasmFormatter Formatter = new() { Options = { FirstOperandCharIndex = 0 } };
}
