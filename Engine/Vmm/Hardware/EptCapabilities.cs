namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The IA32_VMX_EPT_VPID_CAP bits EPT looks at (SDM Vol. 3C appendix A.10), and the physical-address
/// width the EPT checks use.
/// </summary>
public static class EptCapabilities
{
    /// <summary>Bit 0: execute-only EPT entries (bits 2:0 = 100b) are supported.</summary>
    public const ulong ExecuteOnly = 1UL << 0;
    /// <summary>Bit 6: a page-walk length of 4 is supported.</summary>
    public const ulong PageWalkLength4 = 1UL << 6;
    /// <summary>Bit 7: a page-walk length of 5 is supported (not modelled by VirtLab).</summary>
    public const ulong PageWalkLength5 = 1UL << 7;
    /// <summary>Bit 8: the EPT paging structures may be uncacheable.</summary>
    public const ulong MemoryTypeUncacheable = 1UL << 8;
    /// <summary>Bit 14: the EPT paging structures may be write-back.</summary>
    public const ulong MemoryTypeWriteBack = 1UL << 14;
    /// <summary>Bit 16: EPT PDEs may map 2-MByte pages.</summary>
    public const ulong LargePage2M = 1UL << 16;
    /// <summary>Bit 17: EPT PDPTEs may map 1-GByte pages (not modelled by VirtLab).</summary>
    public const ulong LargePage1G = 1UL << 17;
    /// <summary>Bit 21: accessed and dirty flags for EPT are supported.</summary>
    public const ulong AccessedDirty = 1UL << 21;

    /// <summary>
    /// MAXPHYADDR, the physical-address width: 32 for VirtLab's CPU (no PAE, no CPUID leaf 0x80000008;
    /// IA32_VMX_BASIC bit 48 = 1). EPT bits 51:32 are therefore reserved, in the EPT pointer and in
    /// every entry's address field.
    /// </summary>
    public const int PhysicalAddressWidth = 32;

    /// <summary>Bits 51:<see cref="PhysicalAddressWidth"/>: reserved address bits.</summary>
    public const ulong ReservedAddressBits = ((1UL << 52) - 1) & ~((1UL << PhysicalAddressWidth) - 1);

    /// <summary>The value VirtLab's CPU reports, <see cref="VmxCapabilities.EptVpidCapValue"/>.</summary>
    public static ulong Default => VmxCapabilities.EptVpidCapValue;
}
