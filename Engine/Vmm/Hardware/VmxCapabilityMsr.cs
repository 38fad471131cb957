namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>The VMX capability MSRs (SDM Vol. 3C appendix A; Vol. 4 MSR list), read-only, reporting what the VMX implementation supports.</summary>
public enum VmxCapabilityMsr : uint
{
    /// <summary>IA32_VMX_BASIC (A.1): revision, VMCS size, memory type, TRUE-controls support.</summary>
    Basic = 0x480,
    /// <summary>IA32_VMX_PINBASED_CTLS (A.3.1): allowed 0- and 1-settings of the pin-based controls.</summary>
    PinbasedCtls = 0x481,
    /// <summary>IA32_VMX_PROCBASED_CTLS (A.3.2): primary processor-based controls.</summary>
    ProcbasedCtls = 0x482,
    /// <summary>IA32_VMX_EXIT_CTLS (A.4.1): primary VM-exit controls.</summary>
    ExitCtls = 0x483,
    /// <summary>IA32_VMX_ENTRY_CTLS (A.5): VM-entry controls.</summary>
    EntryCtls = 0x484,
    /// <summary>IA32_VMX_MISC (A.6): preemption-timer rate, activity states, CR3-target count, VMWRITE to read-only fields.</summary>
    Misc = 0x485,
    /// <summary>IA32_VMX_CR0_FIXED0 (A.7): CR0 bits that must be 1 in VMX operation.</summary>
    Cr0Fixed0 = 0x486,
    /// <summary>IA32_VMX_CR0_FIXED1 (A.7): CR0 bits that may be 1.</summary>
    Cr0Fixed1 = 0x487,
    /// <summary>IA32_VMX_CR4_FIXED0 (A.8): CR4 bits that must be 1.</summary>
    Cr4Fixed0 = 0x488,
    /// <summary>IA32_VMX_CR4_FIXED1 (A.8): CR4 bits that may be 1.</summary>
    Cr4Fixed1 = 0x489,
    /// <summary>IA32_VMX_VMCS_ENUM (A.9): highest index of any VMCS field encoding, in bits 9:1.</summary>
    VmcsEnum = 0x48A,
    /// <summary>IA32_VMX_PROCBASED_CTLS2 (A.3.3): secondary processor-based controls.</summary>
    ProcbasedCtls2 = 0x48B,
    /// <summary>IA32_VMX_EPT_VPID_CAP (A.10): EPT and VPID capabilities.</summary>
    EptVpidCap = 0x48C,
    /// <summary>IA32_VMX_TRUE_PINBASED_CTLS (A.3.1).</summary>
    TruePinbasedCtls = 0x48D,
    /// <summary>IA32_VMX_TRUE_PROCBASED_CTLS (A.3.2): CR3-load/store exiting may be 0.</summary>
    TrueProcbasedCtls = 0x48E,
    /// <summary>IA32_VMX_TRUE_EXIT_CTLS (A.4.1): save-debug-controls may be 0.</summary>
    TrueExitCtls = 0x48F,
    /// <summary>IA32_VMX_TRUE_ENTRY_CTLS (A.5): load-debug-controls may be 0.</summary>
    TrueEntryCtls = 0x490,
}
