namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The checks VM entry makes on the VMX controls (SDM Vol. 3C 26.2.1: 26.2.1.1 execution controls,
/// 26.2.1.2 exit controls, 26.2.1.3 entry controls) against VirtLab's capability MSRs. A failure makes
/// VMLAUNCH/VMRESUME fail with VM-instruction error 7. Checks run in the SDM's order; the first failing
/// one is reported.
/// </summary>
public static partial class VmEntryChecks
{
    private const uint IntrValid = 1u << 31;
    private const uint IntrDeliverErrorCode = 1u << 11;
    private const uint IntrReserved = 0x7FFF_F000; // bits 30:12

    /// <summary>Null when every control check passes, otherwise the first failure (VM-instruction error 7).</summary>
    public static VmEntryFailure? CheckControls(Vmcs vmcs)
    {
        ArgumentNullException.ThrowIfNull(vmcs);
        uint pin = (uint)vmcs.Read(VmcsField.PinBasedVmExecControl);
        uint primary = (uint)vmcs.Read(VmcsField.CpuBasedVmExecControl);
        bool secondaryOn = (primary & (uint)PrimaryProcessorControls.ActivateSecondaryControls) != 0;
        uint secondary = secondaryOn ? (uint)vmcs.Read(VmcsField.SecondaryVmExecControl) : 0;
        uint exit = (uint)vmcs.Read(VmcsField.VmExitControls);
        uint entry = (uint)vmcs.Read(VmcsField.VmEntryControls);

        // 26.2.1.1 VM-execution control fields.
        var f = Reserved(VmcsField.PinBasedVmExecControl, VmxControlKind.PinBased, pin, "pin-based VM-execution controls")
             ?? Reserved(VmcsField.CpuBasedVmExecControl, VmxControlKind.PrimaryProcessorBased, primary, "primary processor-based VM-execution controls");
        if (f is not null) return f;
        if (secondaryOn && (f = Reserved(VmcsField.SecondaryVmExecControl, VmxControlKind.SecondaryProcessorBased, secondary,
                "secondary processor-based VM-execution controls (activated by primary bit 31)")) is not null) return f;

        ulong cr3Count = vmcs.Read(VmcsField.Cr3TargetCount);
        ulong maxTargets = (VmxCapabilities.MiscValue >> 16) & 0x1FF;
        if (cr3Count > maxTargets)
            return VmEntryFailure.Control(VmcsField.Cr3TargetCount,
                $"CR3-target count {cr3Count} exceeds {maxTargets}, the number IA32_VMX_MISC bits 24:16 report (26.2.1.1).");

        if ((primary & (uint)PrimaryProcessorControls.UseIoBitmaps) != 0)
            f = PageAddress(vmcs, VmcsField.IoBitmapA, "use I/O bitmaps") ?? PageAddress(vmcs, VmcsField.IoBitmapB, "use I/O bitmaps");
        if (f is not null) return f;
        if ((primary & (uint)PrimaryProcessorControls.UseMsrBitmaps) != 0 && (f = PageAddress(vmcs, VmcsField.MsrBitmap, "use MSR bitmaps")) is not null)
            return f;

        bool nmiExiting = (pin & (uint)PinBasedControls.NmiExiting) != 0;
        bool virtualNmis = (pin & (uint)PinBasedControls.VirtualNmis) != 0;
        if (!nmiExiting && virtualNmis)
            return VmEntryFailure.Control(VmcsField.PinBasedVmExecControl,
                "virtual NMIs (bit 5) is 1 while NMI exiting (bit 3) is 0; virtual NMIs requires NMI exiting (26.2.1.1).");
        if (!virtualNmis && (primary & (uint)PrimaryProcessorControls.NmiWindowExiting) != 0)
            return VmEntryFailure.Control(VmcsField.CpuBasedVmExecControl,
                "NMI-window exiting (bit 22) is 1 while the pin-based virtual-NMIs control (bit 5) is 0 (26.2.1.1).");

        bool ept = (secondary & (uint)SecondaryProcessorControls.EnableEpt) != 0;
        if (ept && EptPointer.InvalidReason(vmcs.Read(VmcsField.EptPointer)) is { } eptReason)
            return VmEntryFailure.Control(VmcsField.EptPointer, $"enable EPT is 1 and the {eptReason} (26.2.1.1)");
        if ((secondary & (uint)SecondaryProcessorControls.UnrestrictedGuest) != 0 && !ept)
            return VmEntryFailure.Control(VmcsField.SecondaryVmExecControl,
                "unrestricted guest (bit 7) is 1 while enable EPT (bit 1) is 0; unrestricted guest requires EPT (26.2.1.1).");

        // 26.2.1.2 VM-exit control fields.
        if ((f = Reserved(VmcsField.VmExitControls, VmxControlKind.VmExit, exit, "VM-exit controls")) is not null) return f;
        if ((pin & (uint)PinBasedControls.ActivateVmxPreemptionTimer) == 0 && (exit & (uint)VmExitControlBits.SaveVmxPreemptionTimerValue) != 0)
            return VmEntryFailure.Control(VmcsField.VmExitControls,
                "save VMX-preemption-timer value (bit 22) is 1 while the pin-based activate VMX-preemption timer control (bit 6) is 0 (26.2.1.2).");
        if ((f = MsrArea(vmcs, VmcsField.VmExitMsrStoreCount, VmcsField.VmExitMsrStoreAddr, "VM-exit MSR-store")
              ?? MsrArea(vmcs, VmcsField.VmExitMsrLoadCount, VmcsField.VmExitMsrLoadAddr, "VM-exit MSR-load")) is not null) return f;

        // 26.2.1.3 VM-entry control fields.
        if ((f = Reserved(VmcsField.VmEntryControls, VmxControlKind.VmEntry, entry, "VM-entry controls")) is not null) return f;
        if ((f = Interruption(vmcs, secondary)) is not null) return f;
        return MsrArea(vmcs, VmcsField.VmEntryMsrLoadCount, VmcsField.VmEntryMsrLoadAddr, "VM-entry MSR-load");
    }

    private static VmEntryFailure? Reserved(VmcsField field, VmxControlKind kind, uint value, string what)
    {
        uint msr = (uint)VmxCapabilities.MsrFor(kind);
        uint bad = VmxCapabilities.InvalidBits(msr, value);
        if (bad == 0) return null;
        uint mustBeOne = VmxCapabilities.AllowedZero(msr) & ~value;
        string detail = mustBeOne != 0
            ? $"bits 0x{mustBeOne:X8} must be 1 (allowed 0-settings of MSR 0x{msr:X})"
            : $"bits 0x{bad:X8} must be 0 (allowed 1-settings of MSR 0x{msr:X})";
        return VmEntryFailure.Control(field, $"{what} 0x{value:X8}: {detail} (26.2.1).");
    }

    private static VmEntryFailure? PageAddress(Vmcs vmcs, VmcsField field, string control)
    {
        ulong address = vmcs.Read(field);
        if ((address & 0xFFF) != 0)
            return VmEntryFailure.Control(field, $"{control} is 1 and the address 0x{address:X} is not 4-KByte aligned (bits 11:0 must be 0, 26.2.1.1).");
        if (address >> 32 != 0)
            return VmEntryFailure.Control(field, $"{control} is 1 and the address 0x{address:X} is beyond the 32-bit physical-address width (26.2.1.1).");
        return null;
    }

    private static VmEntryFailure? MsrArea(Vmcs vmcs, VmcsField countField, VmcsField addressField, string what)
    {
        ulong count = vmcs.Read(countField);
        if (count == 0) return null;
        ulong address = vmcs.Read(addressField);
        if ((address & 0xF) != 0)
            return VmEntryFailure.Control(addressField, $"{what} count is {count} and the address 0x{address:X} is not 16-byte aligned (bits 3:0 must be 0).");
        if (address + count * 16 - 1 > 0xFFFF_FFFFUL)
            return VmEntryFailure.Control(addressField, $"{what} area at 0x{address:X} with {count} entries ends beyond the 32-bit physical-address width.");
        return null;
    }

    private static VmEntryFailure? Interruption(Vmcs vmcs, uint secondary)
    {
        const VmcsField F = VmcsField.VmEntryIntrInfoField;
        uint info = (uint)vmcs.Read(F);
        if ((info & IntrValid) == 0) return null;
        uint vector = info & 0xFF;
        uint type = (info >> 8) & 7;
        if (type == 1)
            return VmEntryFailure.Control(F, $"interruption information 0x{info:X8}: interruption type 1 (bits 10:8) is reserved (26.2.1.3).");
        if (type == 2 && vector != 2)
            return VmEntryFailure.Control(F, $"interruption information 0x{info:X8}: type 2 (NMI) requires vector 2, not {vector} (26.2.1.3).");
        if (type == 3 && vector > 31)
            return VmEntryFailure.Control(F, $"interruption information 0x{info:X8}: type 3 (hardware exception) requires a vector of at most 31, not {vector} (26.2.1.3).");
        if (type == 7 && vector != 0)
            return VmEntryFailure.Control(F, $"interruption information 0x{info:X8}: type 7 (other event) requires vector 0, not {vector} (26.2.1.3).");

        bool unrestricted = (secondary & (uint)SecondaryProcessorControls.UnrestrictedGuest) != 0;
        bool protectedMode = !unrestricted || (vmcs.Read(VmcsField.GuestCr0) & 1) != 0;
        bool hasErrorCode = protectedMode && type == 3 && vector is 8 or 10 or 11 or 12 or 13 or 14 or 17;
        bool deliver = (info & IntrDeliverErrorCode) != 0;
        if (deliver != hasErrorCode)
            return VmEntryFailure.Control(F, deliver
                ? $"interruption information 0x{info:X8}: deliver-error-code (bit 11) is 1, but type {type} vector {vector} delivers no error code"
                  + (protectedMode ? "" : " (the guest's CR0.PE is 0 with unrestricted guest)") + " (26.2.1.3)."
                : $"interruption information 0x{info:X8}: deliver-error-code (bit 11) is 0, but hardware exception {vector} delivers an error code in protected mode (IA32_VMX_BASIC bit 56 is 0, 26.2.1.3).");
        if ((info & IntrReserved) != 0)
            return VmEntryFailure.Control(F, $"interruption information 0x{info:X8}: reserved bits 30:12 must be 0 (26.2.1.3).");
        if (deliver)
        {
            ulong code = vmcs.Read(VmcsField.VmEntryExceptionErrorCode);
            if (code >> 16 != 0)
                return VmEntryFailure.Control(VmcsField.VmEntryExceptionErrorCode,
                    $"error code 0x{code:X8} to deliver: bits 31:16 must be 0 (26.2.1.3).");
        }
        if (type is 4 or 5 or 6)
        {
            ulong length = vmcs.Read(VmcsField.VmEntryInstructionLen);
            bool zeroAllowed = (VmxCapabilities.MiscValue & (1UL << 30)) != 0;
            if (length > 15 || (length == 0 && !zeroAllowed))
                return VmEntryFailure.Control(VmcsField.VmEntryInstructionLen,
                    $"VM-entry instruction length {length} for a type-{type} event must be {(zeroAllowed ? 0 : 1)}-15 (26.2.1.3).");
        }
        return null;
    }
}
