namespace VirtLab.Engine.Vmm.Hardware;

public static partial class VmEntryChecks
{
    /// <summary>IA32_DEBUGCTL bits VirtLab's CPU implements: LBR (0) and BTF (1), those of the first VMX processors (26.3.1.1).</summary>
    public const ulong DebugctlSupported = 0x3;

    /// <summary>Exit qualification of a guest-state failure caused by injecting an NMI while blocking by STI is set (SDM 27.8, 26.3.1.5).</summary>
    public const ulong NmiWithStiBlockingQualification = 3;

    private const ulong RflagsReserved = 0xFFC0_8028UL; // bits 31:22, 15, 5, 3 (bits 63:32 do not exist in a 32-bit field)
    private const ulong RflagsFixed1 = 1UL << 1;
    private const ulong RflagsTf = 1UL << 8, RflagsIf = 1UL << 9, RflagsVm = 1UL << 17;
    private const uint ArUnusable = 1u << 16;
    private const uint ArReserved = 0xFFFE_0F00; // bits 31:17 and 11:8
    private const ulong PendingDebugReserved = 0xFFFF_AFF0UL; // bits 31:16 (RTM bit 16 unsupported), 13, 11:4
    private const uint InterruptibilityReserved = 0xFFFF_FFF0; // bits 31:5, and bit 4 (enclave interruption: no SGX)

    private enum Seg { Es, Cs, Ss, Ds, Fs, Gs, Ldtr, Tr }

    private static readonly string[] SegNames = ["ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"];

    private static VmcsField Selector(Seg s) => (VmcsField)((int)VmcsField.GuestEsSelector + 2 * (int)s);
    private static VmcsField Limit(Seg s) => (VmcsField)((int)VmcsField.GuestEsLimit + 2 * (int)s);
    private static VmcsField Access(Seg s) => (VmcsField)((int)VmcsField.GuestEsArBytes + 2 * (int)s);
    private static VmcsField Base(Seg s) => (VmcsField)((int)VmcsField.GuestEsBase + 2 * (int)s);

    /// <summary>
    /// The guest-state checks of SDM 26.3.1 that apply to a 32-bit guest: control and debug registers
    /// (26.3.1.1), segment registers in protected, virtual-8086 and unrestricted mode (26.3.1.2), GDTR and
    /// IDTR (26.3.1.3), RIP and RFLAGS (26.3.1.4), activity and interruptibility state and pending debug
    /// exceptions (26.3.1.5). Null when all pass, otherwise the first failure: exit reason 33 | 0x8000_0000,
    /// exit qualification 0, or 3 for an NMI injected while blocking by STI. Not checked: the VMCS link pointer and the PDPTEs (see the README).
    /// </summary>
    public static VmEntryFailure? CheckGuestState(Vmcs vmcs)
    {
        ArgumentNullException.ThrowIfNull(vmcs);
        uint primary = (uint)vmcs.Read(VmcsField.CpuBasedVmExecControl);
        uint secondary = (primary & (uint)PrimaryProcessorControls.ActivateSecondaryControls) != 0 ? (uint)vmcs.Read(VmcsField.SecondaryVmExecControl) : 0;
        bool unrestricted = (secondary & (uint)SecondaryProcessorControls.UnrestrictedGuest) != 0;
        uint entry = (uint)vmcs.Read(VmcsField.VmEntryControls);
        ulong cr0 = vmcs.Read(VmcsField.GuestCr0);
        ulong rflags = vmcs.Read(VmcsField.GuestRflags);
        bool v86 = (rflags & RflagsVm) != 0;

        // 26.3.1.1 control registers, debug registers and MSRs.
        ulong cr0Fixed0 = VmxCapabilities.Cr0Fixed0Value & (unrestricted ? ~0x8000_0001UL : ~0UL);
        if (!VmxCapabilities.FixedBitsValid(cr0Fixed0, VmxCapabilities.Cr0Fixed1Value, cr0))
            return VmEntryFailure.GuestState(VmcsField.GuestCr0,
                $"guest CR0 0x{cr0:X8} must have the IA32_VMX_CR0_FIXED0 bits 0x{cr0Fixed0:X8} set"
                + (unrestricted ? " (unrestricted guest relaxes PE and PG)" : " (PE, NE, PG; only unrestricted guest relaxes PE and PG)") + " (26.3.1.1).");
        if ((cr0 & 0x8000_0000) != 0 && (cr0 & 1) == 0)
            return VmEntryFailure.GuestState(VmcsField.GuestCr0, $"guest CR0 0x{cr0:X8}: PG (bit 31) is 1 while PE (bit 0) is 0 (26.3.1.1).");
        ulong cr4 = vmcs.Read(VmcsField.GuestCr4);
        if (!VmxCapabilities.FixedBitsValid(VmxCapabilities.Cr4Fixed0Value, VmxCapabilities.Cr4Fixed1Value, cr4))
            return VmEntryFailure.GuestState(VmcsField.GuestCr4, (cr4 & VmxCapabilities.Cr4Fixed0Value) == 0
                ? $"guest CR4 0x{cr4:X8} must have VMXE (bit 13, IA32_VMX_CR4_FIXED0) set (26.3.1.1)."
                : $"guest CR4 0x{cr4:X8} sets bits 0x{cr4 & ~VmxCapabilities.Cr4Fixed1Value:X8} that IA32_VMX_CR4_FIXED1 requires to be 0 (26.3.1.1).");
        ulong debugctl = vmcs.Read(VmcsField.GuestIa32Debugctl);
        if ((entry & (uint)VmEntryControlBits.LoadDebugControls) != 0 && (debugctl & ~DebugctlSupported) != 0)
            return VmEntryFailure.GuestState(VmcsField.GuestIa32Debugctl,
                $"load debug controls is 1 and guest IA32_DEBUGCTL 0x{debugctl:X} sets bits 0x{debugctl & ~DebugctlSupported:X} the processor does not support (only LBR and BTF, 26.3.1.1).");

        // 26.3.1.2 segment registers.
        var f = v86 ? Virtual8086Segments(vmcs) : ProtectedSegments(vmcs, unrestricted, cr0);
        if (f is not null) return f;

        // 26.3.1.3 descriptor-table registers.
        foreach (var (field, name) in new[] { (VmcsField.GuestGdtrLimit, "GDTR"), (VmcsField.GuestIdtrLimit, "IDTR") })
        {
            ulong limit = vmcs.Read(field);
            if (limit > 0xFFFF)
                return VmEntryFailure.GuestState(field, $"guest {name} limit 0x{limit:X8}: bits 31:16 must be 0 (26.3.1.3).");
        }

        // 26.3.1.4 RIP and RFLAGS.
        if ((rflags & RflagsReserved) != 0 || (rflags & RflagsFixed1) == 0)
            return VmEntryFailure.GuestState(VmcsField.GuestRflags,
                $"guest RFLAGS 0x{rflags:X8}: bit 1 must be 1 and the reserved bits 31:22, 15, 5, 3 must be 0 (26.3.1.4).");
        if (v86 && (cr0 & 1) == 0)
            return VmEntryFailure.GuestState(VmcsField.GuestRflags, $"guest RFLAGS 0x{rflags:X8}: VM (bit 17) is 1 while guest CR0.PE is 0 (26.3.1.4).");
        uint intr = (uint)vmcs.Read(VmcsField.VmEntryIntrInfoField);
        bool injecting = (intr & (1u << 31)) != 0;
        uint injType = (intr >> 8) & 7, injVector = intr & 0xFF;
        if (injecting && injType == 0 && (rflags & RflagsIf) == 0)
            return VmEntryFailure.GuestState(VmcsField.GuestRflags,
                $"guest RFLAGS 0x{rflags:X8}: IF (bit 9) must be 1 to inject an external interrupt (26.3.1.4).");

        return NonRegisterState(vmcs, rflags, injecting, injType, injVector);
    }

    private static VmEntryFailure? NonRegisterState(Vmcs vmcs, ulong rflags, bool injecting, uint injType, uint injVector)
    {
        // 26.3.1.5 activity state.
        const VmcsField A = VmcsField.GuestActivityState;
        ulong activity = vmcs.Read(A);
        uint interruptibility = (uint)vmcs.Read(VmcsField.GuestInterruptibilityInfo);
        bool sti = (interruptibility & 1) != 0, movSs = (interruptibility & 2) != 0;
        if (activity > 3)
            return VmEntryFailure.GuestState(A, $"guest activity state {activity} is not one of 0-3 (26.3.1.5).");
        if (activity != 0 && (VmxCapabilities.MiscValue & (1UL << (5 + (int)activity))) == 0)
            return VmEntryFailure.GuestState(A, $"guest activity state {activity} (wait-for-SIPI) is not supported: IA32_VMX_MISC bit {5 + activity} is 0 (26.3.1.5).");
        uint ssDpl = ((uint)vmcs.Read(VmcsField.GuestSsArBytes) >> 5) & 3;
        if (activity == 1 && ssDpl != 0)
            return VmEntryFailure.GuestState(A, $"guest activity state 1 (HLT) requires SS.DPL 0, not {ssDpl} (26.3.1.5).");
        if (activity != 0 && (sti || movSs))
            return VmEntryFailure.GuestState(A, $"guest activity state {activity} must be 0 (active) when the interruptibility state shows blocking by STI or MOV SS (26.3.1.5).");
        if (activity != 0 && injecting)
        {
            bool allowed = activity == 1
                ? injType is 0 or 2 or 7 || (injType == 3 && injVector is 1 or 18)
                : injType == 2 || (injType == 3 && injVector == 18);
            if (!allowed)
                return VmEntryFailure.GuestState(A,
                    $"guest activity state {activity} ({(activity == 1 ? "HLT" : "shutdown")}) blocks the injected event (type {injType}, vector {injVector}) (26.3.1.5).");
        }

        // 26.3.1.5 interruptibility state.
        const VmcsField I = VmcsField.GuestInterruptibilityInfo;
        if ((interruptibility & InterruptibilityReserved) != 0)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: bits 31:4 must be 0 (bit 4 needs SGX) (26.3.1.5).");
        if (sti && movSs)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: blocking by STI and by MOV SS must not both be 1 (26.3.1.5).");
        if (sti && (rflags & RflagsIf) == 0)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: blocking by STI requires RFLAGS.IF = 1 (26.3.1.5).");
        if (injecting && injType == 0 && (sti || movSs))
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: an external interrupt cannot be injected with blocking by STI or MOV SS (26.3.1.5).");
        if (injecting && injType == 2 && movSs)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: an NMI cannot be injected with blocking by MOV SS (26.3.1.5).");
        if (injecting && injType == 2 && sti)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: an NMI cannot be injected with blocking by STI "
                + "(model-specific in the SDM; VirtLab fails it like processors that report exit qualification 3) (26.3.1.5).", NmiWithStiBlockingQualification);
        if ((interruptibility & 4) != 0)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: blocking by SMI (bit 2) must be 0 outside SMM (26.3.1.5).");
        bool virtualNmis = (vmcs.Read(VmcsField.PinBasedVmExecControl) & (uint)PinBasedControls.VirtualNmis) != 0;
        if (virtualNmis && injecting && injType == 2 && (interruptibility & 8) != 0)
            return VmEntryFailure.GuestState(I, $"guest interruptibility state 0x{interruptibility:X8}: with virtual NMIs an NMI cannot be injected while blocking by NMI (bit 3) is 1 (26.3.1.5).");

        // 26.3.1.5 pending debug exceptions.
        const VmcsField P = VmcsField.GuestPendingDbgExceptions;
        ulong pending = vmcs.Read(P);
        if ((pending & PendingDebugReserved) != 0)
            return VmEntryFailure.GuestState(P, $"guest pending debug exceptions 0x{pending:X8}: bits 31:16, 13 and 11:4 must be 0 (26.3.1.5).");
        if (sti || movSs || activity == 1)
        {
            bool bs = (pending & (1UL << 14)) != 0;
            bool tf = (rflags & RflagsTf) != 0;
            bool btf = (vmcs.Read(VmcsField.GuestIa32Debugctl) & 2) != 0;
            if (tf && !btf && !bs)
                return VmEntryFailure.GuestState(P, $"guest pending debug exceptions 0x{pending:X8}: BS (bit 14) must be 1 when RFLAGS.TF = 1, IA32_DEBUGCTL.BTF = 0 and STI/MOV SS blocking or HLT (26.3.1.5).");
            if ((!tf || btf) && bs)
                return VmEntryFailure.GuestState(P, $"guest pending debug exceptions 0x{pending:X8}: BS (bit 14) must be 0 when RFLAGS.TF = 0 or IA32_DEBUGCTL.BTF = 1 and STI/MOV SS blocking or HLT (26.3.1.5).");
        }
        return null;
    }

    private static VmEntryFailure? Virtual8086Segments(Vmcs vmcs)
    {
        foreach (var s in new[] { Seg.Cs, Seg.Ss, Seg.Ds, Seg.Es, Seg.Fs, Seg.Gs })
        {
            string n = SegNames[(int)s];
            ulong selector = vmcs.Read(Selector(s));
            if (vmcs.Read(Base(s)) != selector << 4)
                return VmEntryFailure.GuestState(Base(s), $"guest {n} base 0x{vmcs.Read(Base(s)):X8} must be the selector shifted left 4 bits (0x{selector << 4:X}) in virtual-8086 mode (26.3.1.2).");
            if (vmcs.Read(Limit(s)) != 0xFFFF)
                return VmEntryFailure.GuestState(Limit(s), $"guest {n} limit 0x{vmcs.Read(Limit(s)):X8} must be 0000FFFFH in virtual-8086 mode (26.3.1.2).");
            if (vmcs.Read(Access(s)) != 0xF3)
                return VmEntryFailure.GuestState(Access(s), $"guest {n} access rights 0x{vmcs.Read(Access(s)):X8} must be 000000F3H in virtual-8086 mode (26.3.1.2).");
        }
        return SystemSegments(vmcs);
    }

    private static VmEntryFailure? ProtectedSegments(Vmcs vmcs, bool unrestricted, ulong cr0)
    {
        VmEntryFailure? f;
        uint csAr = (uint)vmcs.Read(VmcsField.GuestCsArBytes), ssAr = (uint)vmcs.Read(VmcsField.GuestSsArBytes);
        uint csType = csAr & 0xF, ssDpl = (ssAr >> 5) & 3;
        ulong csSel = vmcs.Read(VmcsField.GuestCsSelector), ssSel = vmcs.Read(VmcsField.GuestSsSelector);
        if (!unrestricted && (ssSel & 3) != (csSel & 3))
            return VmEntryFailure.GuestState(VmcsField.GuestSsSelector, $"guest SS selector 0x{ssSel:X4}: RPL must equal CS's RPL {csSel & 3} (26.3.1.2).");

        // CS (always usable).
        const VmcsField C = VmcsField.GuestCsArBytes;
        if ((csAr & ArUnusable) != 0)
            return VmEntryFailure.GuestState(C, $"guest CS access rights 0x{csAr:X8}: CS must be usable (bit 16 = 0) (26.3.1.2).");
        if (!(csType is 9 or 11 or 13 or 15 || (unrestricted && csType == 3)))
            return VmEntryFailure.GuestState(C, $"guest CS access rights 0x{csAr:X8}: type {csType} must be 9, 11, 13 or 15 (accessed code)"
                + (unrestricted ? " or 3 (unrestricted guest)" : "") + " (26.3.1.2).");
        if ((f = Descriptor(vmcs, Seg.Cs)) is not null) return f;
        uint csDpl = (csAr >> 5) & 3;
        if (csType == 3 && csDpl != 0)
            return VmEntryFailure.GuestState(C, $"guest CS access rights 0x{csAr:X8}: DPL must be 0 for type 3 (26.3.1.2).");
        if (csType is 9 or 11 && csDpl != ssDpl)
            return VmEntryFailure.GuestState(C, $"guest CS access rights 0x{csAr:X8}: non-conforming code needs DPL = SS.DPL ({ssDpl}), not {csDpl} (26.3.1.2).");
        if (csType is 13 or 15 && csDpl > ssDpl)
            return VmEntryFailure.GuestState(C, $"guest CS access rights 0x{csAr:X8}: conforming code needs DPL <= SS.DPL ({ssDpl}), not {csDpl} (26.3.1.2).");

        // SS.
        const VmcsField S = VmcsField.GuestSsArBytes;
        if ((ssAr & ArUnusable) == 0)
        {
            if ((ssAr & 0xF) is not (3 or 7))
                return VmEntryFailure.GuestState(S, $"guest SS access rights 0x{ssAr:X8}: type {ssAr & 0xF} must be 3 or 7 (accessed read/write data) (26.3.1.2).");
            if ((f = Descriptor(vmcs, Seg.Ss)) is not null) return f;
        }
        if (!unrestricted && ssDpl != (ssSel & 3))
            return VmEntryFailure.GuestState(S, $"guest SS access rights 0x{ssAr:X8}: DPL {ssDpl} must equal the selector's RPL {ssSel & 3} (26.3.1.2).");
        if ((csType == 3 || (cr0 & 1) == 0) && ssDpl != 0)
            return VmEntryFailure.GuestState(S, $"guest SS access rights 0x{ssAr:X8}: DPL must be 0 when CS type is 3 or CR0.PE is 0 (26.3.1.2).");

        // DS, ES, FS, GS.
        foreach (var s in new[] { Seg.Ds, Seg.Es, Seg.Fs, Seg.Gs })
        {
            uint ar = (uint)vmcs.Read(Access(s));
            if ((ar & ArUnusable) != 0) continue;
            string n = SegNames[(int)s];
            uint type = ar & 0xF;
            if ((type & 1) == 0)
                return VmEntryFailure.GuestState(Access(s), $"guest {n} access rights 0x{ar:X8}: type {type} must have the accessed bit (bit 0) set (26.3.1.2).");
            if ((type & 8) != 0 && (type & 2) == 0)
                return VmEntryFailure.GuestState(Access(s), $"guest {n} access rights 0x{ar:X8}: a code segment (type {type}) must be readable (26.3.1.2).");
            if ((f = Descriptor(vmcs, s)) is not null) return f;
            uint dpl = (ar >> 5) & 3, rpl = (uint)vmcs.Read(Selector(s)) & 3;
            if (!unrestricted && type <= 11 && dpl < rpl)
                return VmEntryFailure.GuestState(Access(s), $"guest {n} access rights 0x{ar:X8}: DPL {dpl} must be at least the selector's RPL {rpl} (26.3.1.2).");
        }
        return SystemSegments(vmcs);
    }

    private static VmEntryFailure? SystemSegments(Vmcs vmcs)
    {
        ulong trSel = vmcs.Read(VmcsField.GuestTrSelector);
        if ((trSel & 4) != 0)
            return VmEntryFailure.GuestState(VmcsField.GuestTrSelector, $"guest TR selector 0x{trSel:X4}: TI (bit 2) must be 0 (26.3.1.2).");
        uint trAr = (uint)vmcs.Read(VmcsField.GuestTrArBytes);
        if ((trAr & 0xF) is not (3 or 11))
            return VmEntryFailure.GuestState(VmcsField.GuestTrArBytes, $"guest TR access rights 0x{trAr:X8}: type {trAr & 0xF} must be 3 or 11 (busy TSS) (26.3.1.2).");
        if ((trAr & ArUnusable) != 0)
            return VmEntryFailure.GuestState(VmcsField.GuestTrArBytes, $"guest TR access rights 0x{trAr:X8}: TR must be usable (bit 16 = 0) (26.3.1.2).");
        var f = Descriptor(vmcs, Seg.Tr, system: true);
        if (f is not null) return f;

        uint ldtrAr = (uint)vmcs.Read(VmcsField.GuestLdtrArBytes);
        if ((ldtrAr & ArUnusable) != 0) return null;
        ulong ldtrSel = vmcs.Read(VmcsField.GuestLdtrSelector);
        if ((ldtrSel & 4) != 0)
            return VmEntryFailure.GuestState(VmcsField.GuestLdtrSelector, $"guest LDTR selector 0x{ldtrSel:X4}: TI (bit 2) must be 0 when LDTR is usable (26.3.1.2).");
        if ((ldtrAr & 0xF) != 2)
            return VmEntryFailure.GuestState(VmcsField.GuestLdtrArBytes, $"guest LDTR access rights 0x{ldtrAr:X8}: type {ldtrAr & 0xF} must be 2 (LDT) (26.3.1.2).");
        return Descriptor(vmcs, Seg.Ldtr, system: true);
    }

    /// <summary>The rules every usable segment shares: S, P, reserved bits, G against the limit.</summary>
    private static VmEntryFailure? Descriptor(Vmcs vmcs, Seg s, bool system = false)
    {
        string n = SegNames[(int)s];
        var field = Access(s);
        uint ar = (uint)vmcs.Read(field);
        bool sBit = (ar & 0x10) != 0;
        if (sBit == system)
            return VmEntryFailure.GuestState(field, $"guest {n} access rights 0x{ar:X8}: S (bit 4) must be {(system ? 0 : 1)} (26.3.1.2).");
        if ((ar & 0x80) == 0)
            return VmEntryFailure.GuestState(field, $"guest {n} access rights 0x{ar:X8}: P (bit 7) must be 1 (26.3.1.2).");
        if ((ar & ArReserved) != 0)
            return VmEntryFailure.GuestState(field, $"guest {n} access rights 0x{ar:X8}: reserved bits 11:8 and 31:17 must be 0 (26.3.1.2).");
        ulong limit = vmcs.Read(Limit(s));
        bool g = (ar & (1u << 15)) != 0;
        if ((limit & 0xFFF) != 0xFFF && g)
            return VmEntryFailure.GuestState(field, $"guest {n} access rights 0x{ar:X8}: G (bit 15) must be 0 because limit 0x{limit:X8} has a 0 in bits 11:0 (26.3.1.2).");
        if ((limit & 0xFFF0_0000) != 0 && !g)
            return VmEntryFailure.GuestState(field, $"guest {n} access rights 0x{ar:X8}: G (bit 15) must be 1 because limit 0x{limit:X8} has a 1 in bits 31:20 (26.3.1.2).");
        return null;
    }
}
