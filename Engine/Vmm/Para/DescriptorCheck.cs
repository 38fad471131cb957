namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Xen's check_descriptor (xen/arch/x86/x86_32/mm.c of the non-PAE era) for descriptors a guest puts in
/// its GDT (set_gdt, update_descriptor). A not-present descriptor is accepted as it is. A code or
/// data segment must have DPL ≥ 1 (ring 0 is Xen's) and may not reach the hypervisor hole: an
/// expand-up segment's limit is cut back to end below HYPERVISOR_VIRT_START, as Xen did; an
/// expand-down segment that would cover the hole is refused. VirtLab refuses every system
/// descriptor (TSS, LDT, gates): Xen accepted checked call gates, which VirtLab does not model.
/// </summary>
public static class DescriptorCheck
{
    /// <summary>True when the descriptor may be installed; <paramref name="lo"/>/<paramref name="hi"/> come back with the limit fixed up.</summary>
    public static bool Check(ref uint lo, ref uint hi)
    {
        if ((hi & 0x8000) == 0) return true;        // not present: loading it faults anyway
        if ((hi & 0x1000) == 0) return false;       // system descriptor
        if (((hi >> 13) & 3) == 0) return false;    // DPL 0 belongs to the hypervisor
        uint baseAddress = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000);
        uint field = (lo & 0xFFFF) | (hi & 0xF_0000);
        bool granular = (hi & 0x80_0000) != 0;
        ulong limit = granular ? ((ulong)field << 12) | 0xFFF : field;
        bool code = (hi & 0x800) != 0, expandDown = !code && (hi & 0x400) != 0;
        if (baseAddress >= XenLayout.HypervisorVirtStart) return false;
        if (expandDown)
        {
            ulong top = (hi & 0x40_0000) != 0 ? 0xFFFF_FFFFUL : 0xFFFFUL; // B selects the upper bound
            return baseAddress + top < XenLayout.HypervisorVirtStart;
        }
        if (baseAddress + limit < XenLayout.HypervisorVirtStart) return true;
        ulong allowed = XenLayout.HypervisorVirtStart - 1UL - baseAddress;
        uint newField = granular ? (uint)((allowed + 1) / 4096 - 1) : (uint)Math.Min(allowed, 0xFFFFFUL);
        if (granular && allowed < 0xFFF) return false; // not even one page below the hole
        lo = (lo & 0xFFFF_0000) | (newField & 0xFFFF);
        hi = (hi & 0xFFF0_FFFF) | (newField & 0xF_0000);
        return true;
    }
}
