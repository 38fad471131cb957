using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>
/// Segmented memory access: limit checks against the hidden descriptor cache (#GP(0), or #SS(0)
/// through SS, SDM Vol. 3A 5.3), then linear = base + offset. Without paging linear = physical.
/// </summary>
public sealed partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Linear(SegmentRegister s, uint offset, uint sizeMinusOne)
    {
        ref var seg = ref Segments[(int)s];
        if (offset > seg.MaxOffset || seg.MaxOffset - offset < sizeMinusOne || offset < seg.MinOffset) LimitFault(s);
        return seg.Base + offset;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LimitFault(SegmentRegister s) =>
        throw (s == SegmentRegister.SS ? CpuException.SS(0) : CpuException.GP(0));

    public byte ReadMem8(SegmentRegister s, uint offset) => Memory.ReadByte(Linear(s, offset, 0));
    public ushort ReadMem16(SegmentRegister s, uint offset) => Memory.ReadUInt16(Linear(s, offset, 1));
    public uint ReadMem32(SegmentRegister s, uint offset) => Memory.ReadUInt32(Linear(s, offset, 3));
    public void WriteMem8(SegmentRegister s, uint offset, byte v) => Memory.WriteByte(Linear(s, offset, 0), v);
    public void WriteMem16(SegmentRegister s, uint offset, ushort v) => Memory.WriteUInt16(Linear(s, offset, 1), v);
    public void WriteMem32(SegmentRegister s, uint offset, uint v) => Memory.WriteUInt32(Linear(s, offset, 3), v);

    /// <summary>Reads by operand size (1, 2, 4) zero-extended.</summary>
    public uint ReadMem(SegmentRegister s, uint offset, int size) => size switch
    {
        1 => ReadMem8(s, offset),
        2 => ReadMem16(s, offset),
        _ => ReadMem32(s, offset),
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
