namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// How the built-in VMM sets up the VMCS for a guest (a lab's <c>hardware:</c> section). The control
/// fields start from KVM's choices for a 32-bit guest and are then adjusted to the TRUE capability
/// MSRs (their fixed-1 bits set), so the defaults are always a VMCS that enters. A lab may change any
/// named control, the bitmaps and masks, and write raw fields last (<see cref="RawFields"/>); a
/// combination the processor refuses fails at VM entry with the SDM's error, as it would on hardware.
/// </summary>
public sealed class HardwareSettings
{
    /// <summary>Round-trip cycles of one VM exit and entry: 1931 (page-fault exit) + 2409 (VM entry) on the Pentium 4 of Adams and Agesen, ASPLOS 2006, table 1.</summary>
    public const long DefaultExitCycles = 1931 + 2409;

    /// <summary>Pin-based controls before adjustment: external-interrupt exiting (interrupts reach the VMM, which injects them, as KVM does).</summary>
    public uint PinBased { get; set; } = (uint)PinBasedControls.ExternalInterruptExiting;
    /// <summary>Primary processor-based controls before adjustment: HLT exiting, unconditional I/O exiting (every port exits), secondary controls on.</summary>
    public uint Primary { get; set; } = (uint)(PrimaryProcessorControls.HltExiting | PrimaryProcessorControls.UnconditionalIoExiting
        | PrimaryProcessorControls.ActivateSecondaryControls);
    /// <summary>Secondary controls: EPT and unrestricted guest (real mode runs in non-root operation, as under KVM on current CPUs).</summary>
    public uint Secondary { get; set; } = (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest);
    /// <summary>VM-exit controls before adjustment: acknowledge interrupt on exit (the vector is in the exit interruption information).</summary>
    public uint ExitControls { get; set; } = (uint)VmExitControlBits.AcknowledgeInterruptOnExit;
    /// <summary>VM-entry controls before adjustment (none beyond the fixed-1 bits).</summary>
    public uint EntryControls { get; set; }
    /// <summary>Named controls the lab set, applied after the defaults (true sets the bit, false clears it).</summary>
    public Dictionary<VmxControl, bool> Controls { get; } = new();

    /// <summary>Exception bitmap (bit n: exit on vector n).</summary>
    public uint ExceptionBitmap { get; set; }
    /// <summary>#PF error-code mask and match (SDM 25.2).</summary>
    public uint PageFaultErrorCodeMask { get; set; }
    /// <summary>#PF error-code match.</summary>
    public uint PageFaultErrorCodeMatch { get; set; }
    /// <summary>CR0 bits owned by the VMM beyond those it must own (NE, and PE/PG without unrestricted guest): a guest write that changes one exits.</summary>
    public uint Cr0Mask { get; set; }
    /// <summary>CR4 bits owned by the VMM beyond VMXE.</summary>
    public uint Cr4Mask { get; set; }
    /// <summary>CR3-target values (at most 4): MOV to CR3 of one of these does not exit even with CR3-load exiting.</summary>
    public List<uint> Cr3Targets { get; } = new();
    /// <summary>Ports whose I/O-bitmap bits are set (with <c>use-io-bitmaps</c>: these exit, the others go straight to the devices).</summary>
    public SortedSet<ushort> IoBitmapPorts { get; } = new();
    /// <summary>MSRs whose read bits are set in the MSR bitmap (with <c>use-msr-bitmaps</c>).</summary>
    public SortedSet<uint> MsrReadExits { get; } = new();
    /// <summary>MSRs whose write bits are set in the MSR bitmap.</summary>
    public SortedSet<uint> MsrWriteExits { get; } = new();
    /// <summary>TSC offset (with <c>use-tsc-offsetting</c>).</summary>
    public ulong TscOffset { get; set; }
    /// <summary>VMX-preemption timer value loaded at each entry (with <c>activate-vmx-preemption-timer</c>).</summary>
    public uint PreemptionTimer { get; set; }
    /// <summary>Cycles charged per exit.</summary>
    public long ExitCycles { get; set; } = DefaultExitCycles;
    /// <summary>CPUID leaves the built-in VMM returns instead of the CPU's own (leaf to EAX, EBX, ECX, EDX).</summary>
    public Dictionary<uint, (uint Eax, uint Ebx, uint Ecx, uint Edx)> CpuidLeaves { get; } = new();
    /// <summary>An explicit EPT (guest-physical regions with their host addresses and permissions); null builds one from the memory map.</summary>
    public List<EptRegion>? Ept { get; set; }
    /// <summary>Raw VMCS writes applied last, after the defaults and named settings (a lab that wants a failing entry).</summary>
    public List<(VmcsField Field, ulong Value)> RawFields { get; } = new();
}
