namespace VirtLab.Engine;

/// <summary>
/// What CPUID reports (SDM Vol. 2 CPUID). VirtLab documents its own vendor string "VirtLabVCPU"
/// padded to 12 bytes ("VirtLab VCPU"), family 5 model 2 stepping 0 (a Pentium-class integer core),
/// and the features it implements: FPU absent; VME? no (issue 3); TSC, MSR, CX8, CMOV, PSE and PGE
/// announced only once paging exists. Leaves above the maximum return the highest basic leaf's data,
/// as Intel CPUs do.
/// </summary>
public static class CpuidInfo
{
    public const string Vendor = "VirtLab VCPU";
    public const uint MaxBasicLeaf = 1;
    /// <summary>Leaf 1 EAX: stepping 0, model 2, family 5.</summary>
    public const uint Signature = 0x0000_0520;
    /// <summary>Leaf 1 EDX: TSC (bit 4), MSR (bit 5), CX8 (bit 8), SEP (bit 11), CMOV (bit 15).</summary>
    public const uint FeaturesEdx = (1u << 4) | (1u << 5) | (1u << 8) | (1u << 11) | (1u << 15);

    public static (uint Eax, uint Ebx, uint Ecx, uint Edx) Query(uint leaf, uint subleaf)
    {
        if (leaf > MaxBasicLeaf && leaf < 0x8000_0000) leaf = MaxBasicLeaf;
        switch (leaf)
        {
            case 0:
                var v = System.Text.Encoding.ASCII.GetBytes(Vendor);
                return (MaxBasicLeaf, BitConverter.ToUInt32(v, 0), BitConverter.ToUInt32(v, 8), BitConverter.ToUInt32(v, 4));
            case 1:
                return (Signature, 0, 0, FeaturesEdx);
            case 0x8000_0000:
                return (0x8000_0000, 0, 0, 0);
            default:
                return (0, 0, 0, 0);
        }
    }
}
