using static VirtLab.Engine.Vmm.Para.XenErrno;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// physdev_op (xen/arch/x86/physdev.c): only PHYSDEVOP_set_iopl, the virtual I/O privilege level.
/// With it at least the guest's ring (1 for the kernel, 3 for its processes), Xen emulates IN/OUT to
/// the domain's ports and treats CLI/STI as no-ops (they never change evtchn_upcall_mask); below
/// it they are a #GP for the guest. Linux's dom0 sets it to 1 at boot.
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>PHYSDEVOP_set_iopl = 6 (xen/include/public/physdev.h, checked against the header).</summary>
    public const uint PhysdevOpSetIopl = 6;

    private uint _virtualIopl;

    /// <summary>The virtual IOPL (0 at boot, as the domain builder leaves EFLAGS.IOPL).</summary>
    public uint VirtualIopl => _virtualIopl;

    /// <summary>iopl_ok: the virtual IOPL covers the guest's ring (the kernel counts as ring 1).</summary>
    private bool IoplOk(int ring) => _virtualIopl >= (ring == 3 ? 3u : 1u);

    /// <summary>physdev_op (33): EBX = command, ECX = its structure (set_iopl: <c>{ u32 iopl; }</c>).</summary>
    private int PhysdevOperation(HypercallCall c)
    {
        c.Fields["cmd"] = c.Ebx;
        if (c.Ebx != PhysdevOpSetIopl)
        {
            c.Action = $"physdev_op {c.Ebx} is not implemented in VirtLab";
            return -ENOSYS;
        }
        if (!_guest.TryReadUInt32(c.Ecx, out uint iopl)) return -EFAULT;
        c.Fields["iopl"] = iopl;
        if (iopl > 3) return -EINVAL;
        _virtualIopl = iopl;
        return 0;
    }
}
