using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// VM-entry checks against the rules of SDM Vol. 3C 26.2 (controls: error 7; host state: error 8) and
/// 26.3.1 (guest state: exit reason 33 | 0x8000_0000, qualification 0). Each case starts from a valid
/// 32-bit protected-mode guest and host (<see cref="ValidVmcs"/>), breaks one rule and expects the exact
/// failure kind, error or exit reason, and field; a paired case shows the neighbouring legal value passes.
/// </summary>
public class VmEntryChecksTests
{
    private const uint PinMsr = 0x48D, PrimaryMsr = 0x48E, ExitMsr = 0x48F, EntryMsr = 0x490;
    private const uint Secondary = (uint)PrimaryProcessorControls.ActivateSecondaryControls;
    private const ulong FlatCode = 0xC09B, FlatData = 0xC093;

    /// <summary>A valid VMCS: flat 32-bit protected-mode guest at CPL 0 with paging, and a host with CS 08H, SS/DS 10H, TR 18H.</summary>
    public static Vmcs ValidVmcs()
    {
        var v = new Vmcs();
        v.Write(VmcsField.PinBasedVmExecControl, VmxCapabilities.AdjustControls(PinMsr, 0));
        v.Write(VmcsField.CpuBasedVmExecControl, VmxCapabilities.AdjustControls(PrimaryMsr, 0));
        v.Write(VmcsField.VmExitControls, VmxCapabilities.AdjustControls(ExitMsr, 0));
        v.Write(VmcsField.VmEntryControls, VmxCapabilities.AdjustControls(EntryMsr, 0));
        v.Write(VmcsField.HostCr0, 0x8000_0031);
        v.Write(VmcsField.HostCr4, 0x2000);
        v.Write(VmcsField.HostCsSelector, 0x08);
        foreach (var f in new[] { VmcsField.HostSsSelector, VmcsField.HostDsSelector, VmcsField.HostEsSelector, VmcsField.HostFsSelector, VmcsField.HostGsSelector })
            v.Write(f, 0x10);
        v.Write(VmcsField.HostTrSelector, 0x18);
        v.Write(VmcsField.GuestCr0, 0x8000_0031);
        v.Write(VmcsField.GuestCr4, 0x2000);
        v.Write(VmcsField.GuestCsSelector, 0x08);
        v.Write(VmcsField.GuestCsLimit, 0xFFFF_FFFF);
        v.Write(VmcsField.GuestCsArBytes, FlatCode);
        foreach (var (sel, lim, ar) in new[] {
            (VmcsField.GuestSsSelector, VmcsField.GuestSsLimit, VmcsField.GuestSsArBytes),
            (VmcsField.GuestDsSelector, VmcsField.GuestDsLimit, VmcsField.GuestDsArBytes),
            (VmcsField.GuestEsSelector, VmcsField.GuestEsLimit, VmcsField.GuestEsArBytes),
            (VmcsField.GuestFsSelector, VmcsField.GuestFsLimit, VmcsField.GuestFsArBytes),
            (VmcsField.GuestGsSelector, VmcsField.GuestGsLimit, VmcsField.GuestGsArBytes) })
        {
            v.Write(sel, 0x10); v.Write(lim, 0xFFFF_FFFF); v.Write(ar, FlatData);
        }
        v.Write(VmcsField.GuestTrSelector, 0x18);
        v.Write(VmcsField.GuestTrLimit, 0x67);
        v.Write(VmcsField.GuestTrArBytes, 0x8B);
        v.Write(VmcsField.GuestLdtrArBytes, 0x1_0000);
        v.Write(VmcsField.GuestGdtrLimit, 0x1F);
        v.Write(VmcsField.GuestIdtrLimit, 0x7FF);
        v.Write(VmcsField.GuestRflags, 0x2);
        return v;
    }

    private static Vmcs With(Action<Vmcs> change) { var v = ValidVmcs(); change(v); return v; }

    private static void Or(Vmcs v, VmcsField f, ulong bits) => v.Write(f, v.Read(f) | bits);
    private static void AndNot(Vmcs v, VmcsField f, ulong bits) => v.Write(f, v.Read(f) & ~bits);

    private static void Secondaries(Vmcs v, uint bits)
    {
        Or(v, VmcsField.CpuBasedVmExecControl, Secondary);
        v.Write(VmcsField.SecondaryVmExecControl, bits);
        if ((bits & (uint)SecondaryProcessorControls.EnableEpt) != 0) v.Write(VmcsField.EptPointer, EptPointer.Create(0x10_0000).Value);
    }

    private static void Inject(Vmcs v, uint type, uint vector, bool errorCode = false) =>
        v.Write(VmcsField.VmEntryIntrInfoField, (1u << 31) | (type << 8) | vector | (errorCode ? 1u << 11 : 0));

    [Fact]
    public void Valid_vmcs_passes_every_check()
    {
        var v = ValidVmcs();
        Assert.Null(VmEntryChecks.CheckControls(v));
        Assert.Null(VmEntryChecks.CheckHostState(v));
        Assert.Null(VmEntryChecks.CheckGuestState(v));
        Assert.Null(VmEntryChecks.Check(v));
    }

    /// <summary>Legal variations of the valid VMCS, each next to a rule that a nearby value breaks.</summary>
    public static TheoryData<string> PassingCases => new(Passing.Keys);

    private static readonly Dictionary<string, Action<Vmcs>> Passing = new()
    {
        ["secondary ignored when not activated"] = v => v.Write(VmcsField.SecondaryVmExecControl, 0xFFFF_FFFF),
        ["cr3 target count 4"] = v => v.Write(VmcsField.Cr3TargetCount, 4),
        ["aligned I/O bitmaps"] = v => { Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseIoBitmaps); v.Write(VmcsField.IoBitmapA, 0x1000); v.Write(VmcsField.IoBitmapB, 0x2000); },
        ["unaligned I/O bitmap unused"] = v => v.Write(VmcsField.IoBitmapA, 0x1001),
        ["aligned MSR bitmap"] = v => { Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseMsrBitmaps); v.Write(VmcsField.MsrBitmap, 0x3000); },
        ["NMI exiting with virtual NMIs and NMI window"] = v => { Or(v, VmcsField.PinBasedVmExecControl, (uint)(PinBasedControls.NmiExiting | PinBasedControls.VirtualNmis)); Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.NmiWindowExiting); },
        ["EPT with unrestricted guest in real mode"] = v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); RealMode(v); },
        ["preemption timer saved"] = v => { Or(v, VmcsField.PinBasedVmExecControl, (uint)PinBasedControls.ActivateVmxPreemptionTimer); Or(v, VmcsField.VmExitControls, (uint)VmExitControlBits.SaveVmxPreemptionTimerValue); },
        ["MSR areas aligned"] = v => { v.Write(VmcsField.VmExitMsrStoreCount, 2); v.Write(VmcsField.VmExitMsrStoreAddr, 0x5010); v.Write(VmcsField.VmEntryMsrLoadCount, 1); v.Write(VmcsField.VmEntryMsrLoadAddr, 0xFFFF_FFF0); },
        ["inject #GP with error code"] = v => { Inject(v, 3, 13, errorCode: true); v.Write(VmcsField.VmEntryExceptionErrorCode, 0xFFFF); },
        ["inject #UD without error code"] = v => Inject(v, 3, 6),
        ["inject NMI"] = v => Inject(v, 2, 2),
        ["inject MTF other event"] = v => Inject(v, 7, 0),
        ["inject external interrupt with IF"] = v => { Inject(v, 0, 0x20); v.Write(VmcsField.GuestRflags, 0x202); },
        ["inject software interrupt length 0 (MISC bit 30)"] = v => Inject(v, 4, 0x80),
        ["inject #GP without error code in real mode with unrestricted guest"] = v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); RealMode(v); Inject(v, 3, 13); },
        ["guest debugctl LBR BTF loaded"] = v => { Or(v, VmcsField.VmEntryControls, (uint)VmEntryControlBits.LoadDebugControls); v.Write(VmcsField.GuestIa32Debugctl, 3); },
        ["debugctl not loaded"] = v => { Assert.Equal(0UL, v.Read(VmcsField.VmEntryControls) & (uint)VmEntryControlBits.LoadDebugControls); v.Write(VmcsField.GuestIa32Debugctl, 0x40); },
        ["ring 3 guest"] = v => { v.Write(VmcsField.GuestCsSelector, 0x1B); v.Write(VmcsField.GuestCsArBytes, FlatCode | 0x60); v.Write(VmcsField.GuestSsSelector, 0x23); v.Write(VmcsField.GuestSsArBytes, FlatData | 0x60); },
        ["conforming CS below SS DPL"] = v => { v.Write(VmcsField.GuestCsArBytes, 0xC09F); v.Write(VmcsField.GuestCsSelector, 0x0B); v.Write(VmcsField.GuestSsSelector, 0x13); v.Write(VmcsField.GuestSsArBytes, FlatData | 0x60); },
        ["unusable DS with junk"] = v => v.Write(VmcsField.GuestDsArBytes, 0x1_0000),
        ["readable code in DS"] = v => v.Write(VmcsField.GuestDsArBytes, 0xC09B),
        ["byte-granular 1 MiB limit"] = v => { v.Write(VmcsField.GuestDsLimit, 0xF_FFFF); v.Write(VmcsField.GuestDsArBytes, 0x4093); },
        ["16-bit busy TSS"] = v => v.Write(VmcsField.GuestTrArBytes, 0x83),
        ["usable LDTR"] = v => { v.Write(VmcsField.GuestLdtrSelector, 0x20); v.Write(VmcsField.GuestLdtrArBytes, 0x82); v.Write(VmcsField.GuestLdtrLimit, 0xFF); },
        ["virtual-8086 guest"] = Virtual8086,
        ["GDTR limit FFFF"] = v => v.Write(VmcsField.GuestGdtrLimit, 0xFFFF),
        ["HLT at CPL 0"] = v => v.Write(VmcsField.GuestActivityState, 1),
        ["HLT with external interrupt injected"] = v => { v.Write(VmcsField.GuestActivityState, 1); Inject(v, 0, 0x20); v.Write(VmcsField.GuestRflags, 0x202); },
        ["shutdown with NMI injected"] = v => { v.Write(VmcsField.GuestActivityState, 2); Inject(v, 2, 2); },
        ["STI blocking with IF"] = v => { v.Write(VmcsField.GuestInterruptibilityInfo, 1); v.Write(VmcsField.GuestRflags, 0x202); },
        ["MOV SS blocking with TF and BS"] = v => { v.Write(VmcsField.GuestInterruptibilityInfo, 2); v.Write(VmcsField.GuestRflags, 0x302); v.Write(VmcsField.GuestPendingDbgExceptions, 0x4000); },
        ["NMI blocking with NMI injected without virtual NMIs"] = v => { v.Write(VmcsField.GuestInterruptibilityInfo, 8); Inject(v, 2, 2); },
        ["pending B0 and enabled breakpoint"] = v => v.Write(VmcsField.GuestPendingDbgExceptions, 0x1001),
    };

    [Theory]
    [MemberData(nameof(PassingCases))]
    public void Legal_variation_passes(string name) => Assert.Null(VmEntryChecks.Check(With(Passing[name])));

    private static void RealMode(Vmcs v)
    {
        v.Write(VmcsField.GuestCr0, 0x30);
        foreach (var (sel, lim, ar) in new[] {
            (VmcsField.GuestCsSelector, VmcsField.GuestCsLimit, VmcsField.GuestCsArBytes),
            (VmcsField.GuestSsSelector, VmcsField.GuestSsLimit, VmcsField.GuestSsArBytes),
            (VmcsField.GuestDsSelector, VmcsField.GuestDsLimit, VmcsField.GuestDsArBytes) })
        {
            v.Write(sel, 0x1234); v.Write(lim, 0xFFFF); v.Write(ar, 0x93);
        }
    }

    private static void Virtual8086(Vmcs v)
    {
        v.Write(VmcsField.GuestRflags, 0x2_0002);
        foreach (var (sel, b, lim, ar) in new[] {
            (VmcsField.GuestCsSelector, VmcsField.GuestCsBase, VmcsField.GuestCsLimit, VmcsField.GuestCsArBytes),
            (VmcsField.GuestSsSelector, VmcsField.GuestSsBase, VmcsField.GuestSsLimit, VmcsField.GuestSsArBytes),
            (VmcsField.GuestDsSelector, VmcsField.GuestDsBase, VmcsField.GuestDsLimit, VmcsField.GuestDsArBytes),
            (VmcsField.GuestEsSelector, VmcsField.GuestEsBase, VmcsField.GuestEsLimit, VmcsField.GuestEsArBytes),
            (VmcsField.GuestFsSelector, VmcsField.GuestFsBase, VmcsField.GuestFsLimit, VmcsField.GuestFsArBytes),
            (VmcsField.GuestGsSelector, VmcsField.GuestGsBase, VmcsField.GuestGsLimit, VmcsField.GuestGsArBytes) })
        {
            v.Write(sel, 0xB800); v.Write(b, 0xB_8000); v.Write(lim, 0xFFFF); v.Write(ar, 0xF3);
        }
    }

    private sealed record Failing(Action<Vmcs> Change, VmEntryFailureKind Kind, string Field, string RulePart);

    /// <summary>One broken rule per case: the failure kind, the field named and a fragment of the rule's text.</summary>
    public static TheoryData<string> FailingCases => new(Failures.Keys);

    private static readonly Dictionary<string, Failing> Failures = new()
    {
        // 26.2.1.1 execution controls.
        ["pin default1 bit cleared"] = new(v => AndNot(v, VmcsField.PinBasedVmExecControl, 0x2), VmEntryFailureKind.Control, "pin_based_vm_exec_control", "must be 1"),
        ["pin posted interrupts"] = new(v => Or(v, VmcsField.PinBasedVmExecControl, (uint)PinBasedControls.ProcessPostedInterrupts), VmEntryFailureKind.Control, "pin_based_vm_exec_control", "must be 0"),
        ["primary TPR shadow"] = new(v => Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseTprShadow), VmEntryFailureKind.Control, "cpu_based_vm_exec_control", "0x00200000 must be 0"),
        ["secondary VPID"] = new(v => Secondaries(v, (uint)SecondaryProcessorControls.EnableVpid), VmEntryFailureKind.Control, "secondary_vm_exec_control", "must be 0"),
        ["cr3 target count 5"] = new(v => v.Write(VmcsField.Cr3TargetCount, 5), VmEntryFailureKind.Control, "cr3_target_count", "exceeds 4"),
        ["unaligned I/O bitmap B"] = new(v => { Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseIoBitmaps); v.Write(VmcsField.IoBitmapB, 0x2800); }, VmEntryFailureKind.Control, "io_bitmap_b", "4-KByte aligned"),
        ["I/O bitmap above 4 GiB"] = new(v => { Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseIoBitmaps); v.Write(VmcsField.IoBitmapA, 0x1_0000_0000); }, VmEntryFailureKind.Control, "io_bitmap_a", "physical-address width"),
        ["unaligned MSR bitmap"] = new(v => { Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.UseMsrBitmaps); v.Write(VmcsField.MsrBitmap, 0x3004); }, VmEntryFailureKind.Control, "msr_bitmap", "4-KByte aligned"),
        ["virtual NMIs without NMI exiting"] = new(v => Or(v, VmcsField.PinBasedVmExecControl, (uint)PinBasedControls.VirtualNmis), VmEntryFailureKind.Control, "pin_based_vm_exec_control", "requires NMI exiting"),
        ["NMI window without virtual NMIs"] = new(v => Or(v, VmcsField.CpuBasedVmExecControl, (uint)PrimaryProcessorControls.NmiWindowExiting), VmEntryFailureKind.Control, "cpu_based_vm_exec_control", "NMI-window exiting"),
        ["EPT pointer with walk length 3"] = new(v => { Secondaries(v, (uint)SecondaryProcessorControls.EnableEpt); v.Write(VmcsField.EptPointer, 0x10_0000 | (2 << 3) | 6); }, VmEntryFailureKind.Control, "ept_pointer", "page-walk length"),
        ["unrestricted guest without EPT"] = new(v => Secondaries(v, (uint)SecondaryProcessorControls.UnrestrictedGuest), VmEntryFailureKind.Control, "secondary_vm_exec_control", "requires EPT"),
        // 26.2.1.2 exit controls.
        ["exit host address-space size"] = new(v => Or(v, VmcsField.VmExitControls, (uint)VmExitControlBits.HostAddressSpaceSize), VmEntryFailureKind.Control, "vm_exit_controls", "0x00000200 must be 0"),
        ["save timer without timer"] = new(v => Or(v, VmcsField.VmExitControls, (uint)VmExitControlBits.SaveVmxPreemptionTimerValue), VmEntryFailureKind.Control, "vm_exit_controls", "preemption"),
        ["exit MSR store unaligned"] = new(v => { v.Write(VmcsField.VmExitMsrStoreCount, 1); v.Write(VmcsField.VmExitMsrStoreAddr, 0x5008); }, VmEntryFailureKind.Control, "vm_exit_msr_store_addr", "16-byte aligned"),
        ["exit MSR load past 4 GiB"] = new(v => { v.Write(VmcsField.VmExitMsrLoadCount, 2); v.Write(VmcsField.VmExitMsrLoadAddr, 0xFFFF_FFF0); }, VmEntryFailureKind.Control, "vm_exit_msr_load_addr", "beyond the 32-bit"),
        // 26.2.1.3 entry controls.
        ["entry IA-32e mode guest"] = new(v => Or(v, VmcsField.VmEntryControls, (uint)VmEntryControlBits.Ia32eModeGuest), VmEntryFailureKind.Control, "vm_entry_controls", "must be 0"),
        ["entry MSR load unaligned"] = new(v => { v.Write(VmcsField.VmEntryMsrLoadCount, 1); v.Write(VmcsField.VmEntryMsrLoadAddr, 0x7001); }, VmEntryFailureKind.Control, "vm_entry_msr_load_addr", "16-byte"),
        ["inject type 1"] = new(v => Inject(v, 1, 0x20), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "type 1"),
        ["inject NMI vector 3"] = new(v => Inject(v, 2, 3), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "requires vector 2"),
        ["inject exception 32"] = new(v => Inject(v, 3, 32), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "at most 31"),
        ["inject other event vector 1"] = new(v => Inject(v, 7, 1), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "requires vector 0"),
        ["inject #GP without error code"] = new(v => Inject(v, 3, 13), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "is 0, but hardware exception 13"),
        ["inject #UD with error code"] = new(v => Inject(v, 3, 6, errorCode: true), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "delivers no error code"),
        ["inject software interrupt with error code"] = new(v => Inject(v, 4, 13, errorCode: true), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "delivers no error code"),
        ["inject #GP with error code in real mode"] = new(v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); RealMode(v); Inject(v, 3, 13, errorCode: true); }, VmEntryFailureKind.Control, "vm_entry_intr_info_field", "CR0.PE is 0"),
        ["inject reserved bit 12"] = new(v => v.Write(VmcsField.VmEntryIntrInfoField, (1u << 31) | (1u << 12) | 0x20), VmEntryFailureKind.Control, "vm_entry_intr_info_field", "30:12"),
        ["inject error code above 16 bits"] = new(v => { Inject(v, 3, 14, errorCode: true); v.Write(VmcsField.VmEntryExceptionErrorCode, 0x1_0000); }, VmEntryFailureKind.Control, "vm_entry_exception_error_code", "31:16"),
        ["inject software exception length 16"] = new(v => { Inject(v, 6, 3); v.Write(VmcsField.VmEntryInstructionLen, 16); }, VmEntryFailureKind.Control, "vm_entry_instruction_len", "0-15"),
        // 26.2.2, 26.2.3 host state.
        ["host CR0 without PG"] = new(v => v.Write(VmcsField.HostCr0, 0x31), VmEntryFailureKind.HostState, "host_cr0", "FIXED0"),
        ["host CR4 without VMXE"] = new(v => v.Write(VmcsField.HostCr4, 0), VmEntryFailureKind.HostState, "host_cr4", "VMXE"),
        ["host CR4 PAE"] = new(v => v.Write(VmcsField.HostCr4, 0x2020), VmEntryFailureKind.HostState, "host_cr4", "0x00000020 that IA32_VMX_CR4_FIXED1"),
        ["host DS RPL 3"] = new(v => v.Write(VmcsField.HostDsSelector, 0x13), VmEntryFailureKind.HostState, "host_ds_selector", "RPL"),
        ["host TR TI"] = new(v => v.Write(VmcsField.HostTrSelector, 0x1C), VmEntryFailureKind.HostState, "host_tr_selector", "TI"),
        ["host CS null"] = new(v => v.Write(VmcsField.HostCsSelector, 0), VmEntryFailureKind.HostState, "host_cs_selector", "0000H"),
        ["host TR null"] = new(v => v.Write(VmcsField.HostTrSelector, 0), VmEntryFailureKind.HostState, "host_tr_selector", "0000H"),
        ["host SS null"] = new(v => v.Write(VmcsField.HostSsSelector, 0), VmEntryFailureKind.HostState, "host_ss_selector", "address-space size"),
        // 26.3.1.1 guest control registers and MSRs.
        ["guest CR0 without NE"] = new(v => v.Write(VmcsField.GuestCr0, 0x8000_0011), VmEntryFailureKind.GuestState, "guest_cr0", "FIXED0"),
        ["guest CR0 real mode without unrestricted guest"] = new(v => { RealMode(v); }, VmEntryFailureKind.GuestState, "guest_cr0", "only unrestricted guest relaxes"),
        ["guest CR0 PG without PE"] = new(v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); v.Write(VmcsField.GuestCr0, 0x8000_0030); }, VmEntryFailureKind.GuestState, "guest_cr0", "PG (bit 31) is 1 while PE"),
        ["guest CR4 without VMXE"] = new(v => v.Write(VmcsField.GuestCr4, 0), VmEntryFailureKind.GuestState, "guest_cr4", "VMXE"),
        ["guest CR4 PAE"] = new(v => v.Write(VmcsField.GuestCr4, 0x2020), VmEntryFailureKind.GuestState, "guest_cr4", "FIXED1"),
        ["guest debugctl TR"] = new(v => { Or(v, VmcsField.VmEntryControls, (uint)VmEntryControlBits.LoadDebugControls); v.Write(VmcsField.GuestIa32Debugctl, 0x40); }, VmEntryFailureKind.GuestState, "guest_ia32_debugctl", "0x40"),
        // 26.3.1.2 segment registers.
        ["SS RPL differs from CS RPL"] = new(v => v.Write(VmcsField.GuestSsSelector, 0x13), VmEntryFailureKind.GuestState, "guest_ss_selector", "RPL must equal CS"),
        ["CS unusable"] = new(v => Or(v, VmcsField.GuestCsArBytes, 0x1_0000), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "usable"),
        ["CS data type"] = new(v => v.Write(VmcsField.GuestCsArBytes, FlatData), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "type 3 must be 9, 11, 13 or 15 (accessed code) ("),
        ["CS not accessed"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0xC09A), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "type 10"),
        ["CS system segment"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0xC08B), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "S (bit 4) must be 1"),
        ["CS not present"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0xC01B), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "P (bit 7)"),
        ["CS reserved bit 8"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0xC19B), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "reserved bits"),
        ["CS reserved bit 17"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0x2_C09B), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "reserved bits"),
        ["CS G with byte limit"] = new(v => v.Write(VmcsField.GuestCsLimit, 0xFFFF_F000), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "must be 0 because limit"),
        ["CS no G with large limit"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0x409B), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "must be 1 because limit"),
        ["CS type 3 with unrestricted guest DPL 3"] = new(v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); v.Write(VmcsField.GuestCsArBytes, FlatData | 0x60); }, VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "DPL must be 0 for type 3"),
        ["CS non-conforming DPL differs from SS"] = new(v => { v.Write(VmcsField.GuestCsArBytes, FlatCode | 0x60); }, VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "non-conforming"),
        ["CS conforming DPL above SS"] = new(v => v.Write(VmcsField.GuestCsArBytes, 0xC0FF), VmEntryFailureKind.GuestState, "guest_cs_ar_bytes", "conforming code needs DPL <="),
        ["SS read-only data"] = new(v => v.Write(VmcsField.GuestSsArBytes, 0xC091), VmEntryFailureKind.GuestState, "guest_ss_ar_bytes", "must be 3 or 7"),
        ["SS DPL differs from RPL"] = new(v => { v.Write(VmcsField.GuestSsArBytes, FlatData | 0x60); v.Write(VmcsField.GuestCsArBytes, FlatCode | 0x60); }, VmEntryFailureKind.GuestState, "guest_ss_ar_bytes", "RPL 0"),
        ["SS DPL 3 in real mode"] = new(v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); RealMode(v); v.Write(VmcsField.GuestSsArBytes, 0xF3); }, VmEntryFailureKind.GuestState, "guest_ss_ar_bytes", "CR0.PE is 0"),
        ["SS not present"] = new(v => v.Write(VmcsField.GuestSsArBytes, 0xC013), VmEntryFailureKind.GuestState, "guest_ss_ar_bytes", "P (bit 7)"),
        ["DS not accessed"] = new(v => v.Write(VmcsField.GuestDsArBytes, 0xC092), VmEntryFailureKind.GuestState, "guest_ds_ar_bytes", "accessed bit"),
        ["FS execute-only code"] = new(v => v.Write(VmcsField.GuestFsArBytes, 0xC099), VmEntryFailureKind.GuestState, "guest_fs_ar_bytes", "readable"),
        ["GS DPL below RPL"] = new(v => v.Write(VmcsField.GuestGsSelector, 0x13), VmEntryFailureKind.GuestState, "guest_gs_ar_bytes", "at least the selector's RPL"),
        ["ES system"] = new(v => v.Write(VmcsField.GuestEsArBytes, 0xC083), VmEntryFailureKind.GuestState, "guest_es_ar_bytes", "S (bit 4)"),
        ["TR TI"] = new(v => v.Write(VmcsField.GuestTrSelector, 0x1C), VmEntryFailureKind.GuestState, "guest_tr_selector", "TI"),
        ["TR available TSS"] = new(v => v.Write(VmcsField.GuestTrArBytes, 0x89), VmEntryFailureKind.GuestState, "guest_tr_ar_bytes", "busy TSS"),
        ["TR unusable"] = new(v => v.Write(VmcsField.GuestTrArBytes, 0x1_008B), VmEntryFailureKind.GuestState, "guest_tr_ar_bytes", "usable"),
        ["TR with S"] = new(v => v.Write(VmcsField.GuestTrArBytes, 0x9B), VmEntryFailureKind.GuestState, "guest_tr_ar_bytes", "S (bit 4) must be 0"),
        ["LDTR TI"] = new(v => { v.Write(VmcsField.GuestLdtrSelector, 0x24); v.Write(VmcsField.GuestLdtrArBytes, 0x82); }, VmEntryFailureKind.GuestState, "guest_ldtr_selector", "TI"),
        ["LDTR wrong type"] = new(v => { v.Write(VmcsField.GuestLdtrSelector, 0x20); v.Write(VmcsField.GuestLdtrArBytes, 0x83); }, VmEntryFailureKind.GuestState, "guest_ldtr_ar_bytes", "must be 2"),
        ["LDTR not present"] = new(v => { v.Write(VmcsField.GuestLdtrSelector, 0x20); v.Write(VmcsField.GuestLdtrArBytes, 0x02); }, VmEntryFailureKind.GuestState, "guest_ldtr_ar_bytes", "P (bit 7)"),
        ["v86 base"] = new(v => { Virtual8086(v); v.Write(VmcsField.GuestDsBase, 0xB_8001); }, VmEntryFailureKind.GuestState, "guest_ds_base", "shifted left 4"),
        ["v86 limit"] = new(v => { Virtual8086(v); v.Write(VmcsField.GuestCsLimit, 0xFFFE); }, VmEntryFailureKind.GuestState, "guest_cs_limit", "0000FFFFH"),
        ["v86 access rights"] = new(v => { Virtual8086(v); v.Write(VmcsField.GuestGsArBytes, 0xF2); }, VmEntryFailureKind.GuestState, "guest_gs_ar_bytes", "000000F3H"),
        // 26.3.1.3, 26.3.1.4.
        ["GDTR limit 10000"] = new(v => v.Write(VmcsField.GuestGdtrLimit, 0x1_0000), VmEntryFailureKind.GuestState, "guest_gdtr_limit", "31:16"),
        ["IDTR limit 10000"] = new(v => v.Write(VmcsField.GuestIdtrLimit, 0x1_0000), VmEntryFailureKind.GuestState, "guest_idtr_limit", "31:16"),
        ["RFLAGS bit 1 clear"] = new(v => v.Write(VmcsField.GuestRflags, 0), VmEntryFailureKind.GuestState, "guest_rflags", "bit 1 must be 1"),
        ["RFLAGS bit 3"] = new(v => v.Write(VmcsField.GuestRflags, 0xA), VmEntryFailureKind.GuestState, "guest_rflags", "reserved"),
        ["RFLAGS bit 22"] = new(v => v.Write(VmcsField.GuestRflags, 0x40_0002), VmEntryFailureKind.GuestState, "guest_rflags", "reserved"),
        ["RFLAGS VM in real mode"] = new(v => { Secondaries(v, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest)); Virtual8086(v); v.Write(VmcsField.GuestCr0, 0x30); }, VmEntryFailureKind.GuestState, "guest_rflags", "CR0.PE is 0"),
        ["external interrupt with IF clear"] = new(v => Inject(v, 0, 0x20), VmEntryFailureKind.GuestState, "guest_rflags", "IF (bit 9)"),
        // 26.3.1.5 activity and interruptibility state, pending debug exceptions.
        ["activity 4"] = new(v => v.Write(VmcsField.GuestActivityState, 4), VmEntryFailureKind.GuestState, "guest_activity_state", "not one of 0-3"),
        ["activity wait-for-SIPI"] = new(v => v.Write(VmcsField.GuestActivityState, 3), VmEntryFailureKind.GuestState, "guest_activity_state", "IA32_VMX_MISC bit 8"),
        ["HLT at CPL 3"] = new(v => { v.Write(VmcsField.GuestActivityState, 1); v.Write(VmcsField.GuestCsSelector, 0x1B); v.Write(VmcsField.GuestCsArBytes, FlatCode | 0x60); v.Write(VmcsField.GuestSsSelector, 0x23); v.Write(VmcsField.GuestSsArBytes, FlatData | 0x60); }, VmEntryFailureKind.GuestState, "guest_activity_state", "SS.DPL 0"),
        ["HLT with STI blocking"] = new(v => { v.Write(VmcsField.GuestActivityState, 1); v.Write(VmcsField.GuestInterruptibilityInfo, 1); v.Write(VmcsField.GuestRflags, 0x202); }, VmEntryFailureKind.GuestState, "guest_activity_state", "blocking by STI or MOV SS"),
        ["HLT with software interrupt"] = new(v => { v.Write(VmcsField.GuestActivityState, 1); Inject(v, 4, 0x80); }, VmEntryFailureKind.GuestState, "guest_activity_state", "blocks the injected event"),
        ["shutdown with #DB"] = new(v => { v.Write(VmcsField.GuestActivityState, 2); Inject(v, 3, 1); }, VmEntryFailureKind.GuestState, "guest_activity_state", "blocks the injected event"),
        ["interruptibility bit 4"] = new(v => v.Write(VmcsField.GuestInterruptibilityInfo, 0x10), VmEntryFailureKind.GuestState, "guest_interruptibility_info", "31:4"),
        ["STI and MOV SS"] = new(v => { v.Write(VmcsField.GuestInterruptibilityInfo, 3); v.Write(VmcsField.GuestRflags, 0x202); }, VmEntryFailureKind.GuestState, "guest_interruptibility_info", "not both"),
        ["STI without IF"] = new(v => v.Write(VmcsField.GuestInterruptibilityInfo, 1), VmEntryFailureKind.GuestState, "guest_interruptibility_info", "RFLAGS.IF = 1"),
        ["external interrupt with MOV SS blocking"] = new(v => { Inject(v, 0, 0x20); v.Write(VmcsField.GuestRflags, 0x202); v.Write(VmcsField.GuestInterruptibilityInfo, 2); }, VmEntryFailureKind.GuestState, "guest_interruptibility_info", "external interrupt cannot"),
        ["NMI with MOV SS blocking"] = new(v => { Inject(v, 2, 2); v.Write(VmcsField.GuestInterruptibilityInfo, 2); }, VmEntryFailureKind.GuestState, "guest_interruptibility_info", "NMI cannot be injected with blocking by MOV SS"),
        ["SMI blocking"] = new(v => v.Write(VmcsField.GuestInterruptibilityInfo, 4), VmEntryFailureKind.GuestState, "guest_interruptibility_info", "SMI"),
        ["virtual NMI with NMI blocking"] = new(v => { Or(v, VmcsField.PinBasedVmExecControl, (uint)(PinBasedControls.NmiExiting | PinBasedControls.VirtualNmis)); Inject(v, 2, 2); v.Write(VmcsField.GuestInterruptibilityInfo, 8); }, VmEntryFailureKind.GuestState, "guest_interruptibility_info", "virtual NMIs"),
        ["pending reserved bit 4"] = new(v => v.Write(VmcsField.GuestPendingDbgExceptions, 0x10), VmEntryFailureKind.GuestState, "guest_pending_dbg_exceptions", "must be 0"),
        ["pending RTM bit 16"] = new(v => v.Write(VmcsField.GuestPendingDbgExceptions, 0x1_0000), VmEntryFailureKind.GuestState, "guest_pending_dbg_exceptions", "31:16"),
        ["MOV SS blocking TF without BS"] = new(v => { v.Write(VmcsField.GuestInterruptibilityInfo, 2); v.Write(VmcsField.GuestRflags, 0x102); }, VmEntryFailureKind.GuestState, "guest_pending_dbg_exceptions", "must be 1"),
        ["HLT BS without TF"] = new(v => { v.Write(VmcsField.GuestActivityState, 1); v.Write(VmcsField.GuestPendingDbgExceptions, 0x4000); }, VmEntryFailureKind.GuestState, "guest_pending_dbg_exceptions", "must be 0"),
    };

    [Theory]
    [MemberData(nameof(FailingCases))]
    public void Broken_rule_fails_with_the_exact_error_and_field(string name)
    {
        var c = Failures[name];
        var v = With(c.Change);
        var failure = VmEntryChecks.Check(v);
        Assert.NotNull(failure);
        Assert.Equal(c.Kind, failure.Kind);
        Assert.Equal(c.Field, failure.Field);
        Assert.Contains(c.RulePart, failure.Rule);
        switch (c.Kind)
        {
            case VmEntryFailureKind.Control:
                Assert.Equal(VmxInstructionError.EntryInvalidControlField, failure.Error);
                Assert.Equal(7u, (uint)failure.Error!.Value);
                Assert.Null(failure.ExitReason);
                Assert.Equal(failure, VmEntryChecks.CheckControls(v));
                break;
            case VmEntryFailureKind.HostState:
                Assert.Equal(8u, (uint)failure.Error!.Value);
                Assert.Null(failure.ExitReason);
                Assert.Null(VmEntryChecks.CheckControls(v));
                Assert.Equal(failure, VmEntryChecks.CheckHostState(v));
                break;
            default:
                Assert.Null(failure.Error);
                Assert.Equal(0x8000_0021u, failure.ExitReason);
                Assert.Equal(VmExitReason.EntryFailureGuestState, VmExitReasonField.BasicReason(failure.ExitReason!.Value));
                Assert.True(VmExitReasonField.IsEntryFailure(failure.ExitReason.Value));
                Assert.Equal(0UL, failure.ExitQualification);
                Assert.Null(VmEntryChecks.CheckControls(v));
                Assert.Null(VmEntryChecks.CheckHostState(v));
                Assert.Equal(failure, VmEntryChecks.CheckGuestState(v));
                break;
        }
    }

    [Fact]
    public void NMI_injected_with_STI_blocking_fails_with_qualification_3()
    {
        var v = With(x => { Inject(x, 2, 2); x.Write(VmcsField.GuestInterruptibilityInfo, 1); x.Write(VmcsField.GuestRflags, 0x202); });
        var failure = VmEntryChecks.CheckGuestState(v)!;
        Assert.Equal(0x8000_0021u, failure.ExitReason);
        Assert.Equal(3UL, failure.ExitQualification);
        Assert.Equal("guest_interruptibility_info", failure.Field);
        Assert.Contains("blocking by STI", failure.Rule);
        Assert.Equal(failure, VmEntryChecks.Check(v));
    }

    [Fact]
    public void Check_reports_controls_before_host_state_before_guest_state()
    {
        var v = With(x => { x.Write(VmcsField.GuestRflags, 0); x.Write(VmcsField.HostCsSelector, 0); x.Write(VmcsField.Cr3TargetCount, 5); });
        Assert.Equal(VmEntryFailureKind.Control, VmEntryChecks.Check(v)!.Kind);
        v.Write(VmcsField.Cr3TargetCount, 0);
        Assert.Equal(VmEntryFailureKind.HostState, VmEntryChecks.Check(v)!.Kind);
        v.Write(VmcsField.HostCsSelector, 8);
        Assert.Equal(VmEntryFailureKind.GuestState, VmEntryChecks.Check(v)!.Kind);
        v.Write(VmcsField.GuestRflags, 2);
        Assert.Null(VmEntryChecks.Check(v));
    }

    [Fact]
    public void Checks_reject_a_null_vmcs()
    {
        Assert.Throws<ArgumentNullException>(() => VmEntryChecks.CheckControls(null!));
        Assert.Throws<ArgumentNullException>(() => VmEntryChecks.CheckHostState(null!));
        Assert.Throws<ArgumentNullException>(() => VmEntryChecks.CheckGuestState(null!));
    }

    [Fact]
    public void Failure_text_names_the_error_or_exit_reason_and_the_field()
    {
        var control = VmEntryChecks.Check(With(v => v.Write(VmcsField.Cr3TargetCount, 9)))!;
        Assert.StartsWith("VM entry failed (VM-instruction error 7): cr3_target_count: ", control.ToString());
        var guest = VmEntryChecks.Check(With(v => v.Write(VmcsField.GuestRflags, 0)))!;
        Assert.StartsWith("VM entry failed (exit reason 0x80000021, qualification 0): guest_rflags: ", guest.ToString());
    }
}
