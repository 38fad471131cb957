using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>XADD, CMPXCHG, CMPXCHG8B (486/Pentium; SDM Vol. 2). One CPU, so LOCK needs no extra work.</summary>
internal static class Atomic
{
    private static void Xadd(Cpu c, DecodedInstruction d, int size)
    {
        uint mask = Cpu.SizeMask(size);
        uint dst = c.ReadOp0ForWrite(d, size, out uint off);
        uint src = c.ReadOp1(d, size) & mask;
        uint sum = (dst + src) & mask;
        c.WriteOp1(d, size, dst);        // source register gets the old destination first...
        c.WriteOp0At(d, size, off, sum); // ...so XADD r, r with the same register leaves the sum
        c.SetLazy(LazyOp.Add, size * 8, dst, src, sum);
    }

    [HandlesMnemonic(Mnemonic.Xadd, 1)] static void Xadd8(Cpu c, DecodedInstruction d) => Xadd(c, d, 1);
    [HandlesMnemonic(Mnemonic.Xadd, 2)] static void Xadd16(Cpu c, DecodedInstruction d) => Xadd(c, d, 2);
    [HandlesMnemonic(Mnemonic.Xadd, 4)] static void Xadd32(Cpu c, DecodedInstruction d) => Xadd(c, d, 4);

    /// <summary>CMPXCHG: compare accumulator with the destination (flags as CMP); equal: dest = src; else accumulator = dest. The destination is always written (SDM: a locked cycle writes back the old value).</summary>
    private static void Cmpxchg(Cpu c, DecodedInstruction d, int size)
    {
        uint mask = Cpu.SizeMask(size);
        uint acc = c.R[0] & mask;
        uint dst = c.ReadOp0ForWrite(d, size, out uint off);
        uint res = (acc - dst) & mask;
        c.SetLazy(LazyOp.Sub, size * 8, acc, dst, res);
        if (acc == dst) c.WriteOp0At(d, size, off, c.ReadOp1(d, size));
        else
        {
            c.WriteOp0At(d, size, off, dst);
            c.WriteReg(0, size, dst);
        }
    }

    [HandlesMnemonic(Mnemonic.Cmpxchg, 1)] static void Cmpxchg8(Cpu c, DecodedInstruction d) => Cmpxchg(c, d, 1);
    [HandlesMnemonic(Mnemonic.Cmpxchg, 2)] static void Cmpxchg16(Cpu c, DecodedInstruction d) => Cmpxchg(c, d, 2);
    [HandlesMnemonic(Mnemonic.Cmpxchg, 4)] static void Cmpxchg32(Cpu c, DecodedInstruction d) => Cmpxchg(c, d, 4);

    /// <summary>CMPXCHG8B m64: EDX:EAX vs m64; equal: ZF=1, m64 = ECX:EBX; else ZF=0, EDX:EAX = m64 (and m64 written back). Other flags unchanged. A register operand is #UD (Iced decodes it as invalid).</summary>
    [Handles(Code.Cmpxchg8b_m64)]
    static void Cmpxchg8b(Cpu c, DecodedInstruction d)
    {
        uint off = c.EffectiveAddress(d);
        c.CheckWrite(d.Segment, off, 4);
        c.CheckWrite(d.Segment, (off + 4) & d.AddressMask, 4);
        uint lo = c.ReadMem32(d.Segment, off), hi = c.ReadMem32(d.Segment, (off + 4) & d.AddressMask);
        if (lo == c.R[0] && hi == c.R[2])
        {
            c.WriteMem32(d.Segment, off, c.R[3]);
            c.WriteMem32(d.Segment, (off + 4) & d.AddressMask, c.R[1]);
            c.SetFlagBit(Cpu.ZF, true);
        }
        else
        {
            c.WriteMem32(d.Segment, off, lo);
            c.WriteMem32(d.Segment, (off + 4) & d.AddressMask, hi);
            c.R[0] = lo; c.R[2] = hi;
            c.SetFlagBit(Cpu.ZF, false);
        }
    }
}
