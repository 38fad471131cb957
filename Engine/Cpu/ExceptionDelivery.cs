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
                    RequestStop(StopReason.TripleFault);
                    return;
                }
                bool df = (IsContributory(first) && IsContributory(second.Vector))
                       || (first == ExceptionVector.PF && (IsContributory(second.Vector) || second.Vector == ExceptionVector.PF));
                if (df) { first = ExceptionVector.DF; code = 0; }
                else { first = second.Vector; code = HasErrorCode(second.Vector) ? second.ErrorCode ?? 0 : null; }
                if (++_deliveryDepth > 8) { RequestStop(StopReason.TripleFault); return; }
            }
        }
    }

    /// <summary>INT n / INT3 / INTO: a software interrupt whose return address is the next instruction (EIP already there).</summary>
    internal void SoftwareInterrupt(byte vector)
    {
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
    /// Protected mode through an interrupt or trap gate to a handler at the same privilege (the flat
    /// ring-0 model of issue 2). Gates to other privilege levels and task gates come with issue 3.
    /// </summary>
    private void DeliverProtected(byte vector, uint? errorCode, bool software)
    {
        uint ext = software ? 0u : 1u;
        uint idtError = (uint)vector * 8 + 2 + ext;
        if ((uint)vector * 8 + 7 > IdtrLimit) throw CpuException.GP(idtError);
        uint lo = ReadSystem32(IdtrBase + (uint)vector * 8);
        uint hi = ReadSystem32(IdtrBase + (uint)vector * 8 + 4);
        int type = (int)(hi >> 8) & 0x1F;
        int dpl = (int)(hi >> 13) & 3;
        bool present = (hi & 0x8000) != 0;
        bool gate32;
        bool trap;
        switch (type)
        {
            case 0x06: gate32 = false; trap = false; break;
            case 0x07: gate32 = false; trap = true; break;
            case 0x0E: gate32 = true; trap = false; break;
            case 0x0F: gate32 = true; trap = true; break;
            default: throw CpuException.GP(idtError);
        }
        if (software && dpl < Cpl) throw CpuException.GP(idtError);
        if (!present) throw CpuException.NP(idtError);
        ushort selector = (ushort)(lo >> 16);
        uint offset = gate32 ? (lo & 0xFFFF) | (hi & 0xFFFF_0000) : lo & 0xFFFF;
        var target = ReadCodeDescriptorForTransfer(selector, ext);
        if (target.Dpl != Cpl) throw CpuException.GP(selector & 0xFFFCu | ext); // inter-privilege delivery: issue 3
        if (offset > target.Limit) throw CpuException.GP(ext);
        uint flags = GetEFlags();
        int size = gate32 ? 4 : 2;
        Push(size, flags);
        Push(size, Segments[(int)SegmentRegister.CS].Selector);
        Push(size, Eip);
        if (errorCode is { } e) Push(size, e);
        uint clear = TF | NT | RF | VM;
        if (!trap) clear |= IF;
        SetEFlags(flags & ~clear);
        target.Selector = (ushort)((selector & 0xFFFC) | Cpl);
        Segments[(int)SegmentRegister.CS] = target;
        Eip = offset;
    }
}
