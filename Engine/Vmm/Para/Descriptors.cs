using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Descriptor tables (xen/arch/x86/pv/descriptor-tables.c: do_set_gdt, do_update_descriptor). The
/// guest's GDT frames become descriptor pages (no writable mapping, every descriptor checked) and
/// appear in pages 0-13 of Xen's GDT window in the hole, followed by Xen's reserved page (the flat
/// selectors at 0xE000 up).
/// </summary>
public sealed partial class ParaMonitor
{
    private readonly List<uint> _gdtFrames = new();

    /// <summary>set_gdt (2): EBX = list of MFNs, ECX = number of entries (at most 7168, below Xen's).</summary>
    private int SetGdt(HypercallCall c)
    {
        uint entries = c.Ecx;
        c.Fields["entries"] = entries;
        if (entries > FirstReservedGdtEntry) return -EINVAL;
        int nr = (int)((entries + 511) / 512);
        var frames = new List<uint>();
        for (int i = 0; i < nr; i++)
        {
            if (!_guest.TryReadUInt32(c.Ebx + (uint)i * 4, out uint mfn)) return -EFAULT;
            frames.Add(mfn);
        }
        for (int i = 0; i < frames.Count; i++)
        {
            int rc = _frames.Owner(frames[i]) != FrameOwner.Guest ? -EINVAL : _types.GetType(frames[i], PageType.SegDesc);
            if (rc == 0) continue;
            for (int j = 0; j < i; j++) _types.PutType(frames[j]);
            c.Fields["failed-frame"] = frames[i];
            return rc;
        }
        foreach (var old in _gdtFrames) _types.PutType(old);
        _gdtFrames.Clear();
        _gdtFrames.AddRange(frames);
        for (int i = 0; i < FirstReservedGdtPage; i++)
        {
            SetXenMapping(i, i < frames.Count ? frames[i] << 12 : _zeroFrame, writable: i < frames.Count);
            Cpu.InvalidatePage(GdtVirt + (uint)i * 4096);
        }
        return 0;
    }

    /// <summary>update_descriptor (10): machine address (low, high) of an 8-byte slot, descriptor (low, high).</summary>
    private int UpdateDescriptor(HypercallCall c)
    {
        uint lo = c.Edx, hi = c.Esi;
        c.Fields["address"] = c.Ebx;
        if (c.Ecx != 0 || (c.Ebx & 7) != 0) return -EINVAL;
        uint mfn = c.Ebx >> 12;
        if (_frames.Owner(mfn) != FrameOwner.Guest) return -EINVAL;
        if (!DescriptorCheck.Check(ref lo, ref hi)) return -EINVAL;
        if (_frames.Type(mfn) is PageType.L1 or PageType.L2) return -EINVAL; // a page table cannot be written as data
        Memory.WriteUInt32(c.Ebx, lo);
        Memory.WriteUInt32(c.Ebx + 4, hi);
        return 0;
    }
}
