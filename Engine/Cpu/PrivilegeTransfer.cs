namespace VirtLab.Engine;

/// <summary>
/// Protected-mode far transfers across the descriptor types (SDM Vol. 3A 5.8, Vol. 2 JMP, CALL,
/// RET, IRET): code segments, call gates (with the stack switch from the TSS and parameter copy),
/// task gates and TSS descriptors (handed to <see cref="TaskSwitch"/>), and returns to outer
/// privilege levels. Every check raises the SDM's exception and error code before any register
/// changes; the new state is committed only once nothing can fault any more.
/// </summary>
public sealed partial class Cpu
{
    private readonly struct Gate
    {
        public readonly ushort Selector;
        public readonly uint Offset;
        public readonly int Type, Dpl, ParameterCount;
        public readonly bool Present;
        public Gate(uint lo, uint hi)
        {
            Type = (int)(hi >> 8) & 0xF;
            Dpl = (int)(hi >> 13) & 3;
            Present = (hi & 0x8000) != 0;
            Selector = (ushort)(lo >> 16);
            bool wide = Type is TypeCallGate32 or TypeInterruptGate32 or TypeTrapGate32;
            Offset = wide ? (lo & 0xFFFF) | (hi & 0xFFFF_0000) : lo & 0xFFFF;
            ParameterCount = (int)hi & 0x1F;
        }
        public int Size => Type is TypeCallGate32 or TypeInterruptGate32 or TypeTrapGate32 ? 4 : 2;
    }

    /// <summary>JMP ptr16:xx / m16:xx in protected mode.</summary>
    internal void FarJumpProtected(ushort selector, uint offset)
    {
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(0);
        var (lo, hi) = ReadDescriptor(selector);
        ushort rights = (ushort)((hi >> 8) & 0xF0FF);
        if (!IsSystem(rights)) { LoadCodeSegmentFar(selector, offset); return; }
        ThroughSystemDescriptor(selector, lo, hi, TaskSwitchSource.Jump, gate =>
        {
            var target = ReadCodeDescriptorForTransfer(gate.Selector);
            bool conforming = IsConforming(target.Rights);
            if (conforming ? target.Dpl > Cpl : target.Dpl != Cpl) throw CpuException.GP(gate.Selector & 0xFFFCu);
            if (gate.Offset > target.Limit) throw CpuException.GP(0);
            CommitCodeSegment(target, Cpl, gate.Offset);
        });
    }

    /// <summary>
    /// The part JMP and CALL share for a system descriptor (SDM JMP/CALL): only call gates, task
    /// gates and available TSSs are allowed (#GP(selector) otherwise), their DPL must be at least
    /// CPL and RPL (#GP(selector)), a gate must be present (#NP(selector)); then the call gate goes
    /// to <paramref name="throughCallGate"/> and the task gate or TSS to a task switch.
    /// </summary>
    private void ThroughSystemDescriptor(ushort selector, uint lo, uint hi, TaskSwitchSource source, Action<Gate> throughCallGate)
    {
        uint error = selector & 0xFFFCu;
        int type = (int)(hi >> 8) & 0xF, dpl = (int)(hi >> 13) & 3, rpl = selector & 3;
        if (type is not (TypeCallGate16 or TypeCallGate32 or TypeTaskGate or TypeTss16Available or TypeTss32Available))
            throw CpuException.GP(error);
        if (dpl < Cpl || dpl < rpl) throw CpuException.GP(error);
        bool present = (hi & 0x8000) != 0;
        switch (type)
        {
            case TypeCallGate16:
            case TypeCallGate32:
                if (!present) throw CpuException.NP(error);
                throughCallGate(new Gate(lo, hi));
                return;
            case TypeTaskGate:
                if (!present) throw CpuException.NP(error);
                TaskSwitch((ushort)(lo >> 16), source, null, 0);
                return;
            default:
                TaskSwitch(selector, source, null, 0);
                return;
        }
    }

    /// <summary>CALL ptr16:xx / m16:xx in protected mode; <paramref name="size"/> is the instruction's operand size (a gate's own size decides what it pushes).</summary>
    internal void FarCallProtected(ushort selector, uint offset, int size)
    {
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(0);
        var (lo, hi) = ReadDescriptor(selector);
        ushort rights = (ushort)((hi >> 8) & 0xF0FF);
        ushort oldCs = Segments[(int)SegmentRegister.CS].Selector;
        uint oldEip = Eip;
        uint error = selector & 0xFFFCu;
        int dpl = (rights >> 5) & 3, rpl = selector & 3;
        if (!IsSystem(rights))
        {
            var cache = ReadCodeDescriptorForTransfer(selector);
            bool conforming = IsConforming(cache.Rights);
            if (conforming ? cache.Dpl > Cpl : (cache.Dpl != Cpl || rpl > Cpl)) throw CpuException.GP(error);
            Instructions.Stack.CheckPush(this, size, 2);
            if (offset > cache.Limit) throw CpuException.GP(0);
            CommitCodeSegment(cache, Cpl, offset);
            Push(size, oldCs);
            Push(size, oldEip);
            return;
        }
        ThroughSystemDescriptor(selector, lo, hi, TaskSwitchSource.Call, gate => CallThroughGate(gate, oldCs, oldEip));
    }

    /// <summary>CALL through a call gate: to a more privileged non-conforming segment with the TSS stack switch and parameter copy, otherwise on the current stack.</summary>
    private void CallThroughGate(Gate gate, ushort oldCs, uint oldEip)
    {
        var target = ReadCodeDescriptorForTransfer(gate.Selector);
        uint targetError = gate.Selector & 0xFFFCu;
        if (target.Dpl > Cpl) throw CpuException.GP(targetError);
        int size = gate.Size;
        if (!IsConforming(target.Rights) && target.Dpl < Cpl)
        {
            int level = target.Dpl;
            var (ss, esp) = StackFromTss(level, 0);
            var newSs = CheckStackSegmentForLevel(ss, level, 0);
            // Parameters come from the caller's stack, the one at the highest address first.
            var parameters = new uint[gate.ParameterCount];
            uint sp = StackPointer;
            for (int i = 0; i < parameters.Length; i++)
                parameters[i] = ReadMem(SegmentRegister.SS, (sp + (uint)(i * size)) & StackMask, size);
            var frame = new StackFrame(this, newSs, esp, level, ss & 0xFFFCu);
            var oldSs = Segments[(int)SegmentRegister.SS];
            frame.Push(size, oldSs.Selector);
            frame.Push(size, R[4]);
            for (int i = parameters.Length - 1; i >= 0; i--) frame.Push(size, parameters[i]);
            frame.Push(size, oldCs);
            frame.Push(size, oldEip);
            if (gate.Offset > target.Limit) throw CpuException.GP(0);
            CommitCodeSegment(target, level, gate.Offset);
            newSs.Selector = ss;
            SetSegment(SegmentRegister.SS, newSs);
            R[4] = newSs.Big ? frame.Esp : (R[4] & 0xFFFF_0000) | (frame.Esp & 0xFFFF);
            return;
        }
        Instructions.Stack.CheckPush(this, size, 2);
        if (gate.Offset > target.Limit) throw CpuException.GP(0);
        CommitCodeSegment(target, Cpl, gate.Offset);
        Push(size, oldCs);
        Push(size, oldEip);
    }

    /// <summary>
    /// RET far in protected mode (SDM RET): the return CS must have RPL ≥ CPL; a conforming segment
    /// needs DPL ≤ RPL, a non-conforming one DPL = RPL. RPL &gt; CPL returns to the outer level:
    /// SS:ESP are popped too and checked, <paramref name="release"/> applies to both stacks, and
    /// data segments the outer level may not use are nulled.
    /// </summary>
    internal void FarReturnProtected(int size, uint release)
    {
        uint s = (uint)size;
        uint sp = StackPointer;
        uint offset = PeekStack(size, 0);
        ushort selector = (ushort)PeekStack(size, s);
        uint error = selector & 0xFFFCu;
        int rpl = selector & 3;
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(0);
        if (rpl < Cpl) throw CpuException.GP(error);
        var (lo, hi) = ReadDescriptor(selector);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if (!IsCode(cache.Rights)) throw CpuException.GP(error);
        if (IsConforming(cache.Rights) ? cache.Dpl > rpl : cache.Dpl != rpl) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.NP(error);
        if (rpl == Cpl)
        {
            if (offset > cache.Limit) throw CpuException.GP(0);
            SetAccessed(selector, hi);
            cache.Rights |= 1;
            CommitCodeSegment(cache, rpl, offset);
            SetStackPointer(sp + 2 * s + release);
            return;
        }
        uint newEsp = PeekStack(size, 2 * s + release);
        ushort ssSelector = (ushort)PeekStack(size, 3 * s + release);
        var newSs = CheckOuterStackSegment(ssSelector, rpl);
        if (offset > cache.Limit) throw CpuException.GP(0);
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        CommitCodeSegment(cache, rpl, offset);
        SetSegment(SegmentRegister.SS, newSs);
        uint esp = newEsp + release;
        R[4] = newSs.Big ? esp : (R[4] & 0xFFFF_0000) | (esp & 0xFFFF);
        NullInaccessibleDataSegments();
    }

    /// <summary>The SS popped by a return to privilege <paramref name="rpl"/>: null #GP(0); RPL ≠ rpl, not writable data or DPL ≠ rpl #GP(selector); not present #SS(selector).</summary>
    private SegmentCache CheckOuterStackSegment(ushort selector, int rpl)
    {
        uint error = selector & 0xFFFCu;
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(0);
        var (lo, hi) = ReadDescriptor(selector);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if ((selector & 3) != rpl || !IsWritableData(cache.Rights) || cache.Dpl != rpl) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.SS(error);
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        return cache;
    }

    /// <summary>
    /// IRET in protected mode (SDM IRET): NT set returns to the task in the back link; a popped
    /// EFLAGS with VM at CPL 0 returns to virtual-8086 mode; otherwise a return to the same or an
    /// outer level. EFLAGS: IF only when CPL ≤ IOPL, IOPL (and VIF/VIP) only at CPL 0, both
    /// judged at the CPL before the return.
    /// </summary>
    internal void InterruptReturnProtected(int size)
    {
        uint old = GetEFlags();
        if ((old & NT) != 0)
        {
            // SDM 7.3: IRET with NT returns to the previous task named by the back link of the current TSS.
            ushort backLink = ReadSystem16(Tr.Base);
            TaskSwitch(backLink, TaskSwitchSource.Iret, null, 0);
            return;
        }
        uint s = (uint)size;
        uint sp = StackPointer;
        uint ip = PeekStack(size, 0);
        ushort cs = (ushort)PeekStack(size, s);
        uint image = PeekStack(size, 2 * s);
        int cpl = Cpl, iopl = Iopl;
        if (size == 4 && (image & VM) != 0 && cpl == 0)
        {
            ReturnToVirtual8086(sp, ip, cs, image);
            return;
        }
        uint error = cs & 0xFFFCu;
        int rpl = cs & 3;
        if ((cs & 0xFFFC) == 0) throw CpuException.GP(0);
        if (rpl < cpl) throw CpuException.GP(error);
        var (lo, hi) = ReadDescriptor(cs);
        var cache = CacheFromDescriptor(cs, lo, hi);
        if (!IsCode(cache.Rights)) throw CpuException.GP(error);
        if (IsConforming(cache.Rights) ? cache.Dpl > rpl : cache.Dpl != rpl) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.NP(error);

        uint mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
        if (size == 4) mask |= RF | AC | ID;
        if (cpl <= iopl) mask |= IF;
        if (cpl == 0)
        {
            mask |= IoplMask;
            if (size == 4) mask |= VIF | VIP;
        }
        uint flags = (old & ~mask) | (image & mask);

        if (rpl == cpl)
        {
            if (ip > cache.Limit) throw CpuException.GP(0);
            SetAccessed(cs, hi);
            cache.Rights |= 1;
            CommitCodeSegment(cache, rpl, ip);
            SetStackPointer(sp + 3 * s);
            SetEFlags(flags);
            return;
        }
        uint newEsp = PeekStack(size, 3 * s);
        ushort ssSelector = (ushort)PeekStack(size, 4 * s);
        var newSs = CheckOuterStackSegment(ssSelector, rpl);
        if (ip > cache.Limit) throw CpuException.GP(0);
        SetAccessed(cs, hi);
        cache.Rights |= 1;
        CommitCodeSegment(cache, rpl, ip);
        SetSegment(SegmentRegister.SS, newSs);
        R[4] = newSs.Big ? newEsp : (R[4] & 0xFFFF_0000) | (newEsp & 0xFFFF);
        SetEFlags(flags);
        NullInaccessibleDataSegments();
    }

    /// <summary>
    /// IRETD at CPL 0 with VM set in the popped EFLAGS (SDM IRET, RETURN-TO-VIRTUAL-8086-MODE):
    /// pops EIP CS EFLAGS ESP SS ES DS FS GS (nine dwords), loads every segment the real-mode way
    /// and continues at CPL 3 in virtual-8086 mode.
    /// </summary>
    private void ReturnToVirtual8086(uint sp, uint ip, ushort cs, uint image)
    {
        uint newEsp = PeekStack(4, 12);
        ushort ss = (ushort)PeekStack(4, 16);
        ushort es = (ushort)PeekStack(4, 20), ds = (ushort)PeekStack(4, 24), fs = (ushort)PeekStack(4, 28), gs = (ushort)PeekStack(4, 32);
        SetEFlags(image);
        foreach (var (reg, sel) in new[] { (SegmentRegister.CS, cs), (SegmentRegister.SS, ss), (SegmentRegister.ES, es), (SegmentRegister.DS, ds), (SegmentRegister.FS, fs), (SegmentRegister.GS, gs) })
            LoadSegmentVirtual8086(reg, sel);
        Eip = ip & 0xFFFF;
        R[4] = newEsp;
    }

    /// <summary>A segment load in virtual-8086 mode: base = selector × 16, limit FFFFh, a present writable data segment at DPL 3 (SDM Vol. 3A 20.2.1).</summary>
    internal void LoadSegmentVirtual8086(SegmentRegister s, ushort selector)
    {
        SetSegment(s, new SegmentCache { Selector = selector, Base = (uint)selector << 4, Limit = 0xFFFF, Rights = 0xF3 });
    }
}
