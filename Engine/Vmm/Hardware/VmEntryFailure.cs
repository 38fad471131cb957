namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>Which group of VM-entry checks failed (SDM Vol. 3C 26.2, 26.3).</summary>
public enum VmEntryFailureKind
{
    /// <summary>A check on the VMX controls (26.2.1): VMLAUNCH/VMRESUME fails with VM-instruction error 7.</summary>
    Control,
    /// <summary>A check on the host-state area (26.2.2, 26.2.3): VMLAUNCH/VMRESUME fails with VM-instruction error 8.</summary>
    HostState,
    /// <summary>A check on the guest-state area (26.3.1): the entry fails with a VM exit, basic reason 33 with bit 31 set.</summary>
    GuestState,
}

/// <summary>
/// Why a VM entry fails: for a control or host-state check the VM-instruction error the VMM reads in
/// field 0x4400 (<see cref="Error"/>); for a guest-state check the exit reason (33 | 0x8000_0000) and
/// exit qualification the processor writes (<see cref="ExitReason"/>, <see cref="ExitQualification"/>).
/// <see cref="Field"/> names the VMCS field (canonical name) and <see cref="Rule"/> says which SDM rule failed.
/// </summary>
public sealed record VmEntryFailure(VmEntryFailureKind Kind, VmxInstructionError? Error, uint? ExitReason, ulong? ExitQualification, string Field, string Rule)
{
    /// <summary>The exit-reason field of a guest-state failure: basic reason 33 with the entry-failure bit 31.</summary>
    public const uint GuestStateExitReason = 33u | VmExitReasonField.EntryFailureBit;

    /// <summary>A failed control check: VM-instruction error 7.</summary>
    public static VmEntryFailure Control(VmcsField field, string rule) =>
        new(VmEntryFailureKind.Control, VmxInstructionError.EntryInvalidControlField, null, null, VmcsFieldInfo.Of(field).CanonicalName, rule);

    /// <summary>A failed host-state check: VM-instruction error 8.</summary>
    public static VmEntryFailure HostState(VmcsField field, string rule) =>
        new(VmEntryFailureKind.HostState, VmxInstructionError.EntryInvalidHostStateField, null, null, VmcsFieldInfo.Of(field).CanonicalName, rule);

    /// <summary>A failed guest-state check: exit reason 33 | 0x8000_0000 with the given exit qualification (0: no specific cause).</summary>
    public static VmEntryFailure GuestState(VmcsField field, string rule, ulong qualification = 0) =>
        new(VmEntryFailureKind.GuestState, null, GuestStateExitReason, qualification, VmcsFieldInfo.Of(field).CanonicalName, rule);

    /// <inheritdoc/>
    public override string ToString() => Kind == VmEntryFailureKind.GuestState
        ? $"VM entry failed (exit reason 0x{ExitReason:X8}, qualification {ExitQualification}): {Field}: {Rule}"
        : $"VM entry failed (VM-instruction error {(uint)Error!.Value}): {Field}: {Rule}";
}
