namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The VMCS fields VirtLab's simulated VT-x supports, by their encodings (Intel SDM Vol. 3C appendix B).
/// Member names are the SDM/KVM names in PascalCase (KVM's <c>GUEST_ES_SELECTOR</c> is
/// <see cref="GuestEsSelector"/>); <see cref="VmcsFieldInfo.CanonicalName"/> gives the lowercase form.
/// A 64-bit field has two encodings: the full one (bit 0 clear) and its <c>High</c> half (bit 0 set,
/// the upper 32 bits). Fields of features VirtLab does not model (VPID, posted interrupts, APIC
/// virtualization, PML, PAT/EFER/PERF_GLOBAL_CTRL loading, VM functions, CET, FRED ...) are absent on
/// purpose: as on a CPU without the feature, VMREAD/VMWRITE of them fails with VM-instruction error 12.
/// </summary>
public enum VmcsField : ushort
{
    // ---- 16-bit guest-state fields (B.1.2) ----
    /// <summary>Guest ES selector.</summary>
    GuestEsSelector = 0x0800,
    /// <summary>Guest CS selector.</summary>
    GuestCsSelector = 0x0802,
    /// <summary>Guest SS selector.</summary>
    GuestSsSelector = 0x0804,
    /// <summary>Guest DS selector.</summary>
    GuestDsSelector = 0x0806,
    /// <summary>Guest FS selector.</summary>
    GuestFsSelector = 0x0808,
    /// <summary>Guest GS selector.</summary>
    GuestGsSelector = 0x080A,
    /// <summary>Guest LDTR selector.</summary>
    GuestLdtrSelector = 0x080C,
    /// <summary>Guest TR selector.</summary>
    GuestTrSelector = 0x080E,

    // ---- 16-bit host-state fields (B.1.3) ----
    /// <summary>Host ES selector.</summary>
    HostEsSelector = 0x0C00,
    /// <summary>Host CS selector.</summary>
    HostCsSelector = 0x0C02,
    /// <summary>Host SS selector.</summary>
    HostSsSelector = 0x0C04,
    /// <summary>Host DS selector.</summary>
    HostDsSelector = 0x0C06,
    /// <summary>Host FS selector.</summary>
    HostFsSelector = 0x0C08,
    /// <summary>Host GS selector.</summary>
    HostGsSelector = 0x0C0A,
    /// <summary>Host TR selector.</summary>
    HostTrSelector = 0x0C0C,

    // ---- 64-bit control fields (B.2.1) ----
    /// <summary>Address of I/O bitmap A (ports 0000-7FFF), full.</summary>
    IoBitmapA = 0x2000,
    /// <summary>Address of I/O bitmap A, high 32 bits.</summary>
    IoBitmapAHigh = 0x2001,
    /// <summary>Address of I/O bitmap B (ports 8000-FFFF), full.</summary>
    IoBitmapB = 0x2002,
    /// <summary>Address of I/O bitmap B, high 32 bits.</summary>
    IoBitmapBHigh = 0x2003,
    /// <summary>Address of the MSR bitmaps, full.</summary>
    MsrBitmap = 0x2004,
    /// <summary>Address of the MSR bitmaps, high 32 bits.</summary>
    MsrBitmapHigh = 0x2005,
    /// <summary>VM-exit MSR-store address, full.</summary>
    VmExitMsrStoreAddr = 0x2006,
    /// <summary>VM-exit MSR-store address, high 32 bits.</summary>
    VmExitMsrStoreAddrHigh = 0x2007,
    /// <summary>VM-exit MSR-load address, full.</summary>
    VmExitMsrLoadAddr = 0x2008,
    /// <summary>VM-exit MSR-load address, high 32 bits.</summary>
    VmExitMsrLoadAddrHigh = 0x2009,
    /// <summary>VM-entry MSR-load address, full.</summary>
    VmEntryMsrLoadAddr = 0x200A,
    /// <summary>VM-entry MSR-load address, high 32 bits.</summary>
    VmEntryMsrLoadAddrHigh = 0x200B,
    /// <summary>Executive-VMCS pointer (dual-monitor treatment of SMM), full.</summary>
    ExecutiveVmcsPointer = 0x200C,
    /// <summary>Executive-VMCS pointer, high 32 bits.</summary>
    ExecutiveVmcsPointerHigh = 0x200D,
    /// <summary>TSC offset, full.</summary>
    TscOffset = 0x2010,
    /// <summary>TSC offset, high 32 bits.</summary>
    TscOffsetHigh = 0x2011,
    /// <summary>Extended-page-table pointer (EPTP), full.</summary>
    EptPointer = 0x201A,
    /// <summary>Extended-page-table pointer, high 32 bits.</summary>
    EptPointerHigh = 0x201B,

    // ---- 64-bit read-only data field (B.2.2) ----
    /// <summary>Guest-physical address of an EPT violation or misconfiguration, full.</summary>
    GuestPhysicalAddress = 0x2400,
    /// <summary>Guest-physical address, high 32 bits.</summary>
    GuestPhysicalAddressHigh = 0x2401,

    // ---- 64-bit guest-state fields (B.2.3) ----
    /// <summary>VMCS link pointer, full (all ones when unused).</summary>
    VmcsLinkPointer = 0x2800,
    /// <summary>VMCS link pointer, high 32 bits.</summary>
    VmcsLinkPointerHigh = 0x2801,
    /// <summary>Guest IA32_DEBUGCTL, full.</summary>
    GuestIa32Debugctl = 0x2802,
    /// <summary>Guest IA32_DEBUGCTL, high 32 bits.</summary>
    GuestIa32DebugctlHigh = 0x2803,
    /// <summary>Guest PDPTE0 (PAE paging with EPT), full.</summary>
    GuestPdptr0 = 0x280A,
    /// <summary>Guest PDPTE0, high 32 bits.</summary>
    GuestPdptr0High = 0x280B,
    /// <summary>Guest PDPTE1, full.</summary>
    GuestPdptr1 = 0x280C,
    /// <summary>Guest PDPTE1, high 32 bits.</summary>
    GuestPdptr1High = 0x280D,
    /// <summary>Guest PDPTE2, full.</summary>
    GuestPdptr2 = 0x280E,
    /// <summary>Guest PDPTE2, high 32 bits.</summary>
    GuestPdptr2High = 0x280F,
    /// <summary>Guest PDPTE3, full.</summary>
    GuestPdptr3 = 0x2810,
    /// <summary>Guest PDPTE3, high 32 bits.</summary>
    GuestPdptr3High = 0x2811,

    // ---- 32-bit control fields (B.3.1) ----
    /// <summary>Pin-based VM-execution controls.</summary>
    PinBasedVmExecControl = 0x4000,
    /// <summary>Primary processor-based VM-execution controls.</summary>
    CpuBasedVmExecControl = 0x4002,
    /// <summary>Exception bitmap.</summary>
    ExceptionBitmap = 0x4004,
    /// <summary>Page-fault error-code mask.</summary>
    PageFaultErrorCodeMask = 0x4006,
    /// <summary>Page-fault error-code match.</summary>
    PageFaultErrorCodeMatch = 0x4008,
    /// <summary>CR3-target count.</summary>
    Cr3TargetCount = 0x400A,
    /// <summary>Primary VM-exit controls.</summary>
    VmExitControls = 0x400C,
    /// <summary>VM-exit MSR-store count.</summary>
    VmExitMsrStoreCount = 0x400E,
    /// <summary>VM-exit MSR-load count.</summary>
    VmExitMsrLoadCount = 0x4010,
    /// <summary>VM-entry controls.</summary>
    VmEntryControls = 0x4012,
    /// <summary>VM-entry MSR-load count.</summary>
    VmEntryMsrLoadCount = 0x4014,
    /// <summary>VM-entry interruption-information field.</summary>
    VmEntryIntrInfoField = 0x4016,
    /// <summary>VM-entry exception error code.</summary>
    VmEntryExceptionErrorCode = 0x4018,
    /// <summary>VM-entry instruction length.</summary>
    VmEntryInstructionLen = 0x401A,
    /// <summary>Secondary processor-based VM-execution controls.</summary>
    SecondaryVmExecControl = 0x401E,

    // ---- 32-bit read-only data fields (B.3.2) ----
    /// <summary>VM-instruction error (a <see cref="VmxInstructionError"/> number).</summary>
    VmInstructionError = 0x4400,
    /// <summary>Exit reason (basic reason in bits 15:0, bit 31 = VM-entry failure).</summary>
    VmExitReason = 0x4402,
    /// <summary>VM-exit interruption information.</summary>
    VmExitIntrInfo = 0x4404,
    /// <summary>VM-exit interruption error code.</summary>
    VmExitIntrErrorCode = 0x4406,
    /// <summary>IDT-vectoring information field.</summary>
    IdtVectoringInfoField = 0x4408,
    /// <summary>IDT-vectoring error code.</summary>
    IdtVectoringErrorCode = 0x440A,
    /// <summary>VM-exit instruction length.</summary>
    VmExitInstructionLen = 0x440C,
    /// <summary>VM-exit instruction information.</summary>
    VmxInstructionInfo = 0x440E,

    // ---- 32-bit guest-state fields (B.3.3) ----
    /// <summary>Guest ES limit.</summary>
    GuestEsLimit = 0x4800,
    /// <summary>Guest CS limit.</summary>
    GuestCsLimit = 0x4802,
    /// <summary>Guest SS limit.</summary>
    GuestSsLimit = 0x4804,
    /// <summary>Guest DS limit.</summary>
    GuestDsLimit = 0x4806,
    /// <summary>Guest FS limit.</summary>
    GuestFsLimit = 0x4808,
    /// <summary>Guest GS limit.</summary>
    GuestGsLimit = 0x480A,
    /// <summary>Guest LDTR limit.</summary>
    GuestLdtrLimit = 0x480C,
    /// <summary>Guest TR limit.</summary>
    GuestTrLimit = 0x480E,
    /// <summary>Guest GDTR limit.</summary>
    GuestGdtrLimit = 0x4810,
    /// <summary>Guest IDTR limit.</summary>
    GuestIdtrLimit = 0x4812,
    /// <summary>Guest ES access rights.</summary>
    GuestEsArBytes = 0x4814,
    /// <summary>Guest CS access rights.</summary>
    GuestCsArBytes = 0x4816,
    /// <summary>Guest SS access rights.</summary>
    GuestSsArBytes = 0x4818,
    /// <summary>Guest DS access rights.</summary>
    GuestDsArBytes = 0x481A,
    /// <summary>Guest FS access rights.</summary>
    GuestFsArBytes = 0x481C,
    /// <summary>Guest GS access rights.</summary>
    GuestGsArBytes = 0x481E,
    /// <summary>Guest LDTR access rights.</summary>
    GuestLdtrArBytes = 0x4820,
    /// <summary>Guest TR access rights.</summary>
    GuestTrArBytes = 0x4822,
    /// <summary>Guest interruptibility state.</summary>
    GuestInterruptibilityInfo = 0x4824,
    /// <summary>Guest activity state.</summary>
    GuestActivityState = 0x4826,
    /// <summary>Guest SMBASE.</summary>
    GuestSmbase = 0x4828,
    /// <summary>Guest IA32_SYSENTER_CS.</summary>
    GuestSysenterCs = 0x482A,
    /// <summary>VMX-preemption timer value.</summary>
    VmxPreemptionTimerValue = 0x482E,

    // ---- 32-bit host-state field (B.3.4) ----
    /// <summary>Host IA32_SYSENTER_CS.</summary>
    HostIa32SysenterCs = 0x4C00,

    // ---- natural-width control fields (B.4.1) ----
    /// <summary>CR0 guest/host mask.</summary>
    Cr0GuestHostMask = 0x6000,
    /// <summary>CR4 guest/host mask.</summary>
    Cr4GuestHostMask = 0x6002,
    /// <summary>CR0 read shadow.</summary>
    Cr0ReadShadow = 0x6004,
    /// <summary>CR4 read shadow.</summary>
    Cr4ReadShadow = 0x6006,
    /// <summary>CR3-target value 0.</summary>
    Cr3TargetValue0 = 0x6008,
    /// <summary>CR3-target value 1.</summary>
    Cr3TargetValue1 = 0x600A,
    /// <summary>CR3-target value 2.</summary>
    Cr3TargetValue2 = 0x600C,
    /// <summary>CR3-target value 3.</summary>
    Cr3TargetValue3 = 0x600E,

    // ---- natural-width read-only data fields (B.4.2) ----
    /// <summary>Exit qualification.</summary>
    ExitQualification = 0x6400,
    /// <summary>I/O RCX (SMI during an I/O instruction).</summary>
    IoRcx = 0x6402,
    /// <summary>I/O RSI.</summary>
    IoRsi = 0x6404,
    /// <summary>I/O RDI.</summary>
    IoRdi = 0x6406,
    /// <summary>I/O RIP.</summary>
    IoRip = 0x6408,
    /// <summary>Guest-linear address.</summary>
    GuestLinearAddress = 0x640A,

    // ---- natural-width guest-state fields (B.4.3) ----
    /// <summary>Guest CR0.</summary>
    GuestCr0 = 0x6800,
    /// <summary>Guest CR3.</summary>
    GuestCr3 = 0x6802,
    /// <summary>Guest CR4.</summary>
    GuestCr4 = 0x6804,
    /// <summary>Guest ES base.</summary>
    GuestEsBase = 0x6806,
    /// <summary>Guest CS base.</summary>
    GuestCsBase = 0x6808,
    /// <summary>Guest SS base.</summary>
    GuestSsBase = 0x680A,
    /// <summary>Guest DS base.</summary>
    GuestDsBase = 0x680C,
    /// <summary>Guest FS base.</summary>
    GuestFsBase = 0x680E,
    /// <summary>Guest GS base.</summary>
    GuestGsBase = 0x6810,
    /// <summary>Guest LDTR base.</summary>
    GuestLdtrBase = 0x6812,
    /// <summary>Guest TR base.</summary>
    GuestTrBase = 0x6814,
    /// <summary>Guest GDTR base.</summary>
    GuestGdtrBase = 0x6816,
    /// <summary>Guest IDTR base.</summary>
    GuestIdtrBase = 0x6818,
    /// <summary>Guest DR7.</summary>
    GuestDr7 = 0x681A,
    /// <summary>Guest RSP (ESP).</summary>
    GuestRsp = 0x681C,
    /// <summary>Guest RIP (EIP).</summary>
    GuestRip = 0x681E,
    /// <summary>Guest RFLAGS (EFLAGS).</summary>
    GuestRflags = 0x6820,
    /// <summary>Guest pending debug exceptions.</summary>
    GuestPendingDbgExceptions = 0x6822,
    /// <summary>Guest IA32_SYSENTER_ESP.</summary>
    GuestSysenterEsp = 0x6824,
    /// <summary>Guest IA32_SYSENTER_EIP.</summary>
    GuestSysenterEip = 0x6826,

    // ---- natural-width host-state fields (B.4.4) ----
    /// <summary>Host CR0.</summary>
    HostCr0 = 0x6C00,
    /// <summary>Host CR3.</summary>
    HostCr3 = 0x6C02,
    /// <summary>Host CR4.</summary>
    HostCr4 = 0x6C04,
    /// <summary>Host FS base.</summary>
    HostFsBase = 0x6C06,
    /// <summary>Host GS base.</summary>
    HostGsBase = 0x6C08,
    /// <summary>Host TR base.</summary>
    HostTrBase = 0x6C0A,
    /// <summary>Host GDTR base.</summary>
    HostGdtrBase = 0x6C0C,
    /// <summary>Host IDTR base.</summary>
    HostIdtrBase = 0x6C0E,
    /// <summary>Host IA32_SYSENTER_ESP.</summary>
    HostIa32SysenterEsp = 0x6C10,
    /// <summary>Host IA32_SYSENTER_EIP.</summary>
    HostIa32SysenterEip = 0x6C12,
    /// <summary>Host RSP.</summary>
    HostRsp = 0x6C14,
    /// <summary>Host RIP.</summary>
    HostRip = 0x6C16,
}
