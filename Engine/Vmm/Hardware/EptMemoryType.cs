namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// EPT memory types (SDM Vol. 3C 28.2.6 and 28.2.7): the values bits 5:3 of a leaf EPT entry and
/// bits 2:0 of the EPT pointer may hold. Values 2, 3 and 7 are reserved: in a leaf entry they are an
/// EPT misconfiguration. The EPT pointer accepts only the types IA32_VMX_EPT_VPID_CAP reports
/// (bit 8 uncacheable, bit 14 write-back).
/// </summary>
public enum EptMemoryType : byte
{
    /// <summary>UC, 0.</summary>
    Uncacheable = 0,
    /// <summary>WC, 1.</summary>
    WriteCombining = 1,
    /// <summary>WT, 4.</summary>
    WriteThrough = 4,
    /// <summary>WP, 5.</summary>
    WriteProtected = 5,
    /// <summary>WB, 6.</summary>
    WriteBack = 6,
}

/// <summary>Checks on <see cref="EptMemoryType"/> values.</summary>
public static class EptMemoryTypes
{
    /// <summary>True for 0, 1, 4, 5 and 6; false for the reserved 2, 3, 7 and anything above 7.</summary>
    public static bool IsDefined(int value) => value is 0 or 1 or 4 or 5 or 6;
}
