namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The checks a VM entry makes before it loads the guest (SDM Vol. 3C 26.2 and 26.3), as pure functions
/// of a <see cref="Vmcs"/> and VirtLab's <see cref="VmxCapabilities"/>: <see cref="CheckControls"/>
/// (VM-instruction error 7), <see cref="CheckHostState"/> (error 8) and <see cref="CheckGuestState"/>
/// (a VM exit with reason 33 | 0x8000_0000). Each returns null when its checks pass, otherwise the first
/// failure in the SDM's order, naming the field and the rule. Only the 32-bit rules apply: VirtLab's CPU
/// has no Intel 64, so the host address-space size and IA-32e mode guest controls are always 0.
/// </summary>
public static partial class VmEntryChecks
{
    /// <summary>All three groups in the order VM entry runs them (controls, host state, guest state).</summary>
    public static VmEntryFailure? Check(Vmcs vmcs) => CheckControls(vmcs) ?? CheckHostState(vmcs) ?? CheckGuestState(vmcs);
}
