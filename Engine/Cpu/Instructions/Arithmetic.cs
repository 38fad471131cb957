using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>ADD ADC SUB SBB CMP INC DEC NEG (SDM Vol. 2). Flags lazy for ADD/SUB/CMP/INC/DEC/NEG, eager for ADC/SBB.</summary>
internal static class Arithmetic
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(Cpu c, DecodedInstruction d, int size)
    {
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off), b = c.ReadOp1(d, size) & mask;
        uint r = (a + b) & mask;
        c.WriteOp0At(d, size, off, r);
        c.SetLazy(LazyOp.Add, size * 8, a, b, r);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sub(Cpu c, DecodedInstruction d, int size, bool write)
    {
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off), b = c.ReadOp1(d, size) & mask;
        uint r = (a - b) & mask;
        if (write) c.WriteOp0At(d, size, off, r);
        c.SetLazy(LazyOp.Sub, size * 8, a, b, r);
    }

    /// <summary>ADC/SBB flags computed eagerly from the full-width result (SDM: CF = carry/borrow out including CF in).</summary>
    private static void AddWithCarry(Cpu c, DecodedInstruction d, int size, bool subtract)
    {
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off), b = c.ReadOp1(d, size) & mask;
        uint cin = c.GetCF() ? 1u : 0u;
        ulong wide = subtract ? (ulong)a - b - cin : (ulong)a + b + cin;
        uint r = (uint)wide & mask;
        c.WriteOp0At(d, size, off, r);
        int bits = size * 8;
        bool cf = subtract ? (ulong)b + cin > a : (wide >> bits) != 0;
        uint of = subtract ? ((a ^ b) & (a ^ r)) : ((a ^ r) & (b ^ r));
        uint flags = Cpu.SzpFlags(r, bits) | (cf ? Cpu.CF : 0) | ((a ^ b ^ r) & 0x10) | (((of >> (bits - 1)) & 1) != 0 ? Cpu.OF : 0);
        c.SetArithFlags(flags);
    }

    [HandlesMnemonic(Mnemonic.Add, 1)] static void Add8(Cpu c, DecodedInstruction d) => Add(c, d, 1);
    [HandlesMnemonic(Mnemonic.Add, 2)] static void Add16(Cpu c, DecodedInstruction d) => Add(c, d, 2);
    [HandlesMnemonic(Mnemonic.Add, 4)] static void Add32(Cpu c, DecodedInstruction d) => Add(c, d, 4);
    [HandlesMnemonic(Mnemonic.Sub, 1)] static void Sub8(Cpu c, DecodedInstruction d) => Sub(c, d, 1, true);
    [HandlesMnemonic(Mnemonic.Sub, 2)] static void Sub16(Cpu c, DecodedInstruction d) => Sub(c, d, 2, true);
    [HandlesMnemonic(Mnemonic.Sub, 4)] static void Sub32(Cpu c, DecodedInstruction d) => Sub(c, d, 4, true);
    [HandlesMnemonic(Mnemonic.Cmp, 1)] static void Cmp8(Cpu c, DecodedInstruction d) => Sub(c, d, 1, false);
    [HandlesMnemonic(Mnemonic.Cmp, 2)] static void Cmp16(Cpu c, DecodedInstruction d) => Sub(c, d, 2, false);
    [HandlesMnemonic(Mnemonic.Cmp, 4)] static void Cmp32(Cpu c, DecodedInstruction d) => Sub(c, d, 4, false);
    [HandlesMnemonic(Mnemonic.Adc, 1)] static void Adc8(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 1, false);
    [HandlesMnemonic(Mnemonic.Adc, 2)] static void Adc16(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 2, false);
    [HandlesMnemonic(Mnemonic.Adc, 4)] static void Adc32(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 4, false);
    [HandlesMnemonic(Mnemonic.Sbb, 1)] static void Sbb8(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 1, true);
    [HandlesMnemonic(Mnemonic.Sbb, 2)] static void Sbb16(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 2, true);
    [HandlesMnemonic(Mnemonic.Sbb, 4)] static void Sbb32(Cpu c, DecodedInstruction d) => AddWithCarry(c, d, 4, true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void IncDec(Cpu c, DecodedInstruction d, int size, bool dec)
    {
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off);
        uint r = (dec ? a - 1 : a + 1) & mask;
        c.WriteOp0At(d, size, off, r);
        c.SetLazyKeepCarry(dec ? LazyOp.Sub : LazyOp.Add, size * 8, a, 1, r);
    }

    [HandlesMnemonic(Mnemonic.Inc, 1)] static void Inc8(Cpu c, DecodedInstruction d) => IncDec(c, d, 1, false);
    [HandlesMnemonic(Mnemonic.Inc, 2)] static void Inc16(Cpu c, DecodedInstruction d) => IncDec(c, d, 2, false);
    [HandlesMnemonic(Mnemonic.Inc, 4)] static void Inc32(Cpu c, DecodedInstruction d) => IncDec(c, d, 4, false);
    [HandlesMnemonic(Mnemonic.Dec, 1)] static void Dec8(Cpu c, DecodedInstruction d) => IncDec(c, d, 1, true);
    [HandlesMnemonic(Mnemonic.Dec, 2)] static void Dec16(Cpu c, DecodedInstruction d) => IncDec(c, d, 2, true);
    [HandlesMnemonic(Mnemonic.Dec, 4)] static void Dec32(Cpu c, DecodedInstruction d) => IncDec(c, d, 4, true);

    private static void Neg(Cpu c, DecodedInstruction d, int size)
    {
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off);
        uint r = (0 - a) & mask;
        c.WriteOp0At(d, size, off, r);
        c.SetLazy(LazyOp.Sub, size * 8, 0, a, r);
    }

    [HandlesMnemonic(Mnemonic.Neg, 1)] static void Neg8(Cpu c, DecodedInstruction d) => Neg(c, d, 1);
    [HandlesMnemonic(Mnemonic.Neg, 2)] static void Neg16(Cpu c, DecodedInstruction d) => Neg(c, d, 2);
    [HandlesMnemonic(Mnemonic.Neg, 4)] static void Neg32(Cpu c, DecodedInstruction d) => Neg(c, d, 4);
}
