namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>VM exits (SDM Vol. 3C chapter 27) and VM entries (chapter 26).</summary>
public sealed partial class HardwareMonitor
{
    private const uint Valid = 1u << 31, DeliverErrorCode = 1u << 11;

    /// <summary>Exit information the CPU-facing code gathers before <see cref="TakeExit"/>.</summary>
    private struct ExitInfo
    {
        public VmExitReason Reason;
        public uint Rip;
        public ulong Qualification;
        public uint InstructionLength, InstructionInfo, InterruptionInfo, InterruptionErrorCode, GuestLinear;
        public ulong GuestPhysical;
        public DecodedInstruction? Instruction;
    }


    /// <summary>
    /// A VM exit: saves the guest state (27.3), writes the exit-information fields (27.2), runs the
    /// handler and enters again. Returns the action, so the caller knows whether the instruction or
    /// event should take effect natively (<see cref="VmExitAction.Emulate"/>).
    /// </summary>
    private VmExitAction TakeExit(in ExitInfo info)
    {
        var cpu = Machine.Cpu;
        var v = Vmcs;
        var e = info;
        // 27.3.4: an exit during event delivery saves the state from before the delivery began (the
        // event is in the IDT-vectoring information); for a software interrupt or exception, RIP is the
        // instruction and the exit instruction length its length, so the VMM can inject it again.
        DeliveryRegisters? midDelivery = null;
        if (cpu.RegistersBeforeDelivery is { } before && cpu.EventBeingDelivered is { } vectoring)
        {
            midDelivery = cpu.CaptureDeliveryRegisters();
            cpu.RestoreDeliveryRegisters(before);
            e.Rip = cpu.Eip;
            if (vectoring.Type is EventType.SoftwareInterrupt or EventType.SoftwareException or EventType.PrivilegedSoftwareException
                && cpu.Current is { } d && d.NextIp == cpu.Eip)
            {
                e.Rip = d.Ip; e.InstructionLength = d.Length; e.Instruction = d;
            }
        }
        GuestStateArea.Save(cpu, v, e.Rip);
        v.SetQuiet(VmcsField.VmExitReason, (uint)e.Reason);
        v.SetQuiet(VmcsField.ExitQualification, e.Qualification);
        v.SetQuiet(VmcsField.VmExitInstructionLen, e.InstructionLength);
        v.SetQuiet(VmcsField.VmxInstructionInfo, e.InstructionInfo);
        v.SetQuiet(VmcsField.GuestLinearAddress, e.GuestLinear);
        v.SetQuiet(VmcsField.GuestPhysicalAddress, e.GuestPhysical);
        v.SetQuiet(VmcsField.VmExitIntrInfo, e.InterruptionInfo);
        v.SetQuiet(VmcsField.VmExitIntrErrorCode, e.InterruptionErrorCode);
        // IDT-vectoring information (27.2.4): the event whose delivery this exit interrupted.
        if (cpu.EventBeingDelivered is { } ev)
        {
            v.SetQuiet(VmcsField.IdtVectoringInfoField, ev.Vector | ((uint)ev.Type << 8) | (ev.ErrorCode is null ? 0 : DeliverErrorCode) | Valid);
            v.SetQuiet(VmcsField.IdtVectoringErrorCode, ev.ErrorCode ?? 0);
        }
        else v.SetQuiet(VmcsField.IdtVectoringInfoField, 0);
        // Every VM exit clears the valid bit of the VM-entry interruption-information field (SDM 27.2.3).
        v.SetQuiet(VmcsField.VmEntryIntrInfoField, v.Get(VmcsField.VmEntryIntrInfoField) & ~(ulong)Valid);
        if ((v.Get(VmcsField.PinBasedVmExecControl) & (uint)PinBasedControls.ActivateVmxPreemptionTimer) != 0
            && (v.Get(VmcsField.VmExitControls) & (uint)VmExitControlBits.SaveVmxPreemptionTimerValue) != 0)
            v.SetQuiet(VmcsField.VmxPreemptionTimerValue, PreemptionTimerRemaining(cpu));
        _inVmxNonRoot = false;
        _exitCount++;

        var snapshot = ExitSnapshot.From(v, cpu);
        var ctx = _context;
        ctx.Reset(e.Reason, e.Instruction, snapshot);
        if (Handlers.TryGetValue(e.Reason, out var scripted)) scripted(ctx);
        if (ctx.Action == VmExitAction.None) BuiltInVmm.Handle(ctx);
        if (ctx.Action == VmExitAction.None) ctx.Resume();

        if (_exits.Count < RecordLimit)
        {
            string? note = ctx.Note ?? (ctx.Action == VmExitAction.Stop && ctx.StopMessage is { } m ? "stopped: " + m
                : ctx.Action == VmExitAction.Inject ? "injected " + DescribeInjection() : null);
            _exits.Add(new ExitLog.Entry
            {
                Reason = e.Reason, Rip = e.Rip, Cs = (ushort)v.Get(VmcsField.GuestCsSelector), Cpl = (byte)((v.Get(VmcsField.GuestSsArBytes) >> 5) & 3),
                Action = ctx.Action, Snapshot = snapshot, Instruction = e.Instruction, Bytes = e.Instruction is { } d ? BytesOf(cpu, d) : null,
            }, note);
        }

        if (ctx.Action == VmExitAction.Stop)
        {
            // No VM entry: the guest state stays as the VMM left it in the VMCS, and the CPU shows it.
            GuestStateArea.Load(v, cpu);
            StopMessage = ctx.StopMessage ?? $"The VMM stopped the run at a {e.Reason} exit.";
            cpu.RequestStop(ctx.StopReasonValue);
            return VmExitAction.Stop;
        }
        if (!Enter(launch: false)) { cpu.RequestStop(StopReason.MonitorStop); return VmExitAction.Stop; }
        // Emulating an access in the middle of a delivery lets the delivery go on from where it was.
        if (ctx.Action == VmExitAction.Emulate && midDelivery is not null) cpu.RestoreDeliveryRegisters(midDelivery);
        return ctx.Action;
    }

    private long _checkedControls = -1, _checkedGuest = -1;

    private readonly Dictionary<DecodedInstruction, byte[]> _bytes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The bytes of a decoded instruction, read once per decoded instruction (a rewritten instruction is decoded anew).</summary>
    private byte[] BytesOf(Cpu cpu, DecodedInstruction d)
    {
        if (_bytes.TryGetValue(d, out var bytes)) return bytes;
        bytes = new byte[d.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = cpu.TryTranslateForDebugger(cpu.Segments[(int)SegmentRegister.CS].Base + d.Ip + (uint)i, out uint p) ? cpu.Memory.ReadByte(p) : (byte)0;
        if (_bytes.Count < 100_000) _bytes[d] = bytes;
        return bytes;
    }

    private string DescribeInjection()
    {
        uint info = (uint)Vmcs.Get(VmcsField.VmEntryIntrInfoField);
        var type = (EventType)((info >> 8) & 7);
        byte vector = (byte)info;
        string name = type is EventType.HardwareException or EventType.SoftwareException ? "#" + ExceptionNames.Name(vector).ToUpperInvariant()
            : type == EventType.ExternalInterrupt ? $"interrupt 0x{vector:X2}" : type == EventType.Nmi ? "NMI" : $"INT 0x{vector:X2}";
        return (info & DeliverErrorCode) != 0 ? $"{name}({Vmcs.Get(VmcsField.VmEntryExceptionErrorCode):X})" : name;
    }

    /// <summary>
    /// VM entry (VMLAUNCH / VMRESUME): the checks of 26.2-26.3 (a control or host-state failure is a
    /// VM-instruction error and nothing is loaded; a guest-state failure loads the host state and exits
    /// with reason 33 | bit 31), then loading the guest state, then event injection (26.6).
    /// </summary>
    private bool Enter(bool launch)
    {
        var cpu = Machine.Cpu;
        var v = Vmcs;
        // The checks of 26.2 and 26.3 are pure functions of the VMCS: a group is checked again only when
        // the VMM wrote one of its fields since it last passed (the processor's own saves do not count).
        VmEntryFailure? failure = null;
        bool controlsChanged = v.ControlVersion != _checkedControls;
        if (controlsChanged) failure = VmEntryChecks.CheckControls(v) ?? VmEntryChecks.CheckHostState(v);
        if (failure is null && (controlsChanged || v.GuestVersion != _checkedGuest)) failure = VmEntryChecks.CheckGuestState(v);
        if (failure is null) { _checkedControls = v.ControlVersion; _checkedGuest = v.GuestVersion; }
        else { _checkedControls = -1; _checkedGuest = -1; }
        if (failure is not null)
        {
            EntryFailure = failure;
            _inVmxNonRoot = false;
            if (failure.Kind == VmEntryFailureKind.GuestState)
            {
                v.SetQuiet(VmcsField.VmExitReason, failure.ExitReason!.Value);
                v.SetQuiet(VmcsField.ExitQualification, failure.ExitQualification ?? 0);
            }
            else v.SetQuiet(VmcsField.VmInstructionError, (uint)failure.Error!.Value);
            StopMessage = $"{(launch ? "VMLAUNCH" : "VMRESUME")} failed: {failure}";
            _exits.Add(new VmExit
            {
                Index = _exits.Count, Mode = Labs.GuestMode.Hardware, Kind = VmExitKind.VmExit,
                Reason = failure.Kind == VmEntryFailureKind.GuestState ? VmExitReason.EntryFailureGuestState.ToString() : "VmEntryFailure",
                ReasonNumber = failure.Kind == VmEntryFailureKind.GuestState ? (int)failure.ExitReason!.Value : null,
                GuestEip = (uint)v.Get(VmcsField.GuestRip), GuestCs = (ushort)v.Get(VmcsField.GuestCsSelector),
                Qualification = failure.ExitQualification ?? 0, Action = "entry failed: " + failure.Rule,
                Fields = new Dictionary<string, object>
                {
                    ["field"] = failure.Field, ["rule"] = failure.Rule,
                    ["error"] = failure.Error is { } err ? (int)err : (object)"none (guest-state failure: exit reason 33 with bit 31)",
                },
            });
            return false;
        }
        EntryFailure = null;
        GuestStateArea.Load(v, cpu);
        _inVmxNonRoot = true;
        ApplyEpt(cpu);
        StartPreemptionTimer(cpu);
        _retiredAtEntry = cpu.InstructionsRetired;
        uint info = (uint)v.Get(VmcsField.VmEntryIntrInfoField);
        if ((info & Valid) != 0)
        {
            v.SetQuiet(VmcsField.VmEntryIntrInfoField, info & ~Valid);
            var type = (EventType)((info >> 8) & 7);
            if (type == EventType.Nmi) _nmiBlocked = true;
            cpu.InjectEvent((byte)info, type, (info & DeliverErrorCode) != 0 ? (uint)v.Get(VmcsField.VmEntryExceptionErrorCode) : null,
                (uint)v.Get(VmcsField.VmEntryInstructionLen));
        }
        return true;
    }

    /// <summary>A checkpoint was restored: the guest-state area takes the restored CPU state, so a later VMRESUME enters it and not the state before the restore.</summary>
    public void OnStateRestored(Cpu cpu)
    {
        if (_machine is not null && ReferenceEquals(cpu, _machine.Cpu)) GuestStateArea.Save(cpu, Vmcs, cpu.Eip);
    }

    /// <summary>
    /// Before a run or continuation: VMRESUME when the last run left the processor in root operation (a
    /// stop by the VMM or a failed entry), from the VMCS as it is now (edit it to fix a failed entry).
    /// False when that entry fails.
    /// </summary>
    public bool PrepareToRun() => _inVmxNonRoot || Enter(launch: false);
}
