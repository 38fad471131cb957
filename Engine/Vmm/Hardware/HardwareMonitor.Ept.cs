namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// EPT in the guest's memory path (SDM Vol. 3C 29.3): with "enable EPT" the monitor is the CPU's second
/// level of translation, walking the EPT paging structures in the VMM's memory for every guest-physical
/// address. A violation or misconfiguration is a VM exit at the access (reasons 48 and 49, with the
/// qualification, guest-physical and guest-linear addresses); when the VMM emulates the access (an
/// MMIO device, a ROM write, a hole) it goes to the machine at the same address and is not cached, so
/// the next access exits again.
/// </summary>
public sealed partial class HardwareMonitor : ISecondLevelTranslation
{
    private EptWalker? _ept;

    /// <summary>Installs or removes the EPT on the CPU from the current VMCS (at VM entry).</summary>
    private void ApplyEpt(Cpu cpu)
    {
        bool on = (Secondary & (uint)SecondaryProcessorControls.EnableEpt) != 0;
        if (!on) { _ept = null; cpu.SecondLevel = null; return; }
        ulong pointer = Vmcs.Get(VmcsField.EptPointer);
        if (_ept is null || _ept.Pointer.Value != pointer)
        {
            _ept = new EptWalker(HostMemory, EptPointer.Parse(pointer));
            cpu.SecondLevel = null; // a new EPT: nothing cached under the old one survives
        }
        cpu.SecondLevel = this;
    }

    /// <summary>INVEPT for a VMM that changed the EPT paging structures: drops every cached translation.</summary>
    public void InvalidateEpt() => Machine.Cpu.FlushTlb();

    bool ISecondLevelTranslation.Translate(uint guestPhysical, GuestPhysicalAccess access, uint linear, bool final, bool raise,
        out uint hostPhysical, out byte permissions, out bool cacheable)
    {
        var walker = _ept!;
        var kind = (EptAccessKind)(int)access;
        var t = walker.Translate(guestPhysical, kind, guestLinearAddressValid: true, accessToTranslation: final);
        if (t.Outcome == EptOutcome.Translated)
        {
            hostPhysical = t.HostPhysicalAddress;
            permissions = (byte)t.Permissions;
            cacheable = true;
            return true;
        }
        hostPhysical = 0; permissions = 0; cacheable = false;
        if (!raise || !_inVmxNonRoot) return false;
        var cpu = Machine.Cpu;
        var d = cpu.Current;
        uint rip = d?.Ip ?? cpu.Eip;
        var info = new ExitInfo
        {
            Reason = t.Outcome == EptOutcome.Violation ? VmExitReason.EptViolation : VmExitReason.EptMisconfig,
            Rip = rip, Qualification = t.Outcome == EptOutcome.Violation ? t.ExitQualification : 0,
            GuestPhysical = guestPhysical, GuestLinear = linear, InstructionLength = 0, Instruction = d,
        };
        _lastEptReason = t.Reason;
        uint eip = cpu.Eip;
        var action = TakeExit(info);
        if (action == VmExitAction.Emulate)
        {
            cpu.Eip = eip; // the instruction goes on from where it was
            hostPhysical = guestPhysical;
            permissions = 7;
            return true;
        }
        throw new InstructionAbortedException();
    }

    private string? _lastEptReason;

    /// <summary>The rule the last EPT misconfiguration broke (for the built-in VMM's message).</summary>
    internal string? LastEptMisconfiguration => _lastEptReason;
}
