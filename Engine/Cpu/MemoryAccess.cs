using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>
/// Segmented memory access: limit and type checks against the hidden descriptor cache (#GP(0), or
/// #SS(0) through SS, SDM Vol. 3A 5.3-5.4), then linear = base + offset, then paging (Paging.cs).
/// </summary>
public sealed partial class Cpu
{
    /// <summary>CR0.AM, EFLAGS.AC and CPL 3 together: misaligned data accesses raise #AC(0) (SDM Vol. 3A 6.15, interrupt 17).</summary>
    private bool _alignmentCheck;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Linear(SegmentRegister s, uint offset, uint sizeMinusOne)
    {
        ref var seg = ref Segments[(int)s];
        if (offset > seg.MaxOffset || seg.MaxOffset - offset < sizeMinusOne || offset < seg.MinOffset) LimitFault(s);
        uint linear = seg.Base + offset;
        if (_alignmentCheck && (linear & sizeMinusOne) != 0 && (sizeMinusOne & (sizeMinusOne + 1)) == 0) AlignmentFault();
        return linear;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AlignmentFault() => throw new CpuException(ExceptionVector.AC, 0);

    /// <summary>Like <see cref="Linear"/> for a write: the segment must also be writable (protected mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint LinearForWrite(SegmentRegister s, uint offset, uint sizeMinusOne)
    {
        ref var seg = ref Segments[(int)s];
        if (offset > seg.WriteMaxOffset || seg.WriteMaxOffset - offset < sizeMinusOne || offset < seg.WriteMinOffset) LimitFault(s);
        uint linear = seg.Base + offset;
        if (_alignmentCheck && (linear & sizeMinusOne) != 0 && (sizeMinusOne & (sizeMinusOne + 1)) == 0) AlignmentFault();
        return linear;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LimitFault(SegmentRegister s) =>
        throw (s == SegmentRegister.SS ? CpuException.SS(0) : CpuException.GP(0));

    public byte ReadMem8(SegmentRegister s, uint offset) => ReadLinear8(Linear(s, offset, 0), _accessRead);
    public ushort ReadMem16(SegmentRegister s, uint offset) => ReadLinear16(Linear(s, offset, 1), _accessRead);
    public uint ReadMem32(SegmentRegister s, uint offset) => ReadLinear32(Linear(s, offset, 3), _accessRead);
    public void WriteMem8(SegmentRegister s, uint offset, byte v) => WriteLinear8(LinearForWrite(s, offset, 0), v, _accessWrite);
    public void WriteMem16(SegmentRegister s, uint offset, ushort v) => WriteLinear16(LinearForWrite(s, offset, 1), v, _accessWrite);
    public void WriteMem32(SegmentRegister s, uint offset, uint v) => WriteLinear32(LinearForWrite(s, offset, 3), v, _accessWrite);

    // ---- linear accesses through paging ----------------------------------------------------
    // An access that crosses a page boundary translates both pages before touching memory, so a
    // #PF on the second page leaves the first untouched (the write is all or nothing).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte ReadLinear8(uint linear, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 1, false);
        return Memory.ReadByte(Translate(linear, access));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ushort ReadLinear16(uint linear, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 2, false);
        if (!_paging) return Memory.ReadUInt16(linear);
        if ((linear & 0xFFF) <= 0xFFE) return Memory.ReadUInt16(Translate(linear, access));
        uint p0 = Translate(linear, access), p1 = Translate(linear + 1, access);
        return (ushort)(Memory.ReadByte(p0) | Memory.ReadByte(p1) << 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadLinear32(uint linear, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 4, false);
        if (!_paging) return Memory.ReadUInt32(linear);
        if ((linear & 0xFFF) <= 0xFFC) return Memory.ReadUInt32(Translate(linear, access));
        return ReadLinearSplit32(linear, access);
    }

    private uint ReadLinearSplit32(uint linear, byte access)
    {
        uint second = (linear + 4) & ~0xFFFu; // first byte on the next page
        uint p0 = Translate(linear, access), p1 = Translate(second, access);
        uint v = 0;
        for (uint i = 0; i < 4; i++)
        {
            uint a = linear + i;
            v |= (uint)Memory.ReadByte(a < second || a - second > 4 ? p0 + i : p1 + (a - second)) << (int)(8 * i);
        }
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteLinear8(uint linear, byte v, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 1, true);
        Memory.WriteByte(Translate(linear, access), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteLinear16(uint linear, ushort v, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 2, true);
        if (!_paging) { Memory.WriteUInt16(linear, v); return; }
        if ((linear & 0xFFF) <= 0xFFE) { Memory.WriteUInt16(Translate(linear, access), v); return; }
        uint p0 = Translate(linear, access), p1 = Translate(linear + 1, access);
        Memory.WriteByte(p0, (byte)v);
        Memory.WriteByte(p1, (byte)(v >> 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteLinear32(uint linear, uint v, byte access)
    {
        if (_dataBreakpointsArmed) CheckDataBreakpoints(linear, 4, true);
        if (!_paging) { Memory.WriteUInt32(linear, v); return; }
        if ((linear & 0xFFF) <= 0xFFC) { Memory.WriteUInt32(Translate(linear, access), v); return; }
        WriteLinearSplit32(linear, v, access);
    }

    private void WriteLinearSplit32(uint linear, uint v, byte access)
    {
        uint second = (linear + 4) & ~0xFFFu;
        uint p0 = Translate(linear, access), p1 = Translate(second, access);
        for (uint i = 0; i < 4; i++)
        {
            uint a = linear + i;
            Memory.WriteByte(a < second || a - second > 4 ? p0 + i : p1 + (a - second), (byte)(v >> (int)(8 * i)));
        }
    }

    /// <summary>Checks that a write of <paramref name="size"/> bytes at a linear address would not page-fault (sets A/D as the write will).</summary>
    internal void ProbeWriteLinear(uint linear, int size, byte access)
    {
        if (!_paging) return;
        Translate(linear, access);
        if (((linear ^ (linear + (uint)size - 1)) & ~0xFFFu) != 0) Translate(linear + (uint)size - 1, access);
    }

    /// <summary>Implicit supervisor-mode accesses (descriptor tables, TSS), whatever the CPL (SDM Vol. 3A 4.6).</summary>
    internal uint ReadSystem32(uint linear) => ReadLinear32(linear, AccessSupervisorRead);
    internal ushort ReadSystem16(uint linear) => ReadLinear16(linear, AccessSupervisorRead);
    internal byte ReadSystem8(uint linear) => ReadLinear8(linear, AccessSupervisorRead);
    internal void WriteSystem32(uint linear, uint v) => WriteLinear32(linear, v, AccessSupervisorWrite);
    internal void WriteSystem16(uint linear, ushort v) => WriteLinear16(linear, v, AccessSupervisorWrite);
    internal void WriteSystem8(uint linear, byte v) => WriteLinear8(linear, v, AccessSupervisorWrite);

    /// <summary>Reads by operand size (1, 2, 4) zero-extended.</summary>
    public uint ReadMem(SegmentRegister s, uint offset, int size) => size switch
    {
        1 => ReadMem8(s, offset),
        2 => ReadMem16(s, offset),
        _ => ReadMem32(s, offset),
    };

    /// <summary>The read of a read-modify-write: checked as a write (segment type, page R/W) so the write that follows cannot fault.</summary>
    internal uint ReadMemForWrite(SegmentRegister s, uint offset, int size) => size switch
    {
        1 => ReadLinear8(LinearForWrite(s, offset, 0), _accessWrite),
        2 => ReadLinear16(LinearForWrite(s, offset, 1), _accessWrite),
        _ => ReadLinear32(LinearForWrite(s, offset, 3), _accessWrite),
    };

    public void WriteMem(SegmentRegister s, uint offset, int size, uint v)
    {
        switch (size)
        {
            case 1: WriteMem8(s, offset, (byte)v); break;
            case 2: WriteMem16(s, offset, (ushort)v); break;
            default: WriteMem32(s, offset, v); break;
        }
    }

    /// <summary>Checks that a whole access of <paramref name="size"/> bytes at offset is inside the segment, without touching memory (for instructions that must fault before any write).</summary>
    internal void CheckAccess(SegmentRegister s, uint offset, int size) => Linear(s, offset, (uint)size - 1);

    /// <summary>Checks a whole write (segment limit and type, then the pages) before anything is written.</summary>
    internal void CheckWrite(SegmentRegister s, uint offset, int size) =>
        ProbeWriteLinear(LinearForWrite(s, offset, (uint)size - 1), size, _accessWrite);

    // ---- stack (SS.B selects SP or ESP, SDM Vol. 1 6.2.3) --------------------------------

    internal uint StackMask => Stack32 ? 0xFFFF_FFFF : 0xFFFF;

    internal uint StackPointer => R[4] & StackMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetStackPointer(uint sp)
    {
        if (Stack32) R[4] = sp; else R[4] = (R[4] & 0xFFFF_0000) | (sp & 0xFFFF);
    }

    public void Push16(ushort v)
    {
        uint sp = (R[4] - 2) & StackMask;
        WriteMem16(SegmentRegister.SS, sp, v);
        SetStackPointer(sp);
    }

    public void Push32(uint v)
    {
        uint sp = (R[4] - 4) & StackMask;
        WriteMem32(SegmentRegister.SS, sp, v);
        SetStackPointer(sp);
    }

    public void Push(int size, uint v) { if (size == 4) Push32(v); else Push16((ushort)v); }

    public ushort Pop16()
    {
        uint sp = StackPointer;
        ushort v = ReadMem16(SegmentRegister.SS, sp);
        SetStackPointer(sp + 2);
        return v;
    }

    public uint Pop32()
    {
        uint sp = StackPointer;
        uint v = ReadMem32(SegmentRegister.SS, sp);
        SetStackPointer(sp + 4);
        return v;
    }

    public uint Pop(int size) => size == 4 ? Pop32() : Pop16();

    /// <summary>Reads the stack at SP + <paramref name="delta"/> without popping (for instructions that must not change SP until they cannot fault).</summary>
    internal uint PeekStack(int size, uint delta) => ReadMem(SegmentRegister.SS, (StackPointer + delta) & StackMask, size);
}
