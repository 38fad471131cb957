using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Event channels on the 2-level ABI (xen/common/event_channel.c, event_2l.c) and their delivery:
/// the pending and mask bitmaps in shared_info, the selector and evtchn_upcall_pending in
/// vcpu_info[0], VIRQ bindings, and the upcall to the guest's event callback when upcall_pending
/// is 1 and evtchn_upcall_mask (the virtual interrupt flag) is 0.
/// </summary>
public sealed partial class ParaMonitor
{
    private enum ChannelState : byte { Free, Reserved, Virq, Ipi }

    /// <summary>event_channel_op sub-operations (public/event_channel.h).</summary>
    public enum EventChannelOp { BindInterdomain = 0, BindVirq = 1, BindPirq = 2, Close = 3, Send = 4, Status = 5, AllocUnbound = 6, BindIpi = 7, BindVcpu = 8, Unmask = 9 }

    private readonly ChannelState[] _ports = CreatePorts();
    private readonly int[] _portVirq = new int[NrEventChannels];
    private readonly int[] _virqPort = new int[NrVirqs];
    private ushort _eventCs, _failsafeCs;
    private uint _eventEip, _failsafeEip;
    private bool _blocked;

    private static ChannelState[] CreatePorts()
    {
        var p = new ChannelState[NrEventChannels];
        p[0] = ChannelState.Reserved; // port 0 is never handed out
        return p;
    }

    private uint VcpuInfo => _sharedInfo; // VCPU 0
    private bool UpcallPending => Memory.ReadByte(VcpuInfo + VcpuUpcallPending) != 0;
    private bool UpcallMasked => Memory.ReadByte(VcpuInfo + VcpuUpcallMask) != 0;

    private bool TestAndSet(uint bitmap, int bit)
    {
        uint a = bitmap + (uint)(bit / 32) * 4;
        uint w = Memory.ReadUInt32(a), m = 1u << (bit % 32);
        if ((w & m) != 0) return true;
        Memory.WriteUInt32(a, w | m);
        return false;
    }

    private bool TestBit(uint bitmap, int bit) => (Memory.ReadUInt32(bitmap + (uint)(bit / 32) * 4) & (1u << (bit % 32))) != 0;

    private bool TestAndClear(uint bitmap, int bit)
    {
        uint a = bitmap + (uint)(bit / 32) * 4;
        uint w = Memory.ReadUInt32(a), m = 1u << (bit % 32);
        if ((w & m) == 0) return false;
        Memory.WriteUInt32(a, w & ~m);
        return true;
    }

    /// <summary>evtchn_set_pending (2-level): pending bit; unless masked, the selector bit and upcall_pending.</summary>
    private void SetPending(int port)
    {
        if (TestAndSet(_sharedInfo + EvtchnPending, port)) return;
        if (!TestBit(_sharedInfo + EvtchnMask, port) && !TestAndSet(VcpuInfo + VcpuPendingSel, port / 32))
            Memory.WriteByte(VcpuInfo + VcpuUpcallPending, 1);
    }

    /// <summary>send_guest_vcpu_virq: raises the port a VIRQ is bound to, if any.</summary>
    private void RaiseVirq(int virq)
    {
        if (_virqPort[virq] != 0) SetPending(_virqPort[virq]);
    }

    private int AllocatePort()
    {
        for (int p = 1; p < NrEventChannels; p++) if (_ports[p] == ChannelState.Free) return p;
        return -1;
    }

    /// <summary>event_channel_op (32): ECX points to the operation's structure.</summary>
    private int EventChannelOperation(HypercallCall c)
    {
        var op = (EventChannelOp)c.Ebx;
        c.Fields["cmd"] = c.Ebx;
        uint arg = c.Ecx;
        switch (op)
        {
            case EventChannelOp.BindVirq:
            {
                // struct evtchn_bind_virq { u32 virq; u32 vcpu; u32 port (out); }
                if (!_guest.TryReadUInt32(arg, out uint virq) || !_guest.TryReadUInt32(arg + 4, out uint vcpu)) return -EFAULT;
                c.Fields["virq"] = virq;
                if (virq >= NrVirqs) return -EINVAL;
                if (vcpu != 0) return -ENOENT;
                if (_virqPort[virq] != 0) return -EEXIST;
                int port = AllocatePort();
                if (port < 0) return -ENOSPC;
                if (!_guest.TryWriteUInt32(arg + 8, (uint)port)) return -EFAULT;
                _ports[port] = ChannelState.Virq; _portVirq[port] = (int)virq; _virqPort[virq] = port;
                c.Fields["port"] = (uint)port;
                return 0;
            }
            case EventChannelOp.BindIpi:
            {
                // struct evtchn_bind_ipi { u32 vcpu; u32 port (out); }
                if (!_guest.TryReadUInt32(arg, out uint vcpu)) return -EFAULT;
                if (vcpu != 0) return -ENOENT;
                int port = AllocatePort();
                if (port < 0) return -ENOSPC;
                if (!_guest.TryWriteUInt32(arg + 4, (uint)port)) return -EFAULT;
                _ports[port] = ChannelState.Ipi;
                c.Fields["port"] = (uint)port;
                return 0;
            }
            case EventChannelOp.Close:
            {
                if (!_guest.TryReadUInt32(arg, out uint port)) return -EFAULT;
                c.Fields["port"] = port;
                if (port >= NrEventChannels || _ports[port] is ChannelState.Free or ChannelState.Reserved) return -EINVAL;
                if (_ports[port] == ChannelState.Virq) _virqPort[_portVirq[port]] = 0;
                _ports[port] = ChannelState.Free;
                TestAndClear(_sharedInfo + EvtchnPending, (int)port);
                return 0;
            }
            case EventChannelOp.Send:
            {
                if (!_guest.TryReadUInt32(arg, out uint port)) return -EFAULT;
                c.Fields["port"] = port;
                if (port >= NrEventChannels) return -EINVAL;
                // Only an IPI (or interdomain) channel can be sent on; a VIRQ is raised by Xen alone.
                if (_ports[port] != ChannelState.Ipi) return -EINVAL;
                SetPending((int)port);
                return 0;
            }
            case EventChannelOp.Unmask:
            {
                if (!_guest.TryReadUInt32(arg, out uint port)) return -EFAULT;
                c.Fields["port"] = port;
                if (port >= NrEventChannels) return -EINVAL;
                // evtchn_2l_unmask: clear the mask; if the port is pending, set the selector and upcall_pending.
                if (TestAndClear(_sharedInfo + EvtchnMask, (int)port) && TestBit(_sharedInfo + EvtchnPending, (int)port)
                    && !TestAndSet(VcpuInfo + VcpuPendingSel, (int)port / 32))
                    Memory.WriteByte(VcpuInfo + VcpuUpcallPending, 1);
                return 0;
            }
            default:
                c.Action = $"event_channel_op {c.Ebx} is not implemented in VirtLab";
                return -ENOSYS;
        }
    }

    private const int ENOSPC = 28;

    /// <summary>set_callbacks (4): the event and failsafe callbacks (Xen forces RPL ≥ 1 on the selectors).</summary>
    private int SetCallbacks(HypercallCall c)
    {
        _eventCs = GuestSelector(c.Ebx); _eventEip = c.Ecx;
        _failsafeCs = GuestSelector(c.Edx); _failsafeEip = c.Esi;
        c.Fields["event-cs"] = (uint)_eventCs; c.Fields["event-eip"] = _eventEip;
        return 0;
    }

    /// <summary>fixup_guest_code_selector / stack selector: a selector the guest gives Xen gets RPL ≥ 1.</summary>
    private static ushort GuestSelector(uint selector) => (ushort)((selector & 3) == 0 ? selector | 1 : selector);

    /// <summary>
    /// On the way back to the guest: if an event is pending and not masked, and a callback is
    /// registered, bounce to the callback with Xen's frame and set upcall_mask. False when the
    /// domain died writing the frame.
    /// </summary>
    private bool DeliverPendingEvent(ref GuestFrame frame)
    {
        if (_eventEip == 0 || !UpcallPending || UpcallMasked) return true;
        var at = frame;
        if (!Bounce(ref frame, _eventCs, _eventEip, null, maskEvents: true, "the event callback")) return false;
        Record(VmExitKind.Trap, "event_callback", null, at, "", new Dictionary<string, object> { ["pending-sel"] = Memory.ReadUInt32(VcpuInfo + VcpuPendingSel) },
            $"delivered to the event callback at {_eventCs:X4}:{_eventEip:X8}", ParaCosts.Event);
        return true;
    }

    /// <summary>A blocked VCPU woke up (an event arrived while Xen idled): sched_op block returns 0.</summary>
    private void Wake()
    {
        _blocked = false;
        Cpu.Eax = 0;
    }

    /// <summary>Puts the VCPU to sleep in Xen's idle loop with its frame kept on Xen's stack; the next event wakes it.</summary>
    private void Block(GuestFrame frame)
    {
        _blocked = true;
        uint top = StackTop - 20;
        uint p = StackPhysical(top);
        Memory.WriteUInt32(p, frame.Eip); Memory.WriteUInt32(p + 4, frame.Cs); Memory.WriteUInt32(p + 8, frame.EFlags);
        Memory.WriteUInt32(p + 12, frame.Esp); Memory.WriteUInt32(p + 16, frame.Ss);
        var cpu = Cpu;
        cpu.Esp = top;
        cpu.Eip = StubVirt + IdleStubOffset;
        _xenInstructions++; // the idle loop's HLT
        cpu.SetEFlags(0x202);
        cpu.EndBlockAfterCurrentInstruction();
    }

    /// <summary>
    /// The CPU's interrupt line in Para mode: Xen raises its event-check vector when the running
    /// guest has a deliverable event, or the idle VCPU has any pending one. The machine's own
    /// controller (the 8259A, Xen's) answers whenever this monitor is not the CPU's.
    /// </summary>
    private sealed class EventSource : IInterruptSource
    {
        public readonly ParaMonitor Owner;
        public readonly IInterruptSource? Hardware;
        public EventSource(ParaMonitor owner, IInterruptSource? hardware) { Owner = owner; Hardware = hardware; }

        public bool InterruptPending => Owner.Attached ? Owner.EventDue : Hardware?.InterruptPending ?? false;

        public byte AcknowledgeInterrupt() => Owner.Attached ? EventCheckVector : Hardware!.AcknowledgeInterrupt();
    }

    private bool EventDue => !_dead && _eventEip != 0 && UpcallPending && (_blocked || (Cpu.Cpl != 0 && !UpcallMasked));

    private void InstallEventSource()
    {
        var cpu = Cpu;
        var hardware = cpu.InterruptSource is EventSource previous ? previous.Hardware : cpu.InterruptSource;
        cpu.InterruptSource = new EventSource(this, hardware);
        cpu.ClockedDevices.RemoveAll(d => d is XenTimer);
        cpu.ClockedDevices.Add(new XenTimer(this));
        cpu.RescheduleDevices();
    }
}
