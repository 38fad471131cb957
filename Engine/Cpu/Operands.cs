using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>Operand access for the handlers: register, memory (the one ModRM operand) or immediate.</summary>
public sealed partial class Cpu
{
    /// <summary>Effective address (offset in the segment) of the instruction's memory operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint EffectiveAddress(DecodedInstruction d) =>
        (R[d.Base] + (R[d.Index] << d.Scale) + d.Displacement) & d.AddressMask;

    // operand 0 (destination) -----------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp0(DecodedInstruction d, int size)
    {
        if (d.Kind0 == OperandKind.Register)
            return size switch { 4 => R[d.Reg0], 2 => (ushort)R[d.Reg0], _ => GetReg8(d.Reg0) };
        if (d.Kind0 == OperandKind.Memory) return ReadMem(d.Segment, EffectiveAddress(d), size);
        return d.Immediate;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp0(DecodedInstruction d, int size, uint v)
    {
        if (d.Kind0 == OperandKind.Register)
        {
            switch (size)
            {
                case 4: R[d.Reg0] = v; break;
                case 2: SetReg16(d.Reg0, (ushort)v); break;
                default: SetReg8(d.Reg0, (byte)v); break;
            }
        }
        else WriteMem(d.Segment, EffectiveAddress(d), size, v);
    }

    // operand 1 (source) ----------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp1(DecodedInstruction d, int size)
    {
        if (d.Kind1 == OperandKind.Register)
            return size switch { 4 => R[d.Reg1], 2 => (ushort)R[d.Reg1], _ => GetReg8(d.Reg1) };
        if (d.Kind1 == OperandKind.Immediate) return d.Immediate;
        return ReadMem(d.Segment, EffectiveAddress(d), size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp1(DecodedInstruction d, int size, uint v)
    {
        if (d.Kind1 == OperandKind.Register)
        {
            switch (size)
            {
                case 4: R[d.Reg1] = v; break;
                case 2: SetReg16(d.Reg1, (ushort)v); break;
                default: SetReg8(d.Reg1, (byte)v); break;
            }
        }
        else WriteMem(d.Segment, EffectiveAddress(d), size, v);
    }

    /// <summary>Read-modify-write on operand 0: reads, returns the offset so the write does not recompute (and a fault on the read leaves memory untouched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp0ForWrite(DecodedInstruction d, int size, out uint offset)
    {
        if (d.Kind0 == OperandKind.Register)
        {
            offset = 0;
            return size switch { 4 => R[d.Reg0], 2 => (ushort)R[d.Reg0], _ => GetReg8(d.Reg0) };
        }
        offset = EffectiveAddress(d);
        // A read-modify-write needs write access too; check the whole access first (issue 3 adds the writable-segment check).
        return ReadMem(d.Segment, offset, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp0At(DecodedInstruction d, int size, uint offset, uint v)
    {
        if (d.Kind0 == OperandKind.Register)
        {
            switch (size)
            {
                case 4: R[d.Reg0] = v; break;
                case 2: SetReg16(d.Reg0, (ushort)v); break;
                default: SetReg8(d.Reg0, (byte)v); break;
            }
        }
        else WriteMem(d.Segment, offset, size, v);
    }

    internal static uint SizeMask(int size) => size switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
    internal static uint SignBit(int size) => size switch { 1 => 0x80u, 2 => 0x8000u, _ => 0x8000_0000u };
    internal static uint SignExtend(uint v, int size) => size switch { 1 => (uint)(sbyte)v, 2 => (uint)(short)v, _ => v };
}
