namespace VirtLab.Engine;

/// <summary>What started a task switch: it decides the busy-bit, NT and back-link handling (SDM Vol. 3A table 7-2).</summary>
public enum TaskSwitchSource { Jump, Call, Interrupt, Iret }

/// <summary>
/// Hardware task switching (SDM Vol. 3A 7.3): far JMP/CALL to a TSS or task gate, interrupts and
/// exceptions through a task gate, IRET with NT. 32-bit and 16-bit TSSs. The outgoing task's
/// dynamic state is saved in its TSS, the busy bits, NT and the back link are updated as table
/// 7-2 says, TR/CR3/LDTR/registers are loaded from the new TSS, CR0.TS is set, and then the new
/// task's segments are checked and loaded; a fault there is raised in the context of the new
/// task (#TS with the offending selector, #NP, #SS).
/// </summary>
public sealed partial class Cpu
{
    /// <summary>Task switches performed since reset.</summary>
    public long TaskSwitches { get; private set; }

    internal void TaskSwitch(ushort selector, TaskSwitchSource source, uint? errorCode, uint ext)
    {
        // A monitor may take the task switch before the new TSS is looked at (VT-x: exit reason 9).
        if (Monitor is { } monitor && monitor.OnTaskSwitch(this, selector, source)) { _breakBlock = true; return; }
        uint error = (selector & 0xFFFCu) | ext;
        // The new TSS descriptor: in the GDT, a TSS of the right busy state, present, big enough.
        if ((selector & 4) != 0) throw source == TaskSwitchSource.Iret ? CpuException.TS(error) : CpuException.GP(error);
        var (lo, hi) = ReadDescriptor(selector, ext, source == TaskSwitchSource.Iret ? ExceptionVector.TS : ExceptionVector.GP);
        var tss = CacheFromDescriptor(selector, lo, hi);
        int type = tss.Rights & 0x1F;
        bool busyWanted = source == TaskSwitchSource.Iret;
        bool is32 = type is TypeTss32Available or TypeTss32Busy;
        bool isTss = type is TypeTss16Available or TypeTss16Busy or TypeTss32Available or TypeTss32Busy;
        bool busy = type is TypeTss16Busy or TypeTss32Busy;
        if (!isTss || busy != busyWanted) throw source == TaskSwitchSource.Iret ? CpuException.TS(error) : CpuException.GP(error);
        if (!tss.Present) throw CpuException.NP(error);
        if (tss.Limit < (is32 ? 0x67u : 0x2Bu)) throw CpuException.TS(error);
        if (Tr.Unusable || (Tr.Selector & 0xFFFC) == 0) throw CpuException.TS((Tr.Selector & 0xFFFCu) | ext);

        // Read the whole new state first (a page fault here leaves the old task intact).
        var state = ReadTaskState(tss.Base, is32);

        // Save the outgoing task (EFLAGS with NT cleared when returning by IRET).
        uint eflags = GetEFlags();
        if (source == TaskSwitchSource.Iret) eflags &= ~NT;
        WriteTaskState(Tr.Base, (Tr.Rights & 8) != 0, eflags);

        // Busy bits: the old task stays busy only when it is the caller (CALL, interrupt).
        if (source is TaskSwitchSource.Jump or TaskSwitchSource.Iret) SetBusy(Tr.Selector, false);
        if (source != TaskSwitchSource.Iret) SetBusy(selector, true);
        uint newFlags = state.EFlags;
        if (source is TaskSwitchSource.Call or TaskSwitchSource.Interrupt)
        {
            WriteSystem16(tss.Base, Tr.Selector);
            newFlags |= NT;
        }

        tss.Rights = (ushort)((tss.Rights & ~0x2) | 0x2); // busy in the cache
        Tr = tss;
        Cr0 |= Cr0TS;
        if (is32 && _guestPaging) { Cr3 = state.Cr3; FlushTlb(keepGlobal: true); }
        else if (is32) Cr3 = state.Cr3;

        // Registers and selectors of the new task; CPL follows the new CS.RPL (3 in virtual-8086 mode).
        Array.Copy(state.Registers, R, 8);
        Eip = state.Eip;
        SetEFlags(newFlags);
        bool v86 = (newFlags & VM) != 0;
        _breakBlock = true;
        TaskSwitches++;

        // Load LDTR and the segments with the checks of SDM 7.3 step 13; faults belong to the new task.
        LoadTaskSegments(state, v86, ext);

        if (errorCode is { } e) Push(is32 ? 4 : 2, e);
    }

    private sealed class TaskState
    {
        public uint Cr3, Eip, EFlags;
        public readonly uint[] Registers = new uint[8];
        public readonly ushort[] Selectors = new ushort[6]; // ES CS SS DS FS GS
        public ushort Ldt;
    }

    private TaskState ReadTaskState(uint b, bool is32)
    {
        var t = new TaskState();
        if (is32)
        {
            t.Cr3 = ReadSystem32(b + 0x1C);
            t.Eip = ReadSystem32(b + 0x20);
            t.EFlags = ReadSystem32(b + 0x24);
            for (uint i = 0; i < 8; i++) t.Registers[i] = ReadSystem32(b + 0x28 + 4 * i);
            for (uint i = 0; i < 6; i++) t.Selectors[i] = ReadSystem16(b + 0x48 + 4 * i);
            t.Ldt = ReadSystem16(b + 0x60);
        }
        else
        {
            t.Eip = ReadSystem16(b + 0x0E);
            t.EFlags = ReadSystem16(b + 0x10);
            for (uint i = 0; i < 8; i++) t.Registers[i] = (R[i] & 0xFFFF_0000) | ReadSystem16(b + 0x12 + 2 * i);
            for (uint i = 0; i < 4; i++) t.Selectors[i] = ReadSystem16(b + 0x22 + 2 * i);
            t.Ldt = ReadSystem16(b + 0x2A);
        }
        return t;
    }

    /// <summary>Saves the dynamic fields of the outgoing task (SDM 7.2.1): EIP, EFLAGS, general registers, segment selectors.</summary>
    private void WriteTaskState(uint b, bool is32, uint eflags)
    {
        if (is32)
        {
            WriteSystem32(b + 0x20, Eip);
            WriteSystem32(b + 0x24, eflags);
            for (uint i = 0; i < 8; i++) WriteSystem32(b + 0x28 + 4 * i, R[i]);
            for (uint i = 0; i < 6; i++) WriteSystem16(b + 0x48 + 4 * i, Segments[i].Selector);
        }
        else
        {
            WriteSystem16(b + 0x0E, (ushort)Eip);
            WriteSystem16(b + 0x10, (ushort)eflags);
            for (uint i = 0; i < 8; i++) WriteSystem16(b + 0x12 + 2 * i, (ushort)R[i]);
            for (uint i = 0; i < 4; i++) WriteSystem16(b + 0x22 + 2 * i, Segments[i].Selector);
        }
    }

    private void SetBusy(ushort selector, bool busy)
    {
        if (!TryDescriptorAddress(selector, out uint address)) return;
        uint hi = ReadSystem32(address + 4);
        hi = busy ? hi | 0x200 : hi & ~0x200u;
        WriteSystem32(address + 4, hi);
    }

    private void LoadTaskSegments(TaskState t, bool v86, uint ext)
    {
        // Until checked, the new selectors are loaded without their descriptors (SDM 7.3 step 12).
        for (int i = 0; i < 6; i++) Segments[i].Selector = t.Selectors[i];
        Ldtr = new SegmentCache { Selector = t.Ldt, Unusable = true };

        // LDT first: null is allowed; otherwise an LDT descriptor in the GDT, present.
        if ((t.Ldt & 0xFFFC) != 0)
        {
            uint error = (t.Ldt & 0xFFFCu) | ext;
            if ((t.Ldt & 4) != 0) throw CpuException.TS(error);
            var (lo, hi) = ReadDescriptor(t.Ldt, ext, ExceptionVector.TS);
            var ldt = CacheFromDescriptor(t.Ldt, lo, hi);
            if ((ldt.Rights & 0x1F) != TypeLdt) throw CpuException.TS(error);
            if (!ldt.Present) throw CpuException.TS(error);
            Ldtr = ldt;
        }

        if (v86)
        {
            for (int i = 0; i < 6; i++) LoadSegmentVirtual8086((SegmentRegister)i, t.Selectors[i]);
            return;
        }

        // CS: a code segment; non-conforming DPL = RPL, conforming DPL ≤ RPL; present (#NP).
        ushort cs = t.Selectors[(int)SegmentRegister.CS];
        uint csError = (cs & 0xFFFCu) | ext;
        if ((cs & 0xFFFC) == 0) throw CpuException.TS(csError);
        var (clo, chi) = ReadDescriptor(cs, ext, ExceptionVector.TS);
        var code = CacheFromDescriptor(cs, clo, chi);
        if (!IsCode(code.Rights)) throw CpuException.TS(csError);
        if (IsConforming(code.Rights) ? code.Dpl > (cs & 3) : code.Dpl != (cs & 3)) throw CpuException.TS(csError);
        if (!code.Present) throw CpuException.NP(csError);
        SetAccessed(cs, chi);
        code.Rights |= 1;
        SetSegment(SegmentRegister.CS, code);
        int cpl = cs & 3;

        // SS: writable data, RPL = DPL = CPL; not present #SS.
        ushort ss = t.Selectors[(int)SegmentRegister.SS];
        uint ssError = (ss & 0xFFFCu) | ext;
        if ((ss & 0xFFFC) == 0) throw CpuException.TS(ssError);
        var (slo, shi) = ReadDescriptor(ss, ext, ExceptionVector.TS);
        var stack = CacheFromDescriptor(ss, slo, shi);
        if (!IsWritableData(stack.Rights) || (ss & 3) != cpl || stack.Dpl != cpl) throw CpuException.TS(ssError);
        if (!stack.Present) throw CpuException.SS(ssError);
        SetAccessed(ss, shi);
        stack.Rights |= 1;
        SetSegment(SegmentRegister.SS, stack);

        // Data segments: null allowed; readable; data and non-conforming code need DPL ≥ CPL and ≥ RPL; not present #NP.
        foreach (var reg in new[] { SegmentRegister.ES, SegmentRegister.DS, SegmentRegister.FS, SegmentRegister.GS })
        {
            ushort sel = t.Selectors[(int)reg];
            if ((sel & 0xFFFC) == 0) { LoadNullSegment(reg, sel); continue; }
            uint e = (sel & 0xFFFCu) | ext;
            var (dlo, dhi) = ReadDescriptor(sel, ext, ExceptionVector.TS);
            var data = CacheFromDescriptor(sel, dlo, dhi);
            if (!IsReadable(data.Rights)) throw CpuException.TS(e);
            if (!IsConforming(data.Rights) && (data.Dpl < cpl || data.Dpl < (sel & 3))) throw CpuException.TS(e);
            if (!data.Present) throw CpuException.NP(e);
            SetAccessed(sel, dhi);
            data.Rights |= 1;
            SetSegment(reg, data);
        }
    }
}
