namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Basic VM-exit reasons, bits 15:0 of the exit-reason field (SDM Vol. 3C appendix C). 35, 38 and 42
/// are not defined. The names follow the SDM's; KVM's <c>EXIT_REASON_*</c> numbers are the same.
/// </summary>
public enum VmExitReason : ushort
{
    /// <summary>0: exception or non-maskable interrupt (exception bitmap, NMI exiting).</summary>
    ExceptionOrNmi = 0,
    /// <summary>1: external interrupt (external-interrupt exiting).</summary>
    ExternalInterrupt = 1,
    /// <summary>2: triple fault.</summary>
    TripleFault = 2,
    /// <summary>3: INIT signal.</summary>
    InitSignal = 3,
    /// <summary>4: start-up IPI (SIPI).</summary>
    StartupIpi = 4,
    /// <summary>5: I/O system-management interrupt.</summary>
    IoSmi = 5,
    /// <summary>6: other SMI.</summary>
    OtherSmi = 6,
    /// <summary>7: interrupt window (interrupt-window exiting).</summary>
    InterruptWindow = 7,
    /// <summary>8: NMI window (NMI-window exiting).</summary>
    NmiWindow = 8,
    /// <summary>9: task switch.</summary>
    TaskSwitch = 9,
    /// <summary>10: CPUID.</summary>
    Cpuid = 10,
    /// <summary>11: GETSEC.</summary>
    Getsec = 11,
    /// <summary>12: HLT (HLT exiting).</summary>
    Hlt = 12,
    /// <summary>13: INVD.</summary>
    Invd = 13,
    /// <summary>14: INVLPG (INVLPG exiting).</summary>
    Invlpg = 14,
    /// <summary>15: RDPMC (RDPMC exiting).</summary>
    Rdpmc = 15,
    /// <summary>16: RDTSC (RDTSC exiting).</summary>
    Rdtsc = 16,
    /// <summary>17: RSM in SMM.</summary>
    Rsm = 17,
    /// <summary>18: VMCALL.</summary>
    Vmcall = 18,
    /// <summary>19: VMCLEAR.</summary>
    Vmclear = 19,
    /// <summary>20: VMLAUNCH.</summary>
    Vmlaunch = 20,
    /// <summary>21: VMPTRLD.</summary>
    Vmptrld = 21,
    /// <summary>22: VMPTRST.</summary>
    Vmptrst = 22,
    /// <summary>23: VMREAD.</summary>
    Vmread = 23,
    /// <summary>24: VMRESUME.</summary>
    Vmresume = 24,
    /// <summary>25: VMWRITE.</summary>
    Vmwrite = 25,
    /// <summary>26: VMXOFF.</summary>
    Vmxoff = 26,
    /// <summary>27: VMXON.</summary>
    Vmxon = 27,
    /// <summary>28: control-register access (MOV CR, CLTS, LMSW).</summary>
    CrAccess = 28,
    /// <summary>29: MOV DR (MOV-DR exiting).</summary>
    MovDr = 29,
    /// <summary>30: I/O instruction.</summary>
    IoInstruction = 30,
    /// <summary>31: RDMSR.</summary>
    Rdmsr = 31,
    /// <summary>32: WRMSR.</summary>
    Wrmsr = 32,
    /// <summary>33: VM-entry failure due to invalid guest state (reported with bit 31 set).</summary>
    EntryFailureGuestState = 33,
    /// <summary>34: VM-entry failure due to MSR loading (reported with bit 31 set).</summary>
    EntryFailureMsrLoading = 34,
    /// <summary>36: MWAIT (MWAIT exiting).</summary>
    Mwait = 36,
    /// <summary>37: monitor trap flag.</summary>
    MonitorTrapFlag = 37,
    /// <summary>39: MONITOR (MONITOR exiting).</summary>
    Monitor = 39,
    /// <summary>40: PAUSE (PAUSE exiting or PAUSE-loop exiting).</summary>
    Pause = 40,
    /// <summary>41: VM-entry failure due to a machine-check event (reported with bit 31 set).</summary>
    EntryFailureMachineCheck = 41,
    /// <summary>43: TPR below threshold.</summary>
    TprBelowThreshold = 43,
    /// <summary>44: APIC access.</summary>
    ApicAccess = 44,
    /// <summary>45: virtualized EOI.</summary>
    VirtualizedEoi = 45,
    /// <summary>46: access to GDTR or IDTR (descriptor-table exiting).</summary>
    GdtrIdtrAccess = 46,
    /// <summary>47: access to LDTR or TR (descriptor-table exiting).</summary>
    LdtrTrAccess = 47,
    /// <summary>48: EPT violation.</summary>
    EptViolation = 48,
    /// <summary>49: EPT misconfiguration.</summary>
    EptMisconfig = 49,
    /// <summary>50: INVEPT.</summary>
    Invept = 50,
    /// <summary>51: RDTSCP.</summary>
    Rdtscp = 51,
    /// <summary>52: VMX-preemption timer expired.</summary>
    PreemptionTimer = 52,
    /// <summary>53: INVVPID.</summary>
    Invvpid = 53,
    /// <summary>54: WBINVD (WBINVD exiting).</summary>
    Wbinvd = 54,
    /// <summary>55: XSETBV.</summary>
    Xsetbv = 55,
    /// <summary>56: APIC write.</summary>
    ApicWrite = 56,
    /// <summary>57: RDRAND (RDRAND exiting).</summary>
    Rdrand = 57,
    /// <summary>58: INVPCID.</summary>
    Invpcid = 58,
    /// <summary>59: VMFUNC.</summary>
    Vmfunc = 59,
    /// <summary>60: ENCLS (ENCLS exiting).</summary>
    Encls = 60,
    /// <summary>61: RDSEED (RDSEED exiting).</summary>
    Rdseed = 61,
    /// <summary>62: page-modification log full.</summary>
    PmlFull = 62,
    /// <summary>63: XSAVES.</summary>
    Xsaves = 63,
    /// <summary>64: XRSTORS.</summary>
    Xrstors = 64,
}

/// <summary>The exit-reason field (0x4402) as a whole: basic reason in bits 15:0, VM-entry failure in bit 31.</summary>
public static class VmExitReasonField
{
    /// <summary>Bit 31 of the exit-reason field: the VM entry failed (reasons 33, 34, 41).</summary>
    public const uint EntryFailureBit = 1u << 31;

    /// <summary>The field value a VM exit or a failed VM entry stores: the basic reason, with bit 31 when the entry failed.</summary>
    public static uint Encode(VmExitReason reason, bool entryFailure = false) => (ushort)reason | (entryFailure ? EntryFailureBit : 0);

    /// <summary>The basic reason, bits 15:0.</summary>
    public static VmExitReason BasicReason(uint field) => (VmExitReason)(ushort)field;

    /// <summary>True when bit 31 says the VM entry failed.</summary>
    public static bool IsEntryFailure(uint field) => (field & EntryFailureBit) != 0;

    /// <summary>True for the reasons the SDM reports only as VM-entry failures (33, 34, 41).</summary>
    public static bool IsEntryFailureReason(VmExitReason reason) =>
        reason is VmExitReason.EntryFailureGuestState or VmExitReason.EntryFailureMsrLoading or VmExitReason.EntryFailureMachineCheck;

    /// <summary>A basic exit reason by name (case-insensitive: Cpuid, IoInstruction, EptViolation) or number (10, 0x1e).</summary>
    /// <exception cref="ArgumentException">Not a basic exit reason; the message names the nearest.</exception>
    public static VmExitReason Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.Length > 0 && char.IsLetter(t[0]) && Enum.TryParse<VmExitReason>(t, ignoreCase: true, out var r) && Enum.IsDefined(r)) return r;
        if (Labs.YamlSchema.TryParseNumber(t, out ulong n, out _) && IsDefined((uint)Math.Min(n, uint.MaxValue))) return (VmExitReason)n;
        throw new ArgumentException($"'{text}' is not a VM exit reason{NameSuggestion.Hint(t, Enum.GetNames<VmExitReason>())}. Reasons are the SDM's basic exit reasons by name (Cpuid, Hlt, IoInstruction, CrAccess, EptViolation, ...) or number (0-64).");
    }

    /// <summary>True when <paramref name="basic"/> is one of the SDM's defined basic exit reasons (0-64 except 35, 38, 42).</summary>
    public static bool IsDefined(uint basic) => basic <= 64 && Enum.IsDefined(typeof(VmExitReason), (ushort)basic);
}
