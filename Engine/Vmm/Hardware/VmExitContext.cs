namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>What a VMM handler decided to do with an exit.</summary>
public enum VmExitAction
{
    /// <summary>Nothing chosen yet (a scripted handler that only looked: the built-in handler runs next).</summary>
    None,
    /// <summary>Resume the guest at the guest RIP in the VMCS (as the handler left it).</summary>
    Resume,
    /// <summary>Advance the guest RIP past the exiting instruction (by the exit instruction length), then resume.</summary>
    Skip,
    /// <summary>Resume with an event injected through the VM-entry interruption-information field.</summary>
    Inject,
    /// <summary>Let the instruction (or event) take effect as it would without the exit: VirtLab's instruction emulator, used by the built-in VMM.</summary>
    Emulate,
    /// <summary>Stop the run (no VM entry).</summary>
    Stop,
}

/// <summary>A handler for VM exits of one basic reason: reads the exit, the guest and the VMCS, and chooses a <see cref="VmExitAction"/>.</summary>
public delegate void VmExitHandler(VmExitContext exit);

/// <summary>
/// One VM exit as its handler sees it, in VMX root operation: the exit-information fields (already
/// written to the VMCS), the guest's registers (on <see cref="Cpu"/>; the guest-state area is in the
/// VMCS), its memory, and the actions a VMM can take before the next VM entry.
/// </summary>
public sealed class VmExitContext
{
    internal VmExitContext(HardwareMonitor monitor) { Monitor = monitor; }

    /// <summary>The monitor (the logical processor in VMX operation).</summary>
    public HardwareMonitor Monitor { get; }
    /// <summary>The guest's CPU: general registers are read and written here (they are not in the VMCS).</summary>
    public Cpu Cpu => Monitor.Machine.Cpu;
    /// <summary>The guest's machine: memory and devices.</summary>
    public Machine Machine => Monitor.Machine;
    /// <summary>The current VMCS.</summary>
    public Vmcs Vmcs => Monitor.Vmcs;

    /// <summary>The basic exit reason.</summary>
    public VmExitReason Reason { get; internal set; }
    /// <summary>The exit qualification.</summary>
    public ulong Qualification => Vmcs.Get(VmcsField.ExitQualification);
    /// <summary>The exiting instruction's length (0 for exits not caused by an instruction).</summary>
    public uint InstructionLength => (uint)Vmcs.Get(VmcsField.VmExitInstructionLen);
    /// <summary>Guest RIP at the exit.</summary>
    public uint GuestRip => (uint)Vmcs.Get(VmcsField.GuestRip);
    /// <summary>The exiting instruction, or null.</summary>
    public DecodedInstruction? Instruction { get; internal set; }
    /// <summary>The exit's decoded fields (port, size, cr, vector, ...), as the run record shows them.</summary>
    public IReadOnlyDictionary<string, object> Fields => ExitFields.Decode(Reason, _snapshot);

    /// <summary>The action chosen so far.</summary>
    public VmExitAction Action { get; private set; }
    /// <summary>Why the handler stopped the run (with <see cref="VmExitAction.Stop"/>).</summary>
    public string? StopMessage { get; private set; }
    internal StopReason StopReasonValue { get; private set; } = StopReason.MonitorStop;
    /// <summary>A note for the run record ("emulated", "injected #GP", ...).</summary>
    public string? Note { get; set; }

    private ExitSnapshot _snapshot;

    internal void Reset(VmExitReason reason, DecodedInstruction? instruction, in ExitSnapshot snapshot)
    {
        _snapshot = snapshot;
        Reason = reason; Instruction = instruction; Action = VmExitAction.None; StopMessage = null;
        StopReasonValue = StopReason.MonitorStop; Note = null;
    }

    /// <summary>Resumes at the guest RIP as it is (re-executing the instruction unless the handler moved RIP).</summary>
    public void Resume() => Action = VmExitAction.Resume;

    /// <summary>Advances the guest RIP by the exit instruction length and resumes.</summary>
    public void Skip()
    {
        // Advancing past the instruction ends any STI/MOV SS blocking, as KVM's skip_emulated_instruction does.
        // Neither write can make the guest state fail a VM-entry check (RIP has no upper bits on this 32-bit
        // processor; clearing blocking bits lifts restrictions), so they need no new check.
        Vmcs.SetQuiet(VmcsField.GuestRip, (uint)(GuestRip + InstructionLength));
        Vmcs.SetQuiet(VmcsField.GuestInterruptibilityInfo, Vmcs.Get(VmcsField.GuestInterruptibilityInfo) & ~3UL);
        Action = VmExitAction.Skip;
    }

    /// <summary>Lets the instruction or event take effect as it would have without the exit.</summary>
    public void Emulate() => Action = VmExitAction.Emulate;

    /// <summary>
    /// Injects an event at the next VM entry (SDM 26.6): writes the VM-entry interruption-information
    /// field (and error code, and instruction length for software events) and resumes.
    /// </summary>
    public void Inject(byte vector, EventType type, uint? errorCode = null)
    {
        uint info = vector | ((uint)type << 8) | (errorCode is null ? 0 : 1u << 11) | 1u << 31;
        Vmcs.Set(VmcsField.VmEntryIntrInfoField, info);
        Vmcs.Set(VmcsField.VmEntryExceptionErrorCode, errorCode ?? 0);
        if (type is EventType.SoftwareInterrupt or EventType.SoftwareException or EventType.PrivilegedSoftwareException)
            Vmcs.Set(VmcsField.VmEntryInstructionLen, InstructionLength);
        Action = VmExitAction.Inject;
    }

    /// <summary>Injects a hardware exception by its mnemonic or number (<c>gp</c>, <c>#UD</c>, <c>14</c>), with the error code the vector needs (none in real mode).</summary>
    public void Inject(string exception, uint? errorCode = null)
    {
        var v = ExceptionNames.Parse(exception);
        // An error code goes with the vectors that push one, and only in protected mode (26.2.1.3).
        bool pushes = ExceptionNames.HasErrorCode(v) && (Vmcs.Get(VmcsField.GuestCr0) & 1) != 0;
        Inject((byte)v, EventType.HardwareException, pushes ? errorCode ?? 0 : null);
    }

    /// <summary>Stops the run after this exit; <paramref name="message"/> says why (shown on the run).</summary>
    public void Stop(string? message = null) { Action = VmExitAction.Stop; StopMessage = message; }

    internal void Stop(StopReason reason, string? message) { Stop(message); StopReasonValue = reason; }

    /// <summary>Reads guest memory at a guest-linear address (through the guest's paging, as the VMM's emulator would).</summary>
    public byte[] ReadGuestLinear(uint linear, int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = Cpu.ReadLinear8((uint)(linear + i), Cpu.AccessSupervisorRead);
        return bytes;
    }
}
