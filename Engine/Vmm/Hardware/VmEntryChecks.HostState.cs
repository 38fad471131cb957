namespace VirtLab.Engine.Vmm.Hardware;

public static partial class VmEntryChecks
{
    private static readonly (VmcsField Field, string Name)[] HostSelectors =
    [
        (VmcsField.HostEsSelector, "ES"), (VmcsField.HostCsSelector, "CS"), (VmcsField.HostSsSelector, "SS"),
        (VmcsField.HostDsSelector, "DS"), (VmcsField.HostFsSelector, "FS"), (VmcsField.HostGsSelector, "GS"),
        (VmcsField.HostTrSelector, "TR"),
    ];

    /// <summary>
    /// The host-state checks (SDM 26.2.2 control registers, 26.2.3 segment registers) for a host without
    /// Intel 64: CR0 and CR4 against IA32_VMX_CR0/CR4_FIXED0/1; every selector's RPL and TI zero; CS and TR
    /// not null; SS not null (the host address-space size exit control is 0). Null when all pass,
    /// otherwise the first failure with VM-instruction error 8.
    /// </summary>
    public static VmEntryFailure? CheckHostState(Vmcs vmcs)
    {
        ArgumentNullException.ThrowIfNull(vmcs);
        ulong cr0 = vmcs.Read(VmcsField.HostCr0);
        if (!VmxCapabilities.FixedBitsValid(VmxCapabilities.Cr0Fixed0Value, VmxCapabilities.Cr0Fixed1Value, cr0))
            return VmEntryFailure.HostState(VmcsField.HostCr0,
                $"host CR0 0x{cr0:X8} must have the IA32_VMX_CR0_FIXED0 bits 0x{VmxCapabilities.Cr0Fixed0Value:X8} set (PE, NE, PG) (26.2.2).");
        ulong cr4 = vmcs.Read(VmcsField.HostCr4);
        if (!VmxCapabilities.FixedBitsValid(VmxCapabilities.Cr4Fixed0Value, VmxCapabilities.Cr4Fixed1Value, cr4))
            return VmEntryFailure.HostState(VmcsField.HostCr4, (cr4 & VmxCapabilities.Cr4Fixed0Value) != VmxCapabilities.Cr4Fixed0Value
                ? $"host CR4 0x{cr4:X8} must have VMXE (bit 13, IA32_VMX_CR4_FIXED0) set (26.2.2)."
                : $"host CR4 0x{cr4:X8} sets bits 0x{cr4 & ~VmxCapabilities.Cr4Fixed1Value:X8} that IA32_VMX_CR4_FIXED1 requires to be 0 (26.2.2).");

        foreach (var (field, name) in HostSelectors)
        {
            ulong selector = vmcs.Read(field);
            if ((selector & 7) != 0)
                return VmEntryFailure.HostState(field, $"host {name} selector 0x{selector:X4}: RPL (bits 1:0) and TI (bit 2) must be 0 (26.2.3).");
        }
        if (vmcs.Read(VmcsField.HostCsSelector) == 0)
            return VmEntryFailure.HostState(VmcsField.HostCsSelector, "host CS selector must not be 0000H (26.2.3).");
        if (vmcs.Read(VmcsField.HostTrSelector) == 0)
            return VmEntryFailure.HostState(VmcsField.HostTrSelector, "host TR selector must not be 0000H (26.2.3).");
        if (vmcs.Read(VmcsField.HostSsSelector) == 0)
            return VmEntryFailure.HostState(VmcsField.HostSsSelector,
                "host SS selector must not be 0000H when the host address-space size exit control is 0 (26.2.3).");
        return null;
    }
}
