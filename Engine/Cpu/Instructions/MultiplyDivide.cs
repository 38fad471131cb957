using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// MUL, IMUL (one-, two- and three-operand), DIV, IDIV for 8/16/32-bit operands (SDM Vol. 2).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>MUL/IMUL: CF = OF = 1 when the high half is significant (MUL: non-zero; IMUL: not the sign extension of the low half).
/// SF ZF AF PF are undefined: SF ZF PF from the low half of the product (the destination for the 2/3-operand forms), AF = 0 (Bochs).</item>
/// <item>DIV/IDIV: all six arithmetic flags are undefined; they are left unchanged (Bochs).</item>
/// <item>#DE for a zero divisor or a quotient that does not fit (including IDIV of the most negative dividend by -1).
/// It is raised before anything is written: no register changes.</item>
/// <item>IDIV quotients truncate toward zero; the remainder has the dividend's sign. The full range -2^(n-1)..2^(n-1)-1
/// of quotients is accepted (the 386 and later; the 8086 refused the most negative one).</item>
/// </list>
/// </remarks>
internal static class MultiplyDivide
{
    private static void SetMulFlags(Cpu c, uint low, int bits, bool overflow) =>
        c.SetArithFlags(Cpu.SzpFlags(low, bits) | (overflow ? Cpu.CF | Cpu.OF : 0));

    // ---- MUL (unsigned): AX = AL * r/m8; DX:AX = AX * r/m16; EDX:EAX = EAX * r/m32 --------

    [Handles(Code.Mul_rm8)]
    static void Mul8(Cpu c, DecodedInstruction d)
    {
        uint p = (c.R[0] & 0xFF) * c.ReadOp0(d, 1);
        c.SetReg16(0, (ushort)p);
        SetMulFlags(c, p & 0xFF, 8, (p >> 8) != 0);
    }

    [Handles(Code.Mul_rm16)]
    static void Mul16(Cpu c, DecodedInstruction d)
    {
        uint p = (c.R[0] & 0xFFFF) * c.ReadOp0(d, 2);
        c.SetReg16(0, (ushort)p);
        c.SetReg16(2, (ushort)(p >> 16));
        SetMulFlags(c, p & 0xFFFF, 16, (p >> 16) != 0);
    }

    [Handles(Code.Mul_rm32)]
    static void Mul32(Cpu c, DecodedInstruction d)
    {
        ulong p = (ulong)c.R[0] * c.ReadOp0(d, 4);
        c.R[0] = (uint)p;
        c.R[2] = (uint)(p >> 32);
        SetMulFlags(c, (uint)p, 32, (p >> 32) != 0);
    }

    // ---- IMUL one operand (signed, double-width result) ----------------------------------

    [Handles(Code.Imul_rm8)]
    static void Imul8(Cpu c, DecodedInstruction d)
    {
        int p = (sbyte)c.R[0] * (sbyte)c.ReadOp0(d, 1);
        c.SetReg16(0, (ushort)p);
        SetMulFlags(c, (uint)p & 0xFF, 8, p != (sbyte)p);
    }

    [Handles(Code.Imul_rm16)]
    static void Imul16(Cpu c, DecodedInstruction d)
    {
        int p = (short)c.R[0] * (short)c.ReadOp0(d, 2);
        c.SetReg16(0, (ushort)p);
        c.SetReg16(2, (ushort)(p >> 16));
        SetMulFlags(c, (uint)p & 0xFFFF, 16, p != (short)p);
    }

    [Handles(Code.Imul_rm32)]
    static void Imul32(Cpu c, DecodedInstruction d)
    {
        long p = (long)(int)c.R[0] * (int)c.ReadOp0(d, 4);
        c.R[0] = (uint)p;
        c.R[2] = (uint)((ulong)p >> 32);
        SetMulFlags(c, (uint)p, 32, p != (int)p);
    }

    // ---- IMUL r, r/m and IMUL r, r/m, imm (truncated result) -------------------------------

    private static void ImulTruncated(Cpu c, DecodedInstruction d, int size, uint multiplier)
    {
        uint src = c.ReadOp1(d, size);
        if (size == 2)
        {
            int p = (short)src * (short)multiplier;
            c.SetReg16(d.Reg0, (ushort)p);
            SetMulFlags(c, (uint)p & 0xFFFF, 16, p != (short)p);
        }
        else
        {
            long p = (long)(int)src * (int)multiplier;
            c.R[d.Reg0] = (uint)p;
            SetMulFlags(c, (uint)p, 32, p != (int)p);
        }
    }

    [Handles(Code.Imul_r16_rm16)] static void ImulR16(Cpu c, DecodedInstruction d) => ImulTruncated(c, d, 2, c.R[d.Reg0]);
    [Handles(Code.Imul_r32_rm32)] static void ImulR32(Cpu c, DecodedInstruction d) => ImulTruncated(c, d, 4, c.R[d.Reg0]);
    // The immediate is already sign-extended by the decoder for the imm8 forms.
    [Handles(Code.Imul_r16_rm16_imm16, Code.Imul_r16_rm16_imm8)] static void ImulR16Imm(Cpu c, DecodedInstruction d) => ImulTruncated(c, d, 2, d.Immediate);
    [Handles(Code.Imul_r32_rm32_imm32, Code.Imul_r32_rm32_imm8)] static void ImulR32Imm(Cpu c, DecodedInstruction d) => ImulTruncated(c, d, 4, d.Immediate);

    // ---- DIV (unsigned) ---------------------------------------------------------------------

    [Handles(Code.Div_rm8)]
    static void Div8(Cpu c, DecodedInstruction d)
    {
        uint divisor = c.ReadOp0(d, 1);
        if (divisor == 0) throw CpuException.DE();
        uint dividend = c.R[0] & 0xFFFF;
        uint q = dividend / divisor;
        if (q > 0xFF) throw CpuException.DE();
        c.SetReg16(0, (ushort)((dividend % divisor) << 8 | q));
    }

    [Handles(Code.Div_rm16)]
    static void Div16(Cpu c, DecodedInstruction d)
    {
        uint divisor = c.ReadOp0(d, 2);
        if (divisor == 0) throw CpuException.DE();
        uint dividend = (c.R[2] & 0xFFFF) << 16 | (c.R[0] & 0xFFFF);
        uint q = dividend / divisor;
        if (q > 0xFFFF) throw CpuException.DE();
        c.SetReg16(0, (ushort)q);
        c.SetReg16(2, (ushort)(dividend % divisor));
    }

    [Handles(Code.Div_rm32)]
    static void Div32(Cpu c, DecodedInstruction d)
    {
        uint divisor = c.ReadOp0(d, 4);
        if (divisor == 0) throw CpuException.DE();
        ulong dividend = (ulong)c.R[2] << 32 | c.R[0];
        ulong q = dividend / divisor;
        if (q > 0xFFFF_FFFF) throw CpuException.DE();
        c.R[0] = (uint)q;
        c.R[2] = (uint)(dividend % divisor);
    }

    // ---- IDIV (signed) ----------------------------------------------------------------------

    [Handles(Code.Idiv_rm8)]
    static void Idiv8(Cpu c, DecodedInstruction d)
    {
        int divisor = (sbyte)c.ReadOp0(d, 1);
        if (divisor == 0) throw CpuException.DE();
        int dividend = (short)c.R[0];
        int q = dividend / divisor;
        if (q < sbyte.MinValue || q > sbyte.MaxValue) throw CpuException.DE();
        c.SetReg16(0, (ushort)((byte)(dividend % divisor) << 8 | (byte)q));
    }

    [Handles(Code.Idiv_rm16)]
    static void Idiv16(Cpu c, DecodedInstruction d)
    {
        long divisor = (short)c.ReadOp0(d, 2);
        if (divisor == 0) throw CpuException.DE();
        long dividend = (int)((c.R[2] & 0xFFFF) << 16 | (c.R[0] & 0xFFFF));
        long q = dividend / divisor;
        if (q < short.MinValue || q > short.MaxValue) throw CpuException.DE();
        c.SetReg16(0, (ushort)q);
        c.SetReg16(2, (ushort)(dividend % divisor));
    }

    [Handles(Code.Idiv_rm32)]
    static void Idiv32(Cpu c, DecodedInstruction d)
    {
        long divisor = (int)c.ReadOp0(d, 4);
        if (divisor == 0) throw CpuException.DE();
        long dividend = (long)((ulong)c.R[2] << 32 | c.R[0]);
        // long.MinValue / -1 would overflow the host division; its quotient (2^63) cannot fit anyway.
        if (dividend == long.MinValue) throw CpuException.DE();
        long q = dividend / divisor;
        if (q < int.MinValue || q > int.MaxValue) throw CpuException.DE();
        c.R[0] = (uint)q;
        c.R[2] = (uint)(dividend % divisor);
    }
}
