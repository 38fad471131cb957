namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The built-in VMM: one handler per basic exit reason (KVM's kvm_vmx_exit_handlers table), each
/// doing what a guest expects from the hardware it thinks it runs on, so that any guest runs the same
/// as natively; only the exits and their cost differ. VMCALL is a small service interface
/// (<see cref="VmcallFunction"/>).
/// </summary>
public static class BuiltInVmm
{
    /// <summary>KVM's error for an unknown hypercall (-KVM_ENOSYS).</summary>
    public const uint UnknownCall = unchecked((uint)-1000);
    /// <summary>KVM's error for a hypercall from CPL &gt; 0 (-KVM_EPERM).</summary>
    public const uint NotPermitted = unchecked((uint)-1);

    /// <summary>VMCALL functions of the service interface (EAX; arguments in EBX, ECX; result in EAX).</summary>
    public enum VmcallFunction : uint
    {
        /// <summary>EAX = 0: the interface version in EAX (0x00010000).</summary>
        Version = 0,
        /// <summary>EAX = 1: write ECX bytes at guest-linear EBX to the console; EAX = bytes written.</summary>
        ConsoleWrite = 1,
        /// <summary>EAX = 2: stop the run with exit code EBX (as the exit port does).</summary>
        Exit = 2,
    }

    private static readonly Dictionary<VmExitReason, VmExitHandler> Table = new()
    {
        [VmExitReason.Cpuid] = Cpuid,
        [VmExitReason.Hlt] = Hlt,
        [VmExitReason.IoInstruction] = EmulateInstruction,
        [VmExitReason.Rdmsr] = EmulateInstruction,
        [VmExitReason.Wrmsr] = EmulateInstruction,
        [VmExitReason.CrAccess] = CrAccess,
        [VmExitReason.MovDr] = EmulateInstruction,
        [VmExitReason.Invlpg] = EmulateInstruction,
        [VmExitReason.Invd] = EmulateInstruction,
        [VmExitReason.Wbinvd] = EmulateInstruction,
        [VmExitReason.Rdtsc] = EmulateInstruction,
        [VmExitReason.Rdpmc] = EmulateInstruction,
        [VmExitReason.Pause] = Skip,
        [VmExitReason.Monitor] = Skip,   // KVM treats MONITOR and MWAIT as NOPs
        [VmExitReason.Mwait] = Skip,
        [VmExitReason.GdtrIdtrAccess] = EmulateInstruction,
        [VmExitReason.LdtrTrAccess] = EmulateInstruction,
        [VmExitReason.ExceptionOrNmi] = Reflect,
        [VmExitReason.ExternalInterrupt] = ExternalInterrupt,
        [VmExitReason.InterruptWindow] = InterruptWindow,
        [VmExitReason.NmiWindow] = NmiWindow,
        [VmExitReason.TripleFault] = TripleFault,
        [VmExitReason.PreemptionTimer] = PreemptionTimer,
        [VmExitReason.Vmcall] = Vmcall,
        [VmExitReason.Xsetbv] = Skip,
        [VmExitReason.EptViolation] = EptViolation,
        [VmExitReason.TaskSwitch] = EmulateInstruction,      // KVM emulates task switches too
        [VmExitReason.MonitorTrapFlag] = Resume,
        [VmExitReason.EptMisconfig] = EptMisconfiguration,
    };

    // The table as an array by reason number: one lookup per exit.
    private static readonly VmExitHandler?[] ByReason = BuildArray();

    private static VmExitHandler?[] BuildArray()
    {
        var array = new VmExitHandler?[Table.Keys.Max(k => (int)k) + 1];
        foreach (var (reason, handler) in Table) array[(int)reason] = handler;
        return array;
    }

    /// <summary>Runs the built-in handler for the exit's reason. VMX instructions other than VMCALL get #UD (no nested VMX), as KVM without nesting does.</summary>
    public static void Handle(VmExitContext exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        int r = (int)exit.Reason;
        if (r < ByReason.Length && ByReason[r] is { } handler) { handler(exit); return; }
        if (exit.Reason is >= VmExitReason.Vmclear and <= VmExitReason.Vmxon or VmExitReason.Invept or VmExitReason.Invvpid)
        {
            exit.Inject((byte)ExceptionVector.UD, EventType.HardwareException);
            return;
        }
        exit.Stop($"the built-in VMM has no handler for exit reason {(int)exit.Reason} ({exit.Reason})");
    }

    /// <summary>The instruction takes effect as the CPU would execute it (the VMM's emulator).</summary>
    private static void EmulateInstruction(VmExitContext exit) => exit.Emulate();

    private static void Skip(VmExitContext exit) => exit.Skip();

    private static void Resume(VmExitContext exit) => exit.Resume();

    /// <summary>CPUID from the settings' leaf table, else the CPU's own answer.</summary>
    private static void Cpuid(VmExitContext exit)
    {
        var cpu = exit.Cpu;
        uint leaf = cpu.R[0];
        var (a, b, c, d) = exit.Monitor.Settings.CpuidLeaves.TryGetValue(leaf, out var entry) ? entry : CpuidInfo.Query(leaf, cpu.R[1]);
        cpu.R[0] = a; cpu.R[3] = b; cpu.R[1] = c; cpu.R[2] = d;
        exit.Skip();
    }

    /// <summary>HLT: the guest waits in the HLT activity state for its next interrupt; the run stops there when none can come, as natively.</summary>
    private static void Hlt(VmExitContext exit)
    {
        exit.Skip();
        exit.Vmcs.Set(VmcsField.GuestActivityState, GuestStateArea.Hlt);
    }

    /// <summary>CR access: MOV to CR0/CR4 updates the shadow for the VMM's bits and loads the rest; CR3 loads and stores, CLTS and LMSW are emulated.</summary>
    private static void CrAccess(VmExitContext exit)
    {
        ulong q = exit.Qualification;
        int cr = (int)(q & 0xF), type = (int)((q >> 4) & 3);
        var cpu = exit.Cpu;
        var v = exit.Vmcs;
        if (type == 0 && cr is 0 or 4)
        {
            uint value = cpu.R[(q >> 8) & 7];
            var shadowField = cr == 0 ? VmcsField.Cr0ReadShadow : VmcsField.Cr4ReadShadow;
            // The guest's own rules first (reserved bits, PG without PE): its MOV would #GP.
            if (!ValidGuestWrite(cr, value)) { exit.Inject("gp", 0); return; }
            // The guest sees what it wrote; the CPU runs with the VMM's fixed bits (CR0.NE, CR4.VMXE) and ET.
            v.Set(shadowField, value);
            v.Set(cr == 0 ? VmcsField.GuestCr0 : VmcsField.GuestCr4, cr == 0 ? value | 0x20u | 0x10u : value | 0x2000u);
            exit.Skip();
            exit.Note = $"CR{cr} <- 0x{value:X8} (shadow updated)";
            return;
        }
        exit.Emulate();
    }

    private static bool ValidGuestWrite(int cr, uint value) => cr == 0
        ? !((value & 0x8000_0000) != 0 && (value & 1) == 0) && !((value & 0x2000_0000) != 0 && (value & 0x4000_0000) == 0)
        : (value & ~(0x1u | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80)) == 0;

    /// <summary>An exception in the exception bitmap goes back to the guest, as KVM reflects the exceptions it only watches.</summary>
    private static void Reflect(VmExitContext exit)
    {
        uint info = (uint)exit.Vmcs.Get(VmcsField.VmExitIntrInfo);
        var type = (EventType)((info >> 8) & 7);
        byte vector = (byte)info;
        if (vector == (byte)ExceptionVector.PF) exit.Cpu.Cr2 = (uint)exit.Qualification; // the VMM sets CR2 before injecting a #PF
        if (vector == (byte)ExceptionVector.DB) exit.Cpu.Dr[6] = (exit.Cpu.Dr[6] & ~0xFu) | (uint)exit.Qualification; // and DR6 before a #DB
        exit.Inject(vector, type, (info & 0x800) != 0 ? (uint)exit.Vmcs.Get(VmcsField.VmExitIntrErrorCode) : null);
    }

    /// <summary>
    /// External interrupt: injected at once when the processor acknowledged it on exit (the guest could
    /// take it) or when the guest can take it now; otherwise the VMM asks for the interrupt window and
    /// injects it there (KVM's way with its virtual PIC).
    /// </summary>
    private static void ExternalInterrupt(VmExitContext exit)
    {
        uint info = (uint)exit.Vmcs.Get(VmcsField.VmExitIntrInfo);
        if ((info & 1u << 31) != 0) { exit.Inject((byte)info, EventType.ExternalInterrupt); return; }
        if (Interruptible(exit.Vmcs) && exit.Monitor.AcknowledgeInterrupt() is byte vector) { exit.Inject(vector, EventType.ExternalInterrupt); return; }
        var v = exit.Vmcs;
        v.Set(VmcsField.CpuBasedVmExecControl, v.Get(VmcsField.CpuBasedVmExecControl) | (uint)PrimaryProcessorControls.InterruptWindowExiting);
        exit.Note = "the guest cannot take it yet: waiting for the interrupt window";
        exit.Resume();
    }

    private static bool Interruptible(Vmcs v) =>
        (v.Get(VmcsField.GuestRflags) & 0x200) != 0 && (v.Get(VmcsField.GuestInterruptibilityInfo) & 3) == 0;

    /// <summary>The guest can take interrupts again: turn interrupt-window exiting off and inject what the controller holds.</summary>
    private static void InterruptWindow(VmExitContext exit)
    {
        var v = exit.Vmcs;
        v.Set(VmcsField.CpuBasedVmExecControl, v.Get(VmcsField.CpuBasedVmExecControl) & ~(ulong)PrimaryProcessorControls.InterruptWindowExiting);
        if (exit.Monitor.AcknowledgeInterrupt() is byte vector) exit.Inject(vector, EventType.ExternalInterrupt);
        else exit.Resume();
    }

    private static void NmiWindow(VmExitContext exit)
    {
        var v = exit.Vmcs;
        v.Set(VmcsField.CpuBasedVmExecControl, v.Get(VmcsField.CpuBasedVmExecControl) & ~(ulong)PrimaryProcessorControls.NmiWindowExiting);
        exit.Resume();
    }

    /// <summary>Triple fault: the guest is shut down (KVM reports KVM_EXIT_SHUTDOWN); the run stops as natively.</summary>
    private static void TripleFault(VmExitContext exit) => exit.Stop(StopReason.TripleFault, "triple fault: the guest shut down");

    /// <summary>Preemption timer: the slice is over; reload it and resume.</summary>
    private static void PreemptionTimer(VmExitContext exit)
    {
        exit.Vmcs.Set(VmcsField.VmxPreemptionTimerValue, exit.Monitor.Settings.PreemptionTimer);
        exit.Resume();
    }

    /// <summary>
    /// EPT violation: a data access the EPT does not allow (MMIO, a ROM or read-only region, a hole) is
    /// emulated on the machine (the device, the dropped ROM write), so the guest sees what it would see
    /// natively; an instruction fetch cannot be emulated and stops the run.
    /// </summary>
    private static void EptViolation(VmExitContext exit)
    {
        if ((exit.Qualification & 4) != 0)
        {
            exit.Stop($"EPT violation: instruction fetch at guest-physical 0x{exit.Vmcs.Get(VmcsField.GuestPhysicalAddress):X8}, which the EPT does not map executable");
            return;
        }
        exit.Emulate();
    }

    private static void EptMisconfiguration(VmExitContext exit) =>
        exit.Stop($"EPT misconfiguration at guest-physical 0x{exit.Vmcs.Get(VmcsField.GuestPhysicalAddress):X8}: {exit.Monitor.LastEptMisconfiguration}");

    /// <summary>VMCALL: the service interface (console, exit, version); from CPL &gt; 0 it returns -KVM_EPERM.</summary>
    private static void Vmcall(VmExitContext exit)
    {
        var cpu = exit.Cpu;
        exit.Skip();
        if (cpu.ProtectedMode && cpu.Cpl != 0) { cpu.R[0] = NotPermitted; return; }
        switch ((VmcallFunction)cpu.R[0])
        {
            case VmcallFunction.Version:
                cpu.R[0] = 0x0001_0000;
                break;
            case VmcallFunction.ConsoleWrite:
            {
                uint count = Math.Min(cpu.R[1], 4096u);
                var bytes = exit.ReadGuestLinear(cpu.R[3], (int)count);
                foreach (byte b in bytes) exit.Machine.Console.Append(b);
                cpu.R[0] = count;
                exit.Note = $"console: {count} bytes";
                break;
            }
            case VmcallFunction.Exit:
                // The exit device ends the run as the guest's own OUT to it would.
                exit.Machine.ExitPort.Write(exit.Machine.ExitPort.Ports.First(), 4, cpu.R[3]);
                exit.Note = $"exit {cpu.R[3]}";
                break;
            default:
                cpu.R[0] = UnknownCall;
                break;
        }
    }
}
