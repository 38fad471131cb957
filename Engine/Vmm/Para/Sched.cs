using System.Text;
using static VirtLab.Engine.Vmm.Para.XenErrno;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Scheduling, console and version (xen/common/sched/core.c do_sched_op, drivers/char/console.c
/// do_console_io, common/kernel.c do_xen_version).
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>sched_op commands and shutdown reasons (public/sched.h).</summary>
    public enum SchedOp { Yield = 0, Block = 1, Shutdown = 2, Poll = 3 }
    public static readonly string[] ShutdownReasons = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };

    /// <summary>sched_op (29; 6 is the compat form whose shutdown reason is ECX itself).</summary>
    private int SchedOperation(HypercallCall c, bool compat)
    {
        c.Fields["cmd"] = c.Ebx;
        switch ((SchedOp)c.Ebx)
        {
            case SchedOp.Yield:
                return 0; // one VCPU: it runs again at once
            case SchedOp.Block:
                // Blocking unmasks events atomically; a pending event returns at once (and is delivered on the way out).
                Memory.WriteByte(VcpuInfo + XenLayout.VcpuUpcallMask, 0);
                if (UpcallPending) return 0;
                c.Block = true;
                c.Action = "blocked until the next event";
                return 0;
            case SchedOp.Shutdown:
            {
                uint reason = c.Ecx;
                if (!compat && !_guest.TryReadUInt32(c.Ecx, out reason)) return -EFAULT; // struct sched_shutdown { u32 reason; }
                c.Fields["reason"] = reason;
                if (reason >= ShutdownReasons.Length) return -EINVAL;
                ShutdownCode = (int)reason;
                StopMessage = $"domain shut down: {ShutdownReasons[reason]}";
                c.Action = StopMessage;
                c.Stop = true;
                _dead = true;
                Cpu.RequestStop(StopReason.MonitorStop);
                return 0;
            }
            default:
                c.Action = $"sched_op {c.Ebx} is not implemented in VirtLab";
                return -ENOSYS;
        }
    }

    /// <summary>console_io (18): write 0 (ECX bytes at EDX to the hypervisor's console), read 1 (no input here: 0 bytes). A domU gets -EPERM, as from a non-debug Xen.</summary>
    private int ConsoleIo(HypercallCall c)
    {
        c.Fields["cmd"] = c.Ebx; c.Fields["count"] = c.Ecx;
        if (c.Ebx > 1) return -ENOSYS;
        if (!Settings.Privileged) return -EPERM;
        if (c.Ebx == 1) return 0;
        // guest_console_write: chunk by chunk, so an unreadable page ends the call with -EFAULT after what came before it.
        var text = new StringBuilder();
        for (uint done = 0; done < c.Ecx;)
        {
            uint address = c.Edx + done;
            int chunk = (int)Math.Min(c.Ecx - done, 0x1000 - (address & 0xFFF));
            var bytes = _guest.Read(address, chunk);
            if (bytes is null || address < c.Edx) { c.Fields["text"] = text.ToString(); return -EFAULT; }
            foreach (byte b in bytes) Machine.Console.Append(b);
            text.Append(Encoding.Latin1.GetString(bytes));
            done += (uint)chunk;
        }
        c.Fields["text"] = text.ToString();
        return 0;
    }

    /// <summary>XENVER_* (xen/include/public/version.h, checked against the header).</summary>
    public enum XenVer { Version = 0, Extraversion = 1, CompileInfo = 2, Capabilities = 3, Changeset = 4, PlatformParameters = 5, GetFeatures = 6, Pagesize = 7 }

    /// <summary>xen_version (17): Xen 3.0 on x86_32 non-PAE.</summary>
    private int XenVersion(HypercallCall c)
    {
        c.Fields["cmd"] = c.Ebx;
        uint arg = c.Ecx;
        bool Put(string text, int size)
        {
            var b = new byte[size];
            Encoding.ASCII.GetBytes(text).AsSpan(0, Math.Min(text.Length, size - 1)).CopyTo(b);
            return _guest.Write(arg, b);
        }
        switch ((XenVer)c.Ebx)
        {
            case XenVer.Version: return 0x0003_0000;
            case XenVer.Extraversion: return Put(".0-virtlab", 16) ? 0 : -EFAULT;
            case XenVer.CompileInfo:
                return _guest.Write(arg, CompileInfo()) ? 0 : -EFAULT;
            case XenVer.Capabilities: return Put("xen-3.0-x86_32 ", 1024) ? 0 : -EFAULT;
            case XenVer.Changeset: return Put("unavailable", 64) ? 0 : -EFAULT;
            case XenVer.PlatformParameters: return _guest.TryWriteUInt32(arg, XenLayout.HypervisorVirtStart) ? 0 : -EFAULT;
            case XenVer.GetFeatures:
            {
                // struct xen_feature_info { u32 submap_idx; u32 submap; }: no optional feature (no writable page tables).
                if (!_guest.TryReadUInt32(arg, out uint _)) return -EFAULT;
                return _guest.TryWriteUInt32(arg + 4, 0) ? 0 : -EFAULT;
            }
            case XenVer.Pagesize: return 4096;
            default: return -ENOSYS;
        }
    }

    private static byte[] CompileInfo()
    {
        // struct xen_compile_info { char compiler[64]; char compile_by[16]; char compile_domain[32]; char compile_date[32]; }
        var b = new byte[144];
        Encoding.ASCII.GetBytes("VirtLab (C#)").CopyTo(b, 0);
        Encoding.ASCII.GetBytes("virtlab").CopyTo(b, 64);
        Encoding.ASCII.GetBytes("virtlab").CopyTo(b, 80);
        return b;
    }
}
