using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Xen's page-type rules for a non-PAE PV domain (xen/arch/x86/mm.c: get_page_type, alloc_l1_table,
/// alloc_l2_table, get_page_from_l1e, get_page_from_l2e, mod_l1_entry, mod_l2_entry). A frame is a
/// page table (L1, L2), a descriptor-table page or writable, one at a time: every present writable
/// L1 entry holds a writable reference on the frame it maps, every present L2 entry an L1
/// reference on its table, a pin or the base pointer an L2 reference. A frame whose type count goes
/// from 0 to 1 is validated entry by entry; one that drops to 0 releases what its entries held.
/// </summary>
internal sealed class PageTypes
{
    private readonly FrameTable _frames;
    private readonly PhysicalMemory _memory;
    private readonly Action _flushTlb;
    private readonly uint[] _xenSlots;

    /// <param name="frames">The frame table.</param>
    /// <param name="memory">Machine memory.</param>
    /// <param name="ioAccess">The domain may map I/O memory and use cache-control bits (PWT, PCD, PAT).</param>
    /// <param name="flushTlb">Flushes the CPU's TLB (when a frame loses its last writable mapping, so no stale writable translation survives its retyping).</param>
    /// <param name="xenSlots">The 16 page-directory entries of the hole Xen writes into every L2 it validates.</param>
    public PageTypes(FrameTable frames, PhysicalMemory memory, bool ioAccess, Action flushTlb, uint[] xenSlots)
    {
        _frames = frames; _memory = memory; IoAccess = ioAccess; _flushTlb = flushTlb; _xenSlots = xenSlots;
    }

    public bool IoAccess { get; }
    public FrameTable Frames => _frames;

    /// <summary>The L1 flags a domain without I/O access may not use (Xen's L1_DISALLOW_MASK: only P/RW/US/A/D/G/AVL).</summary>
    private const uint CacheBits = PtePwt | PtePcd | PtePat;

    private uint Entry(uint mfn, uint index) => _memory.ReadUInt32((mfn << 12) + index * 4);
    private void SetEntry(uint mfn, uint index, uint value) => _memory.WriteUInt32((mfn << 12) + index * 4, value);

    /// <summary>get_page_type: 0, or -EBUSY when a page table would become writable, -EINVAL for any other type conflict or a table that fails validation.</summary>
    public int GetType(uint mfn, PageType type)
    {
        if (!_frames.TryGet(mfn, type, out bool first)) return type == PageType.Writable ? -EBUSY : -EINVAL;
        if (!first) return 0;
        int rc = type switch
        {
            PageType.L1 => ValidateL1(mfn),
            PageType.L2 => ValidateL2(mfn),
            PageType.SegDesc => ValidateSegDesc(mfn),
            _ => 0,
        };
        if (rc != 0) _frames.Abandon(mfn);
        return rc;
    }

    /// <summary>put_page_type: drops a reference; the last one releases what a table's entries held.</summary>
    public void PutType(uint mfn)
    {
        var type = _frames.Type(mfn);
        if (!_frames.Put(mfn)) return;
        switch (type)
        {
            case PageType.L1: for (uint i = 0; i < 1024; i++) PutL1Entry(Entry(mfn, i)); break;
            case PageType.L2: for (uint i = 0; i < FirstXenL2Slot; i++) PutL2Entry(Entry(mfn, i)); break;
            case PageType.Writable: _flushTlb(); break;
        }
    }

    private int ValidateL1(uint mfn)
    {
        for (uint i = 0; i < 1024; i++)
        {
            int rc = GetL1Entry(Entry(mfn, i));
            if (rc == 0) continue;
            for (uint j = 0; j < i; j++) PutL1Entry(Entry(mfn, j));
            return rc;
        }
        return 0;
    }

    private int ValidateL2(uint mfn)
    {
        for (uint i = 0; i < FirstXenL2Slot; i++)
        {
            int rc = GetL2Entry(Entry(mfn, i));
            if (rc == 0) continue;
            for (uint j = 0; j < i; j++) PutL2Entry(Entry(mfn, j));
            return rc;
        }
        // init_xen_l2_slots: the hole's slots are Xen's in every page directory.
        for (int s = 0; s < _xenSlots.Length; s++) SetEntry(mfn, (uint)(FirstXenL2Slot + s), _xenSlots[s]);
        return 0;
    }

    private int ValidateSegDesc(uint mfn)
    {
        for (uint i = 0; i < 512; i++)
        {
            uint lo = Entry(mfn, 2 * i), hi = Entry(mfn, 2 * i + 1);
            if (!DescriptorCheck.Check(ref lo, ref hi)) return -EINVAL;
            SetEntry(mfn, 2 * i, lo); SetEntry(mfn, 2 * i + 1, hi);
        }
        return 0;
    }

    /// <summary>get_page_from_l1e: the rules of one present L1 entry.</summary>
    public int GetL1Entry(uint e)
    {
        if ((e & PtePresent) == 0) return 0;
        if (!IoAccess && (e & CacheBits) != 0) return -EINVAL; // cache-control bits need I/O access
        uint frame = e >> 12;
        switch (_frames.Owner(frame))
        {
            case FrameOwner.Guest: return (e & PteRw) != 0 ? GetType(frame, PageType.Writable) : 0;
            case FrameOwner.SharedInfo: return 0;
            case FrameOwner.Xen: return -EBUSY;  // not the domain's frame
            default: return IoAccess ? 0 : -EPERM; // I/O memory needs permission
        }
    }

    public void PutL1Entry(uint e)
    {
        if ((e & (PtePresent | PteRw)) == (PtePresent | PteRw) && _frames.Owner(e >> 12) == FrameOwner.Guest) PutType(e >> 12);
    }

    /// <summary>get_page_from_l2e: a present L2 entry must point at a frame of the domain that validates as an L1; no superpages.</summary>
    public int GetL2Entry(uint e)
    {
        if ((e & PtePresent) == 0) return 0;
        if ((e & PtePse) != 0) return -EINVAL; // no superpages in a PV guest
        uint frame = e >> 12;
        if (_frames.Owner(frame) != FrameOwner.Guest) return -EINVAL;
        return GetType(frame, PageType.L1);
    }

    public void PutL2Entry(uint e)
    {
        if ((e & PtePresent) != 0 && _frames.Owner(e >> 12) == FrameOwner.Guest) PutType(e >> 12);
    }

    /// <summary>mod_l1_entry: validate the new entry, write it, release the old one.</summary>
    public int ModL1Entry(uint mfn, uint index, uint value)
    {
        uint old = Entry(mfn, index);
        int rc = GetL1Entry(value);
        if (rc != 0) return rc;
        SetEntry(mfn, index, value);
        PutL1Entry(old);
        return 0;
    }

    /// <summary>mod_l2_entry: the hole's slots are Xen's (-EPERM); otherwise as an L1 entry.</summary>
    public int ModL2Entry(uint mfn, uint index, uint value)
    {
        if (index >= FirstXenL2Slot) return -EPERM;
        uint old = Entry(mfn, index);
        int rc = GetL2Entry(value);
        if (rc != 0) return rc;
        SetEntry(mfn, index, value);
        PutL2Entry(old);
        return 0;
    }
}
