using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Memory management hypercalls (xen/arch/x86/mm.c: do_mmu_update, do_mmuext_op,
/// do_update_va_mapping). Every page-table write is validated by <see cref="PageTypes"/>; the guest
/// never writes its tables itself (they are mapped read-only and CR0.WP is set).
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>mmu_update request commands (low 2 bits of ptr).</summary>
    public const uint MmuNormalPtUpdate = 0, MmuMachphysUpdate = 1, MmuPtUpdatePreserveAd = 2, MmuPtUpdateNoTranslate = 3;
    /// <summary>mmuext_op commands.</summary>
    public enum MmuextCmd { PinL1Table = 0, PinL2Table = 1, PinL3Table = 2, PinL4Table = 3, UnpinTable = 4, NewBaseptr = 5, TlbFlushLocal = 6, InvlpgLocal = 7, TlbFlushMulti = 8, InvlpgMulti = 9, TlbFlushAll = 10, InvlpgAll = 11, FlushCache = 12, SetLdt = 13 }
    /// <summary>update_va_mapping flags.</summary>
    public const uint UvmfNone = 0, UvmfTlbFlush = 1, UvmfInvlpg = 2, UvmfAll = 4;

    private uint _baseptr;

    /// <summary>The domain argument of mmu_update/mmuext_op: DOMID_SELF (or this domain's id, 0) only.</summary>
    private static bool IsSelf(uint domid) => domid == DomidSelf || domid == 0;

    /// <summary>mmu_update (1): { u64 ptr; u64 val; } × count; &amp;done receives how many succeeded; the first failure stops the batch.</summary>
    private int MmuUpdate(HypercallCall c) => Batch(c, 16, req =>
    {
        ulong ptr = BitConverter.ToUInt64(req, 0), val = BitConverter.ToUInt64(req, 8);
        int rc = MmuUpdateOne(ptr, val);
        if (rc != 0) { c.Fields["failed-ptr"] = ptr; c.Fields["failed-val"] = val; }
        return rc;
    });

    /// <summary>
    /// The batch of mmu_update and mmuext_op (Xen's do_mmu_update / do_mmuext_op): EBX = the requests of
    /// <paramref name="size"/> bytes, ECX = count, EDX = &amp;done (or 0), ESI = domid (DOMID_SELF only); the
    /// first failure stops the batch, and done says how many succeeded.
    /// </summary>
    private int Batch(HypercallCall c, uint size, Func<byte[], int> one)
    {
        uint count = c.Ecx;
        c.Fields["count"] = count;
        if (!IsSelf(c.Esi)) return -ESRCH;
        int rc = 0;
        uint done = 0;
        for (; done < count; done++)
        {
            var req = _guest.Read(c.Ebx + done * size, (int)size);
            if (req is null) { rc = -EFAULT; break; }
            rc = one(req);
            if (rc != 0) break;
        }
        c.Fields["done"] = done;
        if (c.Edx != 0 && !_guest.TryWriteUInt32(c.Edx, done)) return -EFAULT;
        return rc;
    }

    private int MmuUpdateOne(ulong ptr, ulong val)
    {
        uint cmd = (uint)ptr & 3;
        if (cmd is MmuMachphysUpdate or MmuPtUpdateNoTranslate) return -ENOSYS; // not modelled: VirtLab's P2M is the identity
        if (ptr >> 32 != 0 || val >> 32 != 0) return -EINVAL; // non-PAE: entries and machine addresses are 32-bit
        uint address = (uint)ptr & ~3u, mfn = address >> 12, index = (address & 0xFFF) >> 2;
        if (_frames.Owner(mfn) != FrameOwner.Guest) return -EINVAL; // the table must be the domain's frame
        uint value = (uint)val;
        var type = _frames.Type(mfn);
        if (cmd == MmuPtUpdatePreserveAd && type is PageType.L1 or PageType.L2)
            value = (value & ~(PteAccessed | PteDirty)) | (Memory.ReadUInt32(address) & (PteAccessed | PteDirty));
        switch (type)
        {
            case PageType.L1: return _types.ModL1Entry(mfn, index, value);
            case PageType.L2: return _types.ModL2Entry(mfn, index, value);
            case PageType.SegDesc: return -EINVAL; // descriptor pages change through update_descriptor
            default:
                Memory.WriteUInt32(address, value); // an ordinary page: a plain write
                return 0;
        }
    }

    /// <summary>The L1 frame and index that map <paramref name="va"/> in the current page directory, or an error.</summary>
    private int L1For(uint va, out uint l1, out uint index)
    {
        l1 = 0; index = (va >> 12) & 0x3FF;
        if (va >= HypervisorVirtStart) return -EINVAL;
        uint pde = Memory.ReadUInt32((_baseptr << 12) + (va >> 22) * 4);
        if ((pde & PtePresent) == 0) return -EINVAL;
        l1 = pde >> 12;
        return _frames.Type(l1) == PageType.L1 ? 0 : -EINVAL;
    }

    /// <summary>update_va_mapping (14): va, PTE (low, high), flags (UVMF_*: flush none / all / invlpg; bit 2 all VCPUs, or a VCPU bitmap pointer).</summary>
    private int UpdateVaMapping(HypercallCall c)
    {
        uint va = c.Ebx, flags = c.Esi;
        c.Fields["va"] = va; c.Fields["pte"] = c.Ecx; c.Fields["flags"] = flags;
        if (c.Edx != 0) return -EINVAL;
        uint kind = flags & 3;
        if (kind == 3) return -EINVAL; // VirtLab refuses the undefined flush type before touching the entry
        int rc = L1For(va, out uint l1, out uint index);
        if (rc == 0) rc = _types.ModL1Entry(l1, index, c.Ecx);
        if (rc != 0) return rc;
        if ((flags & ~7u) != 0 && (flags & UvmfAll) == 0)
        {
            // A VCPU bitmap: with one VCPU, bit 0 says whether this one flushes.
            if (!_guest.TryReadUInt32(flags & ~7u, out uint mask)) return -EFAULT;
            if ((mask & 1) == 0) return 0;
        }
        if (kind == UvmfTlbFlush) Cpu.FlushTlb(keepGlobal: true);
        else if (kind == UvmfInvlpg) Cpu.InvalidatePage(va);
        return 0;
    }

    /// <summary>mmuext_op (26): { u32 cmd; u32 arg1; u32 arg2; } × count; &amp;done; domid.</summary>
    private int MmuextOperation(HypercallCall c)
    {
        bool first = true;
        return Batch(c, 12, op =>
        {
            uint cmd = BitConverter.ToUInt32(op, 0), arg1 = BitConverter.ToUInt32(op, 4), arg2 = BitConverter.ToUInt32(op, 8);
            if (first) { c.Fields["cmd"] = cmd; first = false; }
            int rc = MmuextOne((MmuextCmd)cmd, arg1, arg2);
            if (rc != 0) { c.Fields["failed-cmd"] = cmd; c.Fields["failed-arg1"] = arg1; }
            return rc;
        });
    }

    private int MmuextOne(MmuextCmd cmd, uint arg1, uint arg2)
    {
        switch (cmd)
        {
            case MmuextCmd.PinL1Table:
            case MmuextCmd.PinL2Table:
            {
                if (_frames.Owner(arg1) != FrameOwner.Guest) return -EINVAL;
                if (_frames.Pinned(arg1)) return -EINVAL; // already pinned
                int rc = _types.GetType(arg1, cmd == MmuextCmd.PinL1Table ? PageType.L1 : PageType.L2);
                if (rc != 0) return rc;
                _frames.SetPinned(arg1, true);
                return 0;
            }
            case MmuextCmd.PinL3Table:
            case MmuextCmd.PinL4Table:
                return -EINVAL; // a non-PAE guest has two levels
            case MmuextCmd.UnpinTable:
                if (_frames.Owner(arg1) != FrameOwner.Guest || !_frames.Pinned(arg1)) return -EINVAL;
                _frames.SetPinned(arg1, false);
                _types.PutType(arg1);
                return 0;
            case MmuextCmd.NewBaseptr:
            {
                if (_frames.Owner(arg1) != FrameOwner.Guest) return -EINVAL;
                int rc = _types.GetType(arg1, PageType.L2);
                if (rc != 0) return rc;
                uint old = _baseptr;
                _baseptr = arg1;
                Cpu.WriteCr3(arg1 << 12);
                _types.PutType(old);
                return 0;
            }
            case MmuextCmd.TlbFlushLocal:
            case MmuextCmd.TlbFlushMulti:
            case MmuextCmd.TlbFlushAll:
                Cpu.FlushTlb(keepGlobal: true); // one VCPU: every flavour flushes this one
                return 0;
            case MmuextCmd.InvlpgLocal:
            case MmuextCmd.InvlpgMulti:
            case MmuextCmd.InvlpgAll:
                Cpu.InvalidatePage(arg1);
                return 0;
            case MmuextCmd.FlushCache:
                return Settings.Privileged ? 0 : -EPERM; // wbinvd is for domains with hardware access
            default:
                return -ENOSYS; // set_ldt and the rarer commands are not modelled
        }
    }
}
