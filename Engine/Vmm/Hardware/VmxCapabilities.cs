namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The values of VirtLab's VMX capability MSRs: those of a current Intel CPU, restricted to what
/// VirtLab's simulated VT-x models on its 32-bit CPU (no Intel 64, no APIC, no PAE). Each control MSR
/// holds the allowed 0-settings in bits 31:0 (a 1 there means the control must be 1) and the allowed
/// 1-settings in bits 63:32 (a 0 there means the control must be 0), as SDM Vol. 3C A.3-A.5 define.
/// The default1 bits (reserved controls that must be 1 without the TRUE MSRs) are the SDM's: pin-based
/// 1, 2, 4; primary 1, 4-6, 8, 13-16, 26; exit 0-8, 10, 11, 13, 14, 16, 17; entry 0-8, 12.
/// </summary>
public static class VmxCapabilities
{
    /// <summary>Reserved pin-based controls that are 1 by default (A.3.1): bits 1, 2, 4.</summary>
    public const uint PinBasedDefault1 = 0x0000_0016;
    /// <summary>Reserved primary processor-based controls that are 1 by default (A.3.2): bits 1, 4-6, 8, 13-16, 26.</summary>
    public const uint PrimaryDefault1 = 0x0401_E172;
    /// <summary>VM-exit controls that are 1 by default (A.4.1): bits 0-8, 10, 11, 13, 14, 16, 17.</summary>
    public const uint ExitDefault1 = 0x0003_6DFF;
    /// <summary>VM-entry controls that are 1 by default (A.5): bits 0-8, 12.</summary>
    public const uint EntryDefault1 = 0x0000_11FF;

    /// <summary>VirtLab's VMCS revision identifier (IA32_VMX_BASIC bits 30:0): VirtLab's own choice, like every processor's.</summary>
    public const uint VmcsRevisionId = 1;

    /// <summary>Pin-based controls VirtLab models: external-interrupt exiting, NMI exiting, virtual NMIs, the preemption timer (not posted interrupts: no APIC).</summary>
    public const uint PinBasedSupported = (uint)(PinBasedControls.ExternalInterruptExiting | PinBasedControls.NmiExiting
        | PinBasedControls.VirtualNmis | PinBasedControls.ActivateVmxPreemptionTimer);

    /// <summary>
    /// Primary controls VirtLab models: every exiting control a 32-bit guest can trip, the TSC offset, the
    /// I/O and MSR bitmaps, the monitor trap flag and the secondary controls. Not: tertiary controls, CR8
    /// load/store exiting (the SDM requires 0 without Intel 64), the TPR shadow (no APIC).
    /// </summary>
    public const uint PrimarySupported = (uint)(PrimaryProcessorControls.InterruptWindowExiting | PrimaryProcessorControls.UseTscOffsetting
        | PrimaryProcessorControls.HltExiting | PrimaryProcessorControls.InvlpgExiting | PrimaryProcessorControls.MwaitExiting
        | PrimaryProcessorControls.RdpmcExiting | PrimaryProcessorControls.RdtscExiting | PrimaryProcessorControls.Cr3LoadExiting
        | PrimaryProcessorControls.Cr3StoreExiting | PrimaryProcessorControls.NmiWindowExiting | PrimaryProcessorControls.MovDrExiting
        | PrimaryProcessorControls.UnconditionalIoExiting | PrimaryProcessorControls.UseIoBitmaps | PrimaryProcessorControls.MonitorTrapFlag
        | PrimaryProcessorControls.UseMsrBitmaps | PrimaryProcessorControls.MonitorExiting | PrimaryProcessorControls.PauseExiting
        | PrimaryProcessorControls.ActivateSecondaryControls);

    /// <summary>
    /// Secondary controls VirtLab models: EPT, descriptor-table exiting, WBINVD exiting, unrestricted guest.
    /// Not: APIC virtualization, RDTSCP/INVPCID/XSAVES/RDRAND/RDSEED (the CPU lacks the instructions), VPID
    /// (the TLB is not tagged), PML, VM functions, VMCS shadowing, SGX, PT, TSC scaling.
    /// </summary>
    public const uint SecondarySupported = (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.DescriptorTableExiting
        | SecondaryProcessorControls.WbinvdExiting | SecondaryProcessorControls.UnrestrictedGuest);

    /// <summary>
    /// Exit controls VirtLab models beyond the default1 bits: acknowledge interrupt on exit (the PIC's vector
    /// goes into the exit interruption information) and saving the preemption-timer value. Not: host
    /// address-space size (0 without Intel 64), PAT/EFER/PERF_GLOBAL_CTRL/BNDCFGS/RTIT (MSRs the CPU lacks),
    /// secondary exit controls.
    /// </summary>
    public const uint ExitSupported = (uint)(VmExitControlBits.AcknowledgeInterruptOnExit | VmExitControlBits.SaveVmxPreemptionTimerValue);

    /// <summary>Entry controls VirtLab models beyond the default1 bits: none (IA-32e mode guest needs Intel 64; no SMM; no PAT/EFER).</summary>
    public const uint EntrySupported = 0;

    /// <summary>CR0 bits fixed to 1 in VMX operation (A.7): PE, NE, PG, as on every Intel CPU (unrestricted guest relaxes PE and PG for the guest).</summary>
    public const ulong Cr0Fixed0Value = 0x8000_0021;
    /// <summary>CR0 bits that may be 1 (A.7): all of bits 31:0, as current CPUs report.</summary>
    public const ulong Cr0Fixed1Value = 0xFFFF_FFFF;
    /// <summary>CR4 bits fixed to 1 (A.8): VMXE (bit 13).</summary>
    public const ulong Cr4Fixed0Value = 0x2000;
    /// <summary>CR4 bits that may be 1 (A.8): those VirtLab's CPU implements (VME, PVI, TSD, DE, PSE, MCE, PGE) and VMXE.</summary>
    public const ulong Cr4Fixed1Value = 0x0000_20DF;

    /// <summary>
    /// IA32_VMX_BASIC: revision <see cref="VmcsRevisionId"/>; VMCS region 4096 bytes (bits 44:32); bit 48 = 1,
    /// addresses limited to 32 bits (the SDM's setting for a processor without Intel 64); no dual-monitor SMM
    /// (bit 49 = 0); write-back memory type 6 (bits 53:50); bit 54 = 1, INS/OUTS exits report instruction
    /// information; bit 55 = 1, the TRUE control MSRs exist; bit 56 = 0, an injected hardware exception
    /// must carry the error code its vector architecturally has (the classic entry check).
    /// </summary>
    public const ulong BasicValue = VmcsRevisionId | (0x1000UL << 32) | (1UL << 48) | (6UL << 50) | (1UL << 54) | (1UL << 55);

    /// <summary>
    /// IA32_VMX_MISC: preemption timer counts every 2^5 TSC ticks (bits 4:0 = 5); activity states HLT and
    /// shutdown supported (bits 6, 7), not wait-for-SIPI (one CPU); 4 CR3-target values (bits 24:16);
    /// MSR lists of up to 512 entries (bits 27:25 = 0); bit 29 = 0, VMWRITE cannot write read-only
    /// exit-information fields; bit 30 = 1, software interrupts and exceptions may be injected with an
    /// instruction length of 0, as on current CPUs; no EFER.LMA save (bit 5), no PT, no SMM features.
    /// </summary>
    public const ulong MiscValue = 5 | (1UL << 6) | (1UL << 7) | (4UL << 16) | (1UL << 30);

    /// <summary>The preemption-timer rate of <see cref="MiscValue"/>: the timer decrements when TSC bit 5 changes.</summary>
    public const int PreemptionTimerRate = 5;

    /// <summary>Bit 29 of IA32_VMX_MISC: VMWRITE may write every field, read-only exit information included. 0 on VirtLab.</summary>
    public const ulong MiscVmwriteAnyField = 1UL << 29;

    /// <summary>
    /// IA32_VMX_EPT_VPID_CAP: execute-only EPT entries (bit 0), 4-level walks (bit 6), uncacheable and
    /// write-back EPT structures (bits 8, 14), 2-MByte pages (bit 16). Not: 1-GByte pages, accessed/dirty
    /// flags, INVEPT and INVVPID (VirtLab's VMM is host code, not guest code executing VMX instructions),
    /// anything VPID (bits 63:32 = 0).
    /// </summary>
    public const ulong EptVpidCapValue = (1UL << 0) | (1UL << 6) | (1UL << 8) | (1UL << 14) | (1UL << 16);

    /// <summary>Reads a capability MSR by number.</summary>
    /// <exception cref="ArgumentException"><paramref name="msr"/> is not one of 0x480-0x490.</exception>
    public static ulong Read(uint msr)
    {
        if (TryRead(msr, out ulong value)) return value;
        throw new ArgumentException($"MSR 0x{msr:X} is not a VMX capability MSR (0x480-0x490).", nameof(msr));
    }

    /// <summary>Reads a capability MSR; false when <paramref name="msr"/> is not one of them (a guest RDMSR of it would #GP).</summary>
    public static bool TryRead(uint msr, out ulong value)
    {
        value = (VmxCapabilityMsr)msr switch
        {
            VmxCapabilityMsr.Basic => BasicValue,
            VmxCapabilityMsr.PinbasedCtls => Control(PinBasedDefault1, PinBasedDefault1 | PinBasedSupported),
            VmxCapabilityMsr.ProcbasedCtls => Control(PrimaryDefault1, PrimaryDefault1 | PrimarySupported),
            VmxCapabilityMsr.ExitCtls => Control(ExitDefault1, ExitDefault1 | ExitSupported),
            VmxCapabilityMsr.EntryCtls => Control(EntryDefault1, EntryDefault1 | EntrySupported),
            VmxCapabilityMsr.Misc => MiscValue,
            VmxCapabilityMsr.Cr0Fixed0 => Cr0Fixed0Value,
            VmxCapabilityMsr.Cr0Fixed1 => Cr0Fixed1Value,
            VmxCapabilityMsr.Cr4Fixed0 => Cr4Fixed0Value,
            VmxCapabilityMsr.Cr4Fixed1 => Cr4Fixed1Value,
            VmxCapabilityMsr.VmcsEnum => VmcsEnumValue,
            VmxCapabilityMsr.ProcbasedCtls2 => Control(0, SecondarySupported),
            VmxCapabilityMsr.EptVpidCap => EptVpidCapValue,
            // TRUE MSRs (A.3.1, A.3.2, A.4.1, A.5): the same allowed 1-settings; the default1 bits the SDM lets
            // a VMM clear are allowed 0 here: CR3-load/store exiting, save debug controls, load debug controls.
            VmxCapabilityMsr.TruePinbasedCtls => Control(PinBasedDefault1, PinBasedDefault1 | PinBasedSupported),
            VmxCapabilityMsr.TrueProcbasedCtls => Control(PrimaryDefault1 & ~(uint)(PrimaryProcessorControls.Cr3LoadExiting | PrimaryProcessorControls.Cr3StoreExiting),
                PrimaryDefault1 | PrimarySupported),
            VmxCapabilityMsr.TrueExitCtls => Control(ExitDefault1 & ~(uint)VmExitControlBits.SaveDebugControls, ExitDefault1 | ExitSupported),
            VmxCapabilityMsr.TrueEntryCtls => Control(EntryDefault1 & ~(uint)VmEntryControlBits.LoadDebugControls, EntryDefault1 | EntrySupported),
            _ => ulong.MaxValue,
        };
        return value != ulong.MaxValue;
    }

    /// <summary>IA32_VMX_VMCS_ENUM: the highest index (bits 9:1 of an encoding) of any supported field, in bits 9:1.</summary>
    public static ulong VmcsEnumValue { get; } = (ulong)VmcsFieldInfo.All.Max(f => VmcsFieldInfo.DecodeIndex((ushort)f)) << 1;

    /// <summary>True for the MSRs that report allowed settings of a control field (0x481-0x484, 0x48B, 0x48D-0x490).</summary>
    public static bool IsControlMsr(uint msr) => msr is >= 0x481 and <= 0x484 or 0x48B or >= 0x48D and <= 0x490;

    /// <summary>The control bits that must be 1 (bits 31:0 of a control MSR).</summary>
    public static uint AllowedZero(uint msr) => (uint)ControlMsr(msr);

    /// <summary>The control bits that may be 1 (bits 63:32 of a control MSR).</summary>
    public static uint AllowedOne(uint msr) => (uint)(ControlMsr(msr) >> 32);

    /// <summary>
    /// What a VMM writes for the controls it wants (KVM's <c>adjust_vmx_controls</c>, SDM A.3): the desired
    /// bits plus those that must be 1, without those that must be 0: (desired | allowed0) &amp; allowed1.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="msr"/> is not a control capability MSR.</exception>
    public static uint AdjustControls(uint msr, uint desired) => (desired | AllowedZero(msr)) & AllowedOne(msr);

    /// <summary>True when <paramref name="value"/> has every bit the MSR requires to be 1 and none it requires to be 0 (the VM-entry check of SDM 26.2.1).</summary>
    /// <exception cref="ArgumentException"><paramref name="msr"/> is not a control capability MSR.</exception>
    public static bool IsValid(uint msr, uint value) => InvalidBits(msr, value) == 0;

    /// <summary>The bits of <paramref name="value"/> that break the MSR's rules: required-1 bits that are 0 and required-0 bits that are 1.</summary>
    /// <exception cref="ArgumentException"><paramref name="msr"/> is not a control capability MSR.</exception>
    public static uint InvalidBits(uint msr, uint value) => (AllowedZero(msr) & ~value) | (value & ~AllowedOne(msr));

    /// <summary>The capability MSR a VM entry checks <paramref name="kind"/> against: the TRUE MSR when IA32_VMX_BASIC bit 55 is 1 (it is on VirtLab) and the field has one.</summary>
    public static VmxCapabilityMsr MsrFor(VmxControlKind kind, bool useTrue = true) => kind switch
    {
        VmxControlKind.PinBased => useTrue ? VmxCapabilityMsr.TruePinbasedCtls : VmxCapabilityMsr.PinbasedCtls,
        VmxControlKind.PrimaryProcessorBased => useTrue ? VmxCapabilityMsr.TrueProcbasedCtls : VmxCapabilityMsr.ProcbasedCtls,
        VmxControlKind.SecondaryProcessorBased => VmxCapabilityMsr.ProcbasedCtls2,
        VmxControlKind.VmExit => useTrue ? VmxCapabilityMsr.TrueExitCtls : VmxCapabilityMsr.ExitCtls,
        VmxControlKind.VmEntry => useTrue ? VmxCapabilityMsr.TrueEntryCtls : VmxCapabilityMsr.EntryCtls,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a VMX control kind"),
    };

    /// <summary>True when <paramref name="value"/> of CR0 (or CR4, with the CR4 MSRs) has every FIXED0 bit set and no bit outside FIXED1 (A.7, A.8).</summary>
    public static bool FixedBitsValid(ulong fixed0, ulong fixed1, ulong value) => (value & fixed0) == fixed0 && (value & ~fixed1) == 0;

    private static ulong Control(uint allowed0, uint allowed1) => allowed0 | ((ulong)allowed1 << 32);

    private static ulong ControlMsr(uint msr)
    {
        if (!IsControlMsr(msr))
            throw new ArgumentException($"MSR 0x{msr:X} is not a VMX control capability MSR (0x481-0x484, 0x48B, 0x48D-0x490).", nameof(msr));
        return Read(msr);
    }
}
