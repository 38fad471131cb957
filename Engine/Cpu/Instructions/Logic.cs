using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>AND OR XOR TEST NOT (SDM Vol. 2): CF = OF = 0; AF undefined, left 0 (see <see cref="LazyOp.Logic"/>).</summary>
internal static class Logic
{
    private enum Op { And, Or, Xor }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Binary(Cpu c, DecodedInstruction d, int size, Op op, bool write)
    {
        uint a = c.ReadOp0ForWrite(d, size, out uint off), b = c.ReadOp1(d, size);
        uint r = (op switch { Op.And => a & b, Op.Or => a | b, _ => a ^ b }) & Cpu.SizeMask(size);
        if (write) c.WriteOp0At(d, size, off, r);
        c.SetLazy(LazyOp.Logic, size * 8, 0, 0, r);
    }

    [HandlesMnemonic(Mnemonic.And, 1)] static void And8(Cpu c, DecodedInstruction d) => Binary(c, d, 1, Op.And, true);
    [HandlesMnemonic(Mnemonic.And, 2)] static void And16(Cpu c, DecodedInstruction d) => Binary(c, d, 2, Op.And, true);
    [HandlesMnemonic(Mnemonic.And, 4)] static void And32(Cpu c, DecodedInstruction d) => Binary(c, d, 4, Op.And, true);
    [HandlesMnemonic(Mnemonic.Or, 1)] static void Or8(Cpu c, DecodedInstruction d) => Binary(c, d, 1, Op.Or, true);
    [HandlesMnemonic(Mnemonic.Or, 2)] static void Or16(Cpu c, DecodedInstruction d) => Binary(c, d, 2, Op.Or, true);
    [HandlesMnemonic(Mnemonic.Or, 4)] static void Or32(Cpu c, DecodedInstruction d) => Binary(c, d, 4, Op.Or, true);
    [HandlesMnemonic(Mnemonic.Xor, 1)] static void Xor8(Cpu c, DecodedInstruction d) => Binary(c, d, 1, Op.Xor, true);
    [HandlesMnemonic(Mnemonic.Xor, 2)] static void Xor16(Cpu c, DecodedInstruction d) => Binary(c, d, 2, Op.Xor, true);
    [HandlesMnemonic(Mnemonic.Xor, 4)] static void Xor32(Cpu c, DecodedInstruction d) => Binary(c, d, 4, Op.Xor, true);
    [HandlesMnemonic(Mnemonic.Test, 1)] static void Test8(Cpu c, DecodedInstruction d) => Binary(c, d, 1, Op.And, false);
    [HandlesMnemonic(Mnemonic.Test, 2)] static void Test16(Cpu c, DecodedInstruction d) => Binary(c, d, 2, Op.And, false);
    [HandlesMnemonic(Mnemonic.Test, 4)] static void Test32(Cpu c, DecodedInstruction d) => Binary(c, d, 4, Op.And, false);

    private static void Not(Cpu c, DecodedInstruction d, int size)
    {
        uint a = c.ReadOp0ForWrite(d, size, out uint off);
        c.WriteOp0At(d, size, off, ~a & Cpu.SizeMask(size)); // NOT changes no flags
    }

    [HandlesMnemonic(Mnemonic.Not, 1)] static void Not8(Cpu c, DecodedInstruction d) => Not(c, d, 1);
    [HandlesMnemonic(Mnemonic.Not, 2)] static void Not16(Cpu c, DecodedInstruction d) => Not(c, d, 2);
    [HandlesMnemonic(Mnemonic.Not, 4)] static void Not32(Cpu c, DecodedInstruction d) => Not(c, d, 4);
}
