namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Events in VMX non-root operation: I/O instructions (25.1.3 and the I/O bitmaps), exceptions
/// (exception bitmap and #PF error-code mask/match, 25.2), external interrupts (pin-based control),
/// the interrupt and NMI windows, the VMX-preemption timer (25.5.1) and triple fault.
/// </summary>
public sealed partial class HardwareMonitor
{
    private bool _nmiBlocked;
    private long _timerDeadline = long.MaxValue;

    /// <inheritdoc/>
    public bool OnIoInstruction(Cpu cpu, DecodedInstruction d, ushort port, int size)
    {
        if (!_inVmxNonRoot || !IoExits(port, size)) return false;
        bool isIn = d.Code is Iced.Intel.Code.In_AL_imm8 or Iced.Intel.Code.In_AL_DX or Iced.Intel.Code.In_AX_imm8 or Iced.Intel.Code.In_AX_DX
            or Iced.Intel.Code.In_EAX_imm8 or Iced.Intel.Code.In_EAX_DX or Iced.Intel.Code.Insb_m8_DX or Iced.Intel.Code.Insw_m16_DX or Iced.Intel.Code.Insd_m32_DX;
        bool isString = d.Code is Iced.Intel.Code.Insb_m8_DX or Iced.Intel.Code.Insw_m16_DX or Iced.Intel.Code.Insd_m32_DX
            or Iced.Intel.Code.Outsb_DX_m8 or Iced.Intel.Code.Outsw_DX_m16 or Iced.Intel.Code.Outsd_DX_m32;
        bool immediate = (isIn ? d.Kind1 : d.Kind0) == OperandKind.Immediate;
        // Table 27-5: size - 1, direction, string, REP, operand encoding, port.
        ulong q = (uint)(size - 1) | (isIn ? 8u : 0) | (isString ? 0x10u : 0) | (isString && d.RepPrefix != 0 ? 0x20u : 0)
                | (immediate ? 0x40u : 0) | (uint)port << 16;
        uint linear = 0, info = 0;
        if (isString)
        {
            // 27.2.1: guest-linear address of the memory operand; table 27-8: address size, and for OUTS the segment.
            var seg = isIn ? SegmentRegister.ES : d.Segment;
            uint offset = (isIn ? cpu.R[7] : cpu.R[6]) & d.AddressMask;
            linear = cpu.Segments[(int)seg].Base + offset;
            info = (d.AddressMask == 0xFFFF_FFFF ? 1u : 0u) << 7 | (isIn ? 0 : (uint)seg << 15);
        }
        return InstructionExit(d, VmExitReason.IoInstruction, q, info, linear);
    }

    /// <summary>25.1.3: with "use I/O bitmaps" an access exits when the bit of any port it touches is set (or it wraps past FFFFH); otherwise "unconditional I/O exiting" decides.</summary>
    private bool IoExits(ushort port, int size)
    {
        if (!Has(PrimaryProcessorControls.UseIoBitmaps)) return Has(PrimaryProcessorControls.UnconditionalIoExiting);
        if (port + size - 1 > 0xFFFF) return true;
        for (int p = port; p < port + size; p++)
        {
            uint bitmap = (uint)Vmcs.Get(p < 0x8000 ? VmcsField.IoBitmapA : VmcsField.IoBitmapB);
            if ((ReadHost(bitmap + (uint)((p & 0x7FFF) >> 3)) & (1 << (p & 7))) != 0) return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }

    /// <inheritdoc/>
    public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;

    /// <inheritdoc/>
    public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }

    /// <inheritdoc/>
    public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode)
    {
        if (!_inVmxNonRoot) return ExceptionDisposition.Deliver;
        int v = (int)vector;
        bool exits;
        if (vector == ExceptionVector.PF)
        {
            // 25.2: a #PF exits iff ((error code AND mask) == match) equals bit 14 of the bitmap.
            uint ec = errorCode ?? 0;
            bool matches = (ec & (uint)Vmcs.Get(VmcsField.PageFaultErrorCodeMask)) == (uint)Vmcs.Get(VmcsField.PageFaultErrorCodeMatch);
            exits = matches == ExceptionBitmapHas(14);
        }
        else exits = ExceptionBitmapHas(v);
        if (!exits) return ExceptionDisposition.Deliver;

        // 27.2.2: bit 11 says the exception would have pushed an error code, which none does in real mode.
        bool hasError = ExceptionNames.HasErrorCode(v) && cpu.ProtectedMode;
        ulong q = 0;
        if (vector == ExceptionVector.PF)
        {
            q = cpu.Cr2;           // 27.2.1: the faulting linear address
            cpu.Cr2 = cpu.Cr2BeforeFault; // the exit comes before delivery, which is what writes CR2
        }
        else if (vector == ExceptionVector.DB)
        {
            q = cpu.DebugExceptionBits & 0x600F; // table 27-1: B0-B3, BD, BS
            cpu.Dr[6] = cpu.Dr6BeforeDebug;     // DR6 is not written by a VM exit on #DB
        }
        var info = new ExitInfo
        {
            Reason = VmExitReason.ExceptionOrNmi, Rip = cpu.Eip, Qualification = q,
            InterruptionInfo = (uint)v | (uint)EventType.HardwareException << 8 | (hasError ? DeliverErrorCode : 0) | Valid,
            InterruptionErrorCode = hasError ? errorCode ?? 0 : 0,
        };
        var action = TakeExit(info);
        if (action == VmExitAction.Emulate)
        {
            if (vector == ExceptionVector.PF) cpu.Cr2 = (uint)q;
            if (vector == ExceptionVector.DB) cpu.Dr[6] = (cpu.Dr[6] & ~0xFu) | (uint)q;
            return ExceptionDisposition.Deliver;
        }
        return ExceptionDisposition.Handled; // injected, resumed or stopped by the VMM
    }

    /// <summary>
    /// 25.2: with external-interrupt exiting an external interrupt exits whatever RFLAGS.IF says. The
    /// interrupt controller is the guest's own 8259A pair, whose in-service register the guest reads:
    /// "acknowledge interrupt on exit" (27.2.2) acknowledges it and reports the vector only when the
    /// guest could take the interrupt now; otherwise bit 31 of the exit interruption information is 0,
    /// the request stays pending in the controller, and this request exits once (the VMM then waits for
    /// the interrupt window, as KVM does for its virtual PIC).
    /// </summary>
    public bool OnExternalInterrupt(Cpu cpu, IInterruptSource source)
    {
        if (!_inVmxNonRoot || (Vmcs.Get(VmcsField.PinBasedVmExecControl) & (uint)PinBasedControls.ExternalInterruptExiting) == 0) return false;
        if (_requestSeen) return false;
        bool interruptible = cpu.GetIF();
        uint info = 0;
        if (interruptible && (Vmcs.Get(VmcsField.VmExitControls) & (uint)VmExitControlBits.AcknowledgeInterruptOnExit) != 0)
            info = source.AcknowledgeInterrupt() | (uint)EventType.ExternalInterrupt << 8 | Valid;
        else _requestSeen = true;
        var action = TakeExit(new ExitInfo { Reason = VmExitReason.ExternalInterrupt, Rip = cpu.Eip, InterruptionInfo = info });
        if (action == VmExitAction.Emulate && info != 0)
        {
            cpu.InjectEvent((byte)info, EventType.ExternalInterrupt, null); // as without the exit
            return true;
        }
        return action != VmExitAction.Emulate;
    }

    /// <summary>An external-interrupt exit was taken for the request still pending in the controller (cleared when it is acknowledged).</summary>
    private bool _requestSeen;

    /// <summary>Acknowledges the guest's interrupt controller for the VMM (to inject the vector); null when nothing is pending.</summary>
    public byte? AcknowledgeInterrupt()
    {
        _requestSeen = false;
        return Machine.Cpu.InterruptSource is { InterruptPending: true } source ? source.AcknowledgeInterrupt() : null;
    }

    /// <inheritdoc/>
    public bool WantsInstructionBoundaries =>
        _inVmxNonRoot && ((Primary & (uint)(PrimaryProcessorControls.InterruptWindowExiting | PrimaryProcessorControls.NmiWindowExiting
            | PrimaryProcessorControls.MonitorTrapFlag)) != 0 || _timerDeadline != long.MaxValue);

    /// <inheritdoc/>
    public bool StepInstructions => _inVmxNonRoot && Has(PrimaryProcessorControls.MonitorTrapFlag);

    private long _retiredAtEntry;

    /// <inheritdoc/>
    public long InstructionsUntilEvent => _timerDeadline == long.MaxValue || _machine is null ? long.MaxValue : _timerDeadline - _machine.Cpu.VirtualTime;

    /// <summary>
    /// 25.4.2: every task switch exits, after the checks on the gate or far pointer and before any on the
    /// new TSS; the qualification holds the selector and the source (0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT).
    /// </summary>
    public bool OnTaskSwitch(Cpu cpu, ushort selector, TaskSwitchSource source)
    {
        if (!_inVmxNonRoot) return false;
        var d = cpu.Current;
        bool viaIdt = source == TaskSwitchSource.Interrupt;
        var ev = cpu.EventBeingDelivered;
        bool instruction = !viaIdt || ev is { Type: EventType.SoftwareInterrupt or EventType.SoftwareException };
        uint rip = viaIdt && !instruction ? cpu.Eip : d?.Ip ?? cpu.Eip;
        ulong q = selector | (ulong)(source switch { TaskSwitchSource.Call => 0u, TaskSwitchSource.Iret => 1u, TaskSwitchSource.Jump => 2u, _ => 3u }) << 30;
        uint eip = cpu.Eip;
        var action = TakeExit(new ExitInfo
        {
            Reason = VmExitReason.TaskSwitch, Rip = rip, Qualification = q, Instruction = instruction ? d : null,
            InstructionLength = instruction && d is not null ? d.Length : 0u,
        });
        if (action != VmExitAction.Emulate) return true;
        cpu.Eip = eip;
        return false;
    }

    /// <inheritdoc/>
    public void OnInstructionBoundary(Cpu cpu, bool interruptible)
    {
        if (!_inVmxNonRoot) return;
        if (_requestSeen && cpu.InterruptSource is not { InterruptPending: true }) _requestSeen = false; // the guest's own code acknowledged it
        // 25.5.1: the preemption timer counts down at the TSC rate >> IA32_VMX_MISC[4:0]; at 0 the exit comes before the next instruction.
        if (_timerDeadline != long.MaxValue && cpu.VirtualTime >= _timerDeadline)
        {
            _timerDeadline = long.MaxValue;
            TakeExit(new ExitInfo { Reason = VmExitReason.PreemptionTimer, Rip = cpu.Eip });
            return;
        }
        // 25.5.2: the monitor trap flag exits at the boundary after the first instruction since the entry.
        if (Has(PrimaryProcessorControls.MonitorTrapFlag) && cpu.InstructionsRetired > _retiredAtEntry)
        {
            TakeExit(new ExitInfo { Reason = VmExitReason.MonitorTrapFlag, Rip = cpu.Eip });
            return;
        }
        // 25.2: NMI-window exiting with no virtual-NMI blocking, interrupt-window exiting when RFLAGS.IF = 1 and nothing blocks.
        if (Has(PrimaryProcessorControls.NmiWindowExiting) && !_nmiBlocked)
        {
            TakeExit(new ExitInfo { Reason = VmExitReason.NmiWindow, Rip = cpu.Eip });
            return;
        }
        if (interruptible && Has(PrimaryProcessorControls.InterruptWindowExiting))
            TakeExit(new ExitInfo { Reason = VmExitReason.InterruptWindow, Rip = cpu.Eip });
    }

    /// <inheritdoc/>
    public bool OnTripleFault(Cpu cpu)
    {
        if (!_inVmxNonRoot) return false;
        TakeExit(new ExitInfo { Reason = VmExitReason.TripleFault, Rip = cpu.Eip });
        return true;
    }

    private void StartPreemptionTimer(Cpu cpu)
    {
        if ((Vmcs.Get(VmcsField.PinBasedVmExecControl) & (uint)PinBasedControls.ActivateVmxPreemptionTimer) == 0) { _timerDeadline = long.MaxValue; return; }
        ulong ticks = Vmcs.Get(VmcsField.VmxPreemptionTimerValue);
        _timerDeadline = cpu.VirtualTime + (long)(ticks << VmxCapabilities.PreemptionTimerRate);
    }

    private uint PreemptionTimerRemaining(Cpu cpu) =>
        _timerDeadline == long.MaxValue ? 0 : (uint)Math.Max(0, (_timerDeadline - cpu.VirtualTime) >> VmxCapabilities.PreemptionTimerRate);
}
