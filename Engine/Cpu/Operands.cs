using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>Operand access for the handlers: register, memory (the one ModRM operand) or immediate.</summary>
public sealed partial class Cpu
{
    /// <summary>Effective address (offset in the segment) of the instruction's memory operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint EffectiveAddress(DecodedInstruction d) =>
        (R[d.Base] + (R[d.Index] << d.Scale) + d.Displacement) & d.AddressMask;

    /// <summary>Reads a general register by operand size (8-bit numbers: AL..BL, AH..BH).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadReg(int r, int size) => size switch { 4 => R[r], 2 => (ushort)R[r], _ => GetReg8(r) };

    /// <summary>Writes a general register by operand size; 8- and 16-bit writes keep the other bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteReg(int r, int size, uint v)
    {
        switch (size)
        {
            case 4: R[r] = v; break;
            case 2: SetReg16(r, (ushort)v); break;
            default: SetReg8(r, (byte)v); break;
        }
    }

    // operand 0 (destination) -----------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp0(DecodedInstruction d, int size)
    {
        if (d.Kind0 == OperandKind.Register)
            return ReadReg(d.Reg0, size);
        if (d.Kind0 == OperandKind.Memory) return ReadMem(d.Segment, EffectiveAddress(d), size);
        return d.Immediate;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp0(DecodedInstruction d, int size, uint v)
    {
        if (d.Kind0 == OperandKind.Register) WriteReg(d.Reg0, size, v);
        else WriteMem(d.Segment, EffectiveAddress(d), size, v);
    }

    // operand 1 (source) ----------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp1(DecodedInstruction d, int size)
    {
        if (d.Kind1 == OperandKind.Register)
            return ReadReg(d.Reg1, size);
        if (d.Kind1 == OperandKind.Immediate) return d.Immediate;
        return ReadMem(d.Segment, EffectiveAddress(d), size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp1(DecodedInstruction d, int size, uint v)
    {
        if (d.Kind1 == OperandKind.Register) WriteReg(d.Reg1, size, v);
        else WriteMem(d.Segment, EffectiveAddress(d), size, v);
    }

    /// <summary>Read-modify-write on operand 0: reads, returns the offset so the write does not recompute (and a fault on the read leaves memory untouched).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint ReadOp0ForWrite(DecodedInstruction d, int size, out uint offset)
    {
        if (d.Kind0 == OperandKind.Register)
        {
            offset = 0;
            return ReadReg(d.Reg0, size);
        }
        offset = EffectiveAddress(d);
        // A read-modify-write reads with write intent: a read-only segment or page faults on the read
        // (#PF error code with W=1), and the dirty bit is set then, as on hardware.
        return ReadMemForWrite(d.Segment, offset, size);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteOp0At(DecodedInstruction d, int size, uint offset, uint v)
    {
        if (d.Kind0 == OperandKind.Register) WriteReg(d.Reg0, size, v);
        else WriteMem(d.Segment, offset, size, v);
    }

    internal static uint SizeMask(int size) => size switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
    internal static uint SignBit(int size) => size switch { 1 => 0x80u, 2 => 0x8000u, _ => 0x8000_0000u };
    internal static uint SignExtend(uint v, int size) => size switch { 1 => (uint)(sbyte)v, 2 => (uint)(short)v, _ => v };
}
