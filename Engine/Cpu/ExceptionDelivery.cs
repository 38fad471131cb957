namespace VirtLab.Engine;

/// <summary>
/// Exception and interrupt delivery: the real-mode IVT, and same-privilege interrupt/trap gates in
/// protected mode; double fault on a contributory pair, triple fault (shutdown) when delivering a
/// double fault faults (SDM Vol. 3A 6.15, table 6-5).
/// </summary>
public sealed partial class Cpu
{
    private int _deliveryDepth;
    private ExceptionVector _deliveringVector;

    private static bool IsContributory(ExceptionVector v) =>
        v is ExceptionVector.DE or ExceptionVector.TS or ExceptionVector.NP or ExceptionVector.SS or ExceptionVector.GP;

    private static bool HasErrorCode(ExceptionVector v) =>
        v is ExceptionVector.DF or ExceptionVector.TS or ExceptionVector.NP or ExceptionVector.SS or ExceptionVector.GP or ExceptionVector.PF or ExceptionVector.AC;

    /// <summary>Delivers a processor exception raised by the instruction at <paramref name="faultIp"/> (EIP already points there).</summary>
    internal void RaiseException(ExceptionVector vector, uint? errorCode, uint faultIp)
    {
        if (Monitor is { } monitor)
        {
            switch (monitor.OnException(this, vector, errorCode))
            {
                case ExceptionDisposition.Handled: return;
                case ExceptionDisposition.Stop: RequestStop(StopReason.MonitorStop); return;
            }
        }
        if (HasErrorCode(vector)) errorCode ??= 0; else errorCode = null;
        DeliverWithEscalation(vector, errorCode, software: false);
    }

    private void DeliverWithEscalation(ExceptionVector vector, uint? errorCode, bool software)
    {
        ExceptionVector first = vector;
        uint? code = errorCode;
        _deliveryDepth = 0;
        EventBeingDelivered = null;
        while (true)
        {
            try
            {
                _deliveringVector = first;
                DeliverInterrupt((byte)first, code, software);
                return;
            }
            catch (CpuException second)
            {
                software = false;
                if (first == ExceptionVector.DF)
                {
                    TripleFault();
                    return;
                }
                bool df = (IsContributory(first) && IsContributory(second.Vector))
                       || (first == ExceptionVector.PF && (IsContributory(second.Vector) || second.Vector == ExceptionVector.PF));
                if (df) { first = ExceptionVector.DF; code = 0; }
                else { first = second.Vector; code = HasErrorCode(second.Vector) ? second.ErrorCode ?? 0 : null; }
                if (++_deliveryDepth > 8) { TripleFault(); return; }
                // The monitor sees the fault raised while delivering (EventBeingDelivered still names
                // the first event: VT-x's IDT-vectoring information) before it is delivered in turn.
                if (Monitor is { } monitor)
                {
                    var disposition = monitor.OnException(this, first, code);
                    EventBeingDelivered = null;
                    if (disposition == ExceptionDisposition.Handled) return;
                    if (disposition == ExceptionDisposition.Stop) { RequestStop(StopReason.MonitorStop); return; }
                }
            }
        }
    }

    /// <summary>Shutdown after a fault while delivering a double fault (SDM Vol. 3A 6.15), unless the monitor takes it (VT-x exit reason 2).</summary>
    private void TripleFault()
    {
        bool taken = Monitor is { } monitor && monitor.OnTripleFault(this);
        EventBeingDelivered = null;
        if (taken) { _breakBlock = true; return; }
        RequestStop(StopReason.TripleFault);
    }

    /// <summary>INT n / INT3 / INTO: a software interrupt whose return address is the next instruction (EIP already there).</summary>
    internal void SoftwareInterrupt(byte vector)
    {
        _softwareInterruptInStep = true;
        _nextDeliveryType = vector is 3 or 4 && Current is { } d && d.Code is Iced.Intel.Code.Int3 or Iced.Intel.Code.Into ? EventType.SoftwareException : EventType.SoftwareInterrupt;
        DeliverWithEscalationSoftware(vector);
    }

    /// <summary>A trap-class exception raised by an instruction (INT1/ICEBP): delivered like a hardware exception (no gate DPL check), return address after the instruction.</summary>
    internal void RaiseTrap(ExceptionVector vector)
    {
        if (Monitor is { } monitor)
        {
            switch (monitor.OnException(this, vector, null))
            {
                case ExceptionDisposition.Handled: return;
                case ExceptionDisposition.Stop: RequestStop(StopReason.MonitorStop); return;
            }
        }
        DeliverWithEscalation(vector, null, software: false);
    }

    private void DeliverWithEscalationSoftware(byte vector)
    {
        try
        {
            DeliverInterrupt(vector, null, software: true);
        }
        catch (CpuException e)
        {
            // A fault while delivering a software interrupt is reported at the INT instruction.
            Eip = Current?.Ip ?? Eip;
            RaiseException(e.Vector, e.ErrorCode, Eip);
        }
    }

    private void DeliverInterrupt(byte vector, uint? errorCode, bool software)
    {
        if (Monitor is not null) CaptureDeliveryRegisters(_beforeDelivery);
        EventBeingDelivered = new DeliveringEvent(vector, _nextDeliveryType, errorCode);
        _nextDeliveryType = EventType.HardwareException;
        Halted = false;
        uint savedEsp = R[4];
        try
        {
            if (!ProtectedMode) DeliverReal(vector);
            else DeliverProtected(vector, errorCode, software);
        }
        catch (CpuException)
        {
            R[4] = savedEsp; // a push that faults part-way leaves the stack pointer as it was
            throw;
        }
        EventBeingDelivered = null;
        _breakBlock = true;
    }

    /// <summary>Real mode (SDM Vol. 3A 20.1.4): push FLAGS, CS, IP; clear IF, TF, AC; CS:IP from the IVT at IDTR.base + 4n.</summary>
    private void DeliverReal(byte vector)
    {
        uint entry = (uint)vector * 4;
        if (entry + 3 > IdtrLimit) throw CpuException.GP((uint)vector * 8 + 2);
        ushort newIp = ReadSystem16(IdtrBase + entry);
        ushort newCs = ReadSystem16(IdtrBase + entry + 2);
        uint flags = GetEFlags();
        Push16((ushort)flags);
        Push16(Segments[(int)SegmentRegister.CS].Selector);
        Push16((ushort)Eip);
        SetEFlags(flags & ~(IF | TF | 0x40000u));
        LoadSegmentReal(SegmentRegister.CS, newCs);
        Eip = newIp;
    }

    /// <summary>
    /// Protected mode (SDM Vol. 3A 6.12, Vol. 2 INT n): the IDT entry must be an interrupt, trap
    /// or task gate (#GP(vector×8+2+EXT) otherwise or beyond the IDT limit); software interrupts
    /// need gate DPL ≥ CPL; not present #NP. A task gate switches tasks (the error code is pushed
    /// on the new task's stack). An interrupt or trap gate to a more privileged non-conforming
    /// segment switches to the stack from the TSS and pushes SS:ESP (and, from virtual-8086 mode,
    /// GS FS DS ES first, then nulls them); otherwise the handler runs on the current stack.
    /// EFLAGS, CS, EIP and the error code follow; TF NT RF VM are cleared, and IF for an
    /// interrupt gate.
    /// </summary>
    private void DeliverProtected(byte vector, uint? errorCode, bool software)
    {
        uint ext = software ? 0u : 1u;
        uint idtError = (uint)vector * 8 + 2 + ext;
        if ((uint)vector * 8 + 7 > IdtrLimit) throw CpuException.GP(idtError);
        uint lo = ReadSystem32(IdtrBase + (uint)vector * 8);
        uint hi = ReadSystem32(IdtrBase + (uint)vector * 8 + 4);
        var gate = new Gate(lo, hi);
        bool trap;
        switch ((int)(hi >> 8) & 0x1F)
        {
            case TypeInterruptGate16: case TypeInterruptGate32: trap = false; break;
            case TypeTrapGate16: case TypeTrapGate32: trap = true; break;
            case TypeTaskGate:
                if (software && gate.Dpl < Cpl) throw CpuException.GP(idtError);
                if (!gate.Present) throw CpuException.NP(idtError);
                TaskSwitch(gate.Selector, TaskSwitchSource.Interrupt, errorCode, ext);
                return;
            default: throw CpuException.GP(idtError);
        }
        if (software && gate.Dpl < Cpl) throw CpuException.GP(idtError);
        if (!gate.Present) throw CpuException.NP(idtError);
        var target = ReadCodeDescriptorForTransfer(gate.Selector, ext);
        uint targetError = (gate.Selector & 0xFFFCu) | ext;
        if (target.Dpl > Cpl) throw CpuException.GP(targetError);
        int size = gate.Size;
        uint flags = GetEFlags();
        uint clear = TF | NT | RF | VM | (trap ? 0 : IF);
        ushort oldCs = Segments[(int)SegmentRegister.CS].Selector;
        bool fromV86 = Virtual8086;
        if (!IsConforming(target.Rights) && target.Dpl < Cpl)
        {
            int level = target.Dpl;
            if (fromV86 && level != 0) throw CpuException.GP(targetError);
            var (ss, esp) = StackFromTss(level, ext);
            var newSs = CheckStackSegmentForLevel(ss, level, ext);
            var frame = new StackFrame(this, newSs, esp, level, (ss & 0xFFFCu) | ext);
            if (fromV86)
            {
                frame.Push(size, Segments[(int)SegmentRegister.GS].Selector);
                frame.Push(size, Segments[(int)SegmentRegister.FS].Selector);
                frame.Push(size, Segments[(int)SegmentRegister.DS].Selector);
                frame.Push(size, Segments[(int)SegmentRegister.ES].Selector);
            }
            frame.Push(size, Segments[(int)SegmentRegister.SS].Selector);
            frame.Push(size, R[4]);
            frame.Push(size, flags);
            frame.Push(size, oldCs);
            frame.Push(size, Eip);
            if (errorCode is { } e) frame.Push(size, e);
            if (gate.Offset > target.Limit) throw CpuException.GP(ext);
            SetEFlags(flags & ~clear);
            newSs.Selector = ss;
            SetSegment(SegmentRegister.SS, newSs);
            R[4] = newSs.Big ? frame.Esp : (R[4] & 0xFFFF_0000) | (frame.Esp & 0xFFFF);
            CommitCodeSegment(target, level, gate.Offset);
            if (fromV86)
                foreach (var s in new[] { SegmentRegister.GS, SegmentRegister.FS, SegmentRegister.DS, SegmentRegister.ES })
                    LoadNullSegment(s, 0);
            return;
        }
        if (fromV86) throw CpuException.GP(targetError);
        Push(size, flags);
        Push(size, oldCs);
        Push(size, Eip);
        if (errorCode is { } e2) Push(size, e2);
        if (gate.Offset > target.Limit) throw CpuException.GP(ext);
        SetEFlags(flags & ~clear);
        CommitCodeSegment(target, Cpl, gate.Offset);
    }
}
