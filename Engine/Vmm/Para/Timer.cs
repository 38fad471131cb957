using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Xen's system time and the VCPU timers (xen/common/timer.c, domain.c, time.c). VirtLab's system
/// time is the CPU's virtual time read as nanoseconds (one instruction or idle step = 1 ns, a 1 GHz
/// VCPU at one instruction per cycle), so timers are deterministic. The single-shot timer
/// (set_timer_op, VCPUOP_set_singleshot_timer) and the periodic one (VCPUOP_set_periodic_timer;
/// Xen starts every VCPU with a 10 ms period) raise VIRQ_TIMER when they expire. vcpu_info.time
/// is refreshed on every exit (version odd while it changes).
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>VCPUOP_* numbers (xen/include/public/vcpu.h, checked against the header).</summary>
    public enum VcpuOp { Initialise = 0, Up = 1, Down = 2, IsUp = 3, GetRunstateInfo = 4, RegisterRunstateMemoryArea = 5, SetPeriodicTimer = 6, StopPeriodicTimer = 7, SetSingleshotTimer = 8, StopSingleshotTimer = 9 }

    private const long DefaultPeriodNs = 10_000_000, MinPeriodNs = 1_000_000;
    private long _singleshot = long.MaxValue;  // absolute ns, MaxValue = none
    private long _periodNs = DefaultPeriodNs, _periodicNext = DefaultPeriodNs;
    private uint _timeVersion;

    /// <summary>NOW(): system time in ns.</summary>
    public long SystemTime => Cpu.VirtualTime;

    /// <summary>The next virtual time a timer fires at (long.MaxValue for none).</summary>
    private long NextTimer => Math.Min(_singleshot, _periodNs > 0 ? _periodicNext : long.MaxValue);

    /// <summary>Fires the timers that are due; returns the next deadline.</summary>
    private long AdvanceTimers(long now)
    {
        if (_dead) return long.MaxValue;
        if (_singleshot <= now) { _singleshot = long.MaxValue; RaiseVirq(VirqTimer); }
        if (_periodNs > 0 && _periodicNext <= now)
        {
            RaiseVirq(VirqTimer);
            _periodicNext += ((now - _periodicNext) / _periodNs + 1) * _periodNs; // missed periods collapse into one event, as Xen does
        }
        return NextTimer;
    }

    private sealed class XenTimer : IVirtualClockDevice
    {
        private readonly ParaMonitor _owner;
        public XenTimer(ParaMonitor owner) { _owner = owner; }
        public long AdvanceTo(long now) => _owner.Attached ? _owner.AdvanceTimers(now) : long.MaxValue;
    }

    /// <summary>Refreshes vcpu_info.time (struct vcpu_time_info: version, tsc_timestamp, system_time, tsc_to_system_mul, tsc_shift): ns = ((tsc - stamp) &lt;&lt; 1) × 2^31 / 2^32.</summary>
    private void UpdateTime()
    {
        uint t = VcpuInfo + VcpuTime;
        long now = SystemTime;
        ulong tsc = (ulong)now + Cpu.TscOffset;
        Memory.WriteUInt32(t, ++_timeVersion);          // odd: being updated
        Memory.WriteUInt32(t + 8, (uint)tsc); Memory.WriteUInt32(t + 12, (uint)(tsc >> 32));
        Memory.WriteUInt32(t + 16, (uint)now); Memory.WriteUInt32(t + 20, (uint)((ulong)now >> 32));
        Memory.WriteUInt32(t + 24, 0x8000_0000);          // tsc_to_system_mul
        Memory.WriteByte(t + 28, 1);                      // tsc_shift
        Memory.WriteUInt32(t, ++_timeVersion);          // even: consistent
    }

    private void TimersChanged() => Cpu.RescheduleDevices();

    /// <summary>set_timer_op (15): absolute deadline in ns (EBX low, ECX high); 0 cancels.</summary>
    private int SetTimerOp(HypercallCall c)
    {
        long deadline = (long)((ulong)c.Ecx << 32 | c.Ebx);
        c.Fields["deadline"] = (ulong)deadline;
        _singleshot = deadline == 0 ? long.MaxValue : Math.Max(deadline, SystemTime); // a past deadline fires at once
        TimersChanged();
        return 0;
    }

    /// <summary>vcpu_op (24): what a single-VCPU guest needs (is_up, the periodic and single-shot timers).</summary>
    private int VcpuOperation(HypercallCall c)
    {
        c.Fields["cmd"] = c.Ebx;
        if (c.Ecx != 0) return -ENOENT; // one VCPU: id 0
        uint arg = c.Edx;
        switch ((VcpuOp)c.Ebx)
        {
            case VcpuOp.IsUp: return 1;
            case VcpuOp.Up: return 0; // VCPU 0 is running
            case VcpuOp.SetPeriodicTimer:
            {
                if (!_guest.TryReadUInt64(arg, out ulong period)) return -EFAULT;
                c.Fields["period"] = period;
                if (period < MinPeriodNs) return -EINVAL; // Xen refuses periods under 1 ms
                _periodNs = (long)Math.Min(period, long.MaxValue / 4);
                _periodicNext = SystemTime + _periodNs;
                TimersChanged();
                return 0;
            }
            case VcpuOp.StopPeriodicTimer:
                _periodNs = 0;
                TimersChanged();
                return 0;
            case VcpuOp.SetSingleshotTimer:
            {
                // struct vcpu_set_singleshot_timer { u64 timeout_abs_ns; u32 flags; } (VCPU_SSHOTTMR_future = 1)
                if (!_guest.TryReadUInt64(arg, out ulong timeout) || !_guest.TryReadUInt32(arg + 8, out uint flags)) return -EFAULT;
                c.Fields["deadline"] = timeout;
                if ((flags & 1) != 0 && (long)Math.Min(timeout, long.MaxValue) < SystemTime) return -ETIME;
                _singleshot = Math.Max((long)Math.Min(timeout, long.MaxValue), SystemTime);
                TimersChanged();
                return 0;
            }
            case VcpuOp.StopSingleshotTimer:
                _singleshot = long.MaxValue;
                TimersChanged();
                return 0;
            default:
                c.Action = $"vcpu_op {c.Ebx} is not implemented in VirtLab";
                return -ENOSYS;
        }
    }
}
