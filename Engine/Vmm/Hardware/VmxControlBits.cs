namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>The five VMX control fields whose bits a VMM sets (SDM Vol. 3C 24.6.1, 24.6.2, 24.7.1, 24.8.1).</summary>
public enum VmxControlKind
{
    /// <summary>Pin-based VM-execution controls (VMCS 0x4000, capability MSR 0x481 / 0x48D).</summary>
    PinBased,
    /// <summary>Primary processor-based VM-execution controls (0x4002, MSR 0x482 / 0x48E).</summary>
    PrimaryProcessorBased,
    /// <summary>Secondary processor-based VM-execution controls (0x401E, MSR 0x48B).</summary>
    SecondaryProcessorBased,
    /// <summary>Primary VM-exit controls (0x400C, MSR 0x483 / 0x48F).</summary>
    VmExit,
    /// <summary>VM-entry controls (0x4012, MSR 0x484 / 0x490).</summary>
    VmEntry,
}

/// <summary>Pin-based VM-execution controls (SDM Vol. 3C 24.6.1). Bits 1, 2 and 4 are reserved, default 1.</summary>
[Flags]
public enum PinBasedControls : uint
{
    /// <summary>Bit 0: external interrupts cause VM exits.</summary>
    ExternalInterruptExiting = 1u << 0,
    /// <summary>Bit 3: NMIs cause VM exits.</summary>
    NmiExiting = 1u << 3,
    /// <summary>Bit 5: virtual NMIs (NMI blocking tracked virtually).</summary>
    VirtualNmis = 1u << 5,
    /// <summary>Bit 6: activate the VMX-preemption timer.</summary>
    ActivateVmxPreemptionTimer = 1u << 6,
    /// <summary>Bit 7: process posted interrupts.</summary>
    ProcessPostedInterrupts = 1u << 7,
}

/// <summary>Primary processor-based VM-execution controls (SDM Vol. 3C 24.6.2, primary). Bits 1, 4-6, 8, 13-16 and 26 are default 1.</summary>
[Flags]
public enum PrimaryProcessorControls : uint
{
    /// <summary>Bit 2: exit at the start of any instruction when RFLAGS.IF = 1 and nothing blocks interrupts.</summary>
    InterruptWindowExiting = 1u << 2,
    /// <summary>Bit 3: RDTSC/RDTSCP/RDMSR of the TSC add the TSC offset.</summary>
    UseTscOffsetting = 1u << 3,
    /// <summary>Bit 7: HLT exits.</summary>
    HltExiting = 1u << 7,
    /// <summary>Bit 9: INVLPG exits.</summary>
    InvlpgExiting = 1u << 9,
    /// <summary>Bit 10: MWAIT exits.</summary>
    MwaitExiting = 1u << 10,
    /// <summary>Bit 11: RDPMC exits.</summary>
    RdpmcExiting = 1u << 11,
    /// <summary>Bit 12: RDTSC exits.</summary>
    RdtscExiting = 1u << 12,
    /// <summary>Bit 15: MOV to CR3 exits unless the value is a CR3-target value.</summary>
    Cr3LoadExiting = 1u << 15,
    /// <summary>Bit 16: MOV from CR3 exits.</summary>
    Cr3StoreExiting = 1u << 16,
    /// <summary>Bit 17: activate the tertiary controls.</summary>
    ActivateTertiaryControls = 1u << 17,
    /// <summary>Bit 19: MOV to CR8 exits (Intel 64 only).</summary>
    Cr8LoadExiting = 1u << 19,
    /// <summary>Bit 20: MOV from CR8 exits (Intel 64 only).</summary>
    Cr8StoreExiting = 1u << 20,
    /// <summary>Bit 21: use the TPR shadow.</summary>
    UseTprShadow = 1u << 21,
    /// <summary>Bit 22: exit at the start of any instruction when there is no virtual-NMI blocking.</summary>
    NmiWindowExiting = 1u << 22,
    /// <summary>Bit 23: MOV DR exits.</summary>
    MovDrExiting = 1u << 23,
    /// <summary>Bit 24: every I/O instruction exits (ignored when use-I/O-bitmaps is 1).</summary>
    UnconditionalIoExiting = 1u << 24,
    /// <summary>Bit 25: the I/O bitmaps decide which ports exit.</summary>
    UseIoBitmaps = 1u << 25,
    /// <summary>Bit 27: monitor trap flag.</summary>
    MonitorTrapFlag = 1u << 27,
    /// <summary>Bit 28: the MSR bitmaps decide which RDMSR/WRMSR exit.</summary>
    UseMsrBitmaps = 1u << 28,
    /// <summary>Bit 29: MONITOR exits.</summary>
    MonitorExiting = 1u << 29,
    /// <summary>Bit 30: PAUSE exits.</summary>
    PauseExiting = 1u << 30,
    /// <summary>Bit 31: activate the secondary controls.</summary>
    ActivateSecondaryControls = 1u << 31,
}

/// <summary>Secondary processor-based VM-execution controls (SDM Vol. 3C 24.6.2, secondary). No bit is default 1.</summary>
[Flags]
public enum SecondaryProcessorControls : uint
{
    /// <summary>Bit 0: virtualize APIC accesses.</summary>
    VirtualizeApicAccesses = 1u << 0,
    /// <summary>Bit 1: enable EPT.</summary>
    EnableEpt = 1u << 1,
    /// <summary>Bit 2: descriptor-table exiting (LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT, STR).</summary>
    DescriptorTableExiting = 1u << 2,
    /// <summary>Bit 3: enable RDTSCP.</summary>
    EnableRdtscp = 1u << 3,
    /// <summary>Bit 4: virtualize x2APIC mode.</summary>
    VirtualizeX2apicMode = 1u << 4,
    /// <summary>Bit 5: enable VPID.</summary>
    EnableVpid = 1u << 5,
    /// <summary>Bit 6: WBINVD exits.</summary>
    WbinvdExiting = 1u << 6,
    /// <summary>Bit 7: unrestricted guest (real mode and unpaged protected mode under EPT).</summary>
    UnrestrictedGuest = 1u << 7,
    /// <summary>Bit 8: APIC-register virtualization.</summary>
    ApicRegisterVirtualization = 1u << 8,
    /// <summary>Bit 9: virtual-interrupt delivery.</summary>
    VirtualInterruptDelivery = 1u << 9,
    /// <summary>Bit 10: PAUSE-loop exiting.</summary>
    PauseLoopExiting = 1u << 10,
    /// <summary>Bit 11: RDRAND exits.</summary>
    RdrandExiting = 1u << 11,
    /// <summary>Bit 12: enable INVPCID.</summary>
    EnableInvpcid = 1u << 12,
    /// <summary>Bit 13: enable VM functions.</summary>
    EnableVmFunctions = 1u << 13,
    /// <summary>Bit 14: VMCS shadowing.</summary>
    VmcsShadowing = 1u << 14,
    /// <summary>Bit 15: ENCLS exiting.</summary>
    EnclsExiting = 1u << 15,
    /// <summary>Bit 16: RDSEED exits.</summary>
    RdseedExiting = 1u << 16,
    /// <summary>Bit 17: enable page-modification logging.</summary>
    EnablePml = 1u << 17,
    /// <summary>Bit 18: EPT violations may cause #VE.</summary>
    EptViolationVe = 1u << 18,
    /// <summary>Bit 19: conceal VMX from Intel PT.</summary>
    ConcealVmxFromPt = 1u << 19,
    /// <summary>Bit 20: enable XSAVES/XRSTORS.</summary>
    EnableXsavesXrstors = 1u << 20,
    /// <summary>Bit 22: mode-based execute control for EPT.</summary>
    ModeBasedExecuteControlForEpt = 1u << 22,
    /// <summary>Bit 24: Intel PT uses guest-physical addresses.</summary>
    PtUsesGuestPhysicalAddresses = 1u << 24,
    /// <summary>Bit 25: use TSC scaling.</summary>
    UseTscScaling = 1u << 25,
    /// <summary>Bit 26: enable user wait and pause.</summary>
    EnableUserWaitAndPause = 1u << 26,
    /// <summary>Bit 28: ENCLV exiting.</summary>
    EnclvExiting = 1u << 28,
}

/// <summary>Primary VM-exit controls (SDM Vol. 3C 24.7.1). Bits 0-8, 10, 11, 13, 14, 16, 17 are default 1.</summary>
[Flags]
public enum VmExitControlBits : uint
{
    /// <summary>Bit 2: save DR7 and IA32_DEBUGCTL.</summary>
    SaveDebugControls = 1u << 2,
    /// <summary>Bit 9: host address-space size (64-bit host; Intel 64 only).</summary>
    HostAddressSpaceSize = 1u << 9,
    /// <summary>Bit 12: load IA32_PERF_GLOBAL_CTRL.</summary>
    LoadIa32PerfGlobalCtrl = 1u << 12,
    /// <summary>Bit 15: acknowledge interrupt on exit (the vector goes into the exit interruption information).</summary>
    AcknowledgeInterruptOnExit = 1u << 15,
    /// <summary>Bit 18: save IA32_PAT.</summary>
    SaveIa32Pat = 1u << 18,
    /// <summary>Bit 19: load IA32_PAT.</summary>
    LoadIa32Pat = 1u << 19,
    /// <summary>Bit 20: save IA32_EFER.</summary>
    SaveIa32Efer = 1u << 20,
    /// <summary>Bit 21: load IA32_EFER.</summary>
    LoadIa32Efer = 1u << 21,
    /// <summary>Bit 22: save the VMX-preemption timer value.</summary>
    SaveVmxPreemptionTimerValue = 1u << 22,
    /// <summary>Bit 23: clear IA32_BNDCFGS.</summary>
    ClearIa32Bndcfgs = 1u << 23,
    /// <summary>Bit 24: conceal VMX from PT.</summary>
    ConcealVmxFromPt = 1u << 24,
    /// <summary>Bit 25: clear IA32_RTIT_CTL.</summary>
    ClearIa32RtitCtl = 1u << 25,
    /// <summary>Bit 31: activate the secondary VM-exit controls.</summary>
    ActivateSecondaryControls = 1u << 31,
}

/// <summary>VM-entry controls (SDM Vol. 3C 24.8.1). Bits 0-8 and 12 are default 1.</summary>
[Flags]
public enum VmEntryControlBits : uint
{
    /// <summary>Bit 2: load DR7 and IA32_DEBUGCTL.</summary>
    LoadDebugControls = 1u << 2,
    /// <summary>Bit 9: IA-32e mode guest (Intel 64 only).</summary>
    Ia32eModeGuest = 1u << 9,
    /// <summary>Bit 10: entry to SMM.</summary>
    EntryToSmm = 1u << 10,
    /// <summary>Bit 11: deactivate dual-monitor treatment.</summary>
    DeactivateDualMonitorTreatment = 1u << 11,
    /// <summary>Bit 13: load IA32_PERF_GLOBAL_CTRL.</summary>
    LoadIa32PerfGlobalCtrl = 1u << 13,
    /// <summary>Bit 14: load IA32_PAT.</summary>
    LoadIa32Pat = 1u << 14,
    /// <summary>Bit 15: load IA32_EFER.</summary>
    LoadIa32Efer = 1u << 15,
    /// <summary>Bit 16: load IA32_BNDCFGS.</summary>
    LoadIa32Bndcfgs = 1u << 16,
    /// <summary>Bit 17: conceal VMX from PT.</summary>
    ConcealVmxFromPt = 1u << 17,
    /// <summary>Bit 18: load IA32_RTIT_CTL.</summary>
    LoadIa32RtitCtl = 1u << 18,
}
