using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// BT BTS BTR BTC, BSF BSR, SETcc, CMOVcc (SDM Vol. 2).
/// </summary>
/// <remarks>
/// Undefined-flag choices (Bochs):
/// <list type="bullet">
/// <item>BT/BTS/BTR/BTC: only CF is written; OF SF AF PF (undefined) and ZF (unaffected) keep their values.</item>
/// <item>BSF/BSR with a non-zero source: ZF = 0, CF = OF = AF = 0, SF and PF from the index written (SF is therefore 0).</item>
/// <item>BSF/BSR with a zero source: ZF = 1, the destination is left unchanged (what every Intel and AMD part does;
/// the SDM says "undefined"), and the other flags keep their values.</item>
/// </list>
/// </remarks>
internal static class BitOps
{
    private enum BitOp { Test, Set, Reset, Complement }

    /// <summary>
    /// BT family. Immediate bit offset: taken modulo the operand size. Register bit offset with a register
    /// operand: modulo the operand size. Register bit offset with a memory operand: a signed offset
    /// (16 or 32 bits) from the bit base, so the word/dword accessed is at EA + operand size × (offset SAR 4 or 5)
    /// (SDM Vol. 2 BT, "bit base / bit offset"; as Bochs and the 386 do it), wrapped to the address size.
    /// </summary>
    private static void BitInstruction(Cpu c, DecodedInstruction d, int size, BitOp op)
    {
        int bits = size * 8;
        int bit;
        uint value, offset = 0;
        bool memory = d.Kind0 == OperandKind.Memory;
        if (d.Kind1 == OperandKind.Immediate)
        {
            bit = (int)(d.Immediate & (uint)(bits - 1));
            value = op == BitOp.Test ? c.ReadOp0(d, size) : c.ReadOp0ForWrite(d, size, out offset);
        }
        else
        {
            uint bitOffset = c.ReadOp1(d, size);
            bit = (int)(bitOffset & (uint)(bits - 1));
            if (!memory)
                value = c.ReadOp0(d, size);
            else
            {
                int signedOffset = size == 2 ? (short)bitOffset : (int)bitOffset;
                int displacement = size == 2 ? (signedOffset >> 4) * 2 : (signedOffset >> 5) * 4;
                offset = (c.EffectiveAddress(d) + (uint)displacement) & d.AddressMask;
                value = c.ReadMem(d.Segment, offset, size);
            }
        }
        bool old = ((value >> bit) & 1) != 0;
        if (op != BitOp.Test)
        {
            uint m = 1u << bit;
            uint nv = op switch { BitOp.Set => value | m, BitOp.Reset => value & ~m, _ => value ^ m };
            if (memory) c.WriteMem(d.Segment, offset, size, nv);
            else c.WriteOp0(d, size, nv);
        }
        c.SetFlagBit(Cpu.CF, old);
    }

    [Handles(Code.Bt_rm16_r16, Code.Bt_rm16_imm8)] static void Bt16(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 2, BitOp.Test);
    [Handles(Code.Bt_rm32_r32, Code.Bt_rm32_imm8)] static void Bt32(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 4, BitOp.Test);
    [Handles(Code.Bts_rm16_r16, Code.Bts_rm16_imm8)] static void Bts16(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 2, BitOp.Set);
    [Handles(Code.Bts_rm32_r32, Code.Bts_rm32_imm8)] static void Bts32(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 4, BitOp.Set);
    [Handles(Code.Btr_rm16_r16, Code.Btr_rm16_imm8)] static void Btr16(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 2, BitOp.Reset);
    [Handles(Code.Btr_rm32_r32, Code.Btr_rm32_imm8)] static void Btr32(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 4, BitOp.Reset);
    [Handles(Code.Btc_rm16_r16, Code.Btc_rm16_imm8)] static void Btc16(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 2, BitOp.Complement);
    [Handles(Code.Btc_rm32_r32, Code.Btc_rm32_imm8)] static void Btc32(Cpu c, DecodedInstruction d) => BitInstruction(c, d, 4, BitOp.Complement);

    // ---- BSF / BSR ------------------------------------------------------------------------

    private static void BitScan(Cpu c, DecodedInstruction d, int size, bool reverse)
    {
        uint src = c.ReadOp1(d, size);
        if (src == 0)
        {
            c.SetFlagBit(Cpu.ZF, true); // destination unchanged, other flags unchanged (Bochs)
            return;
        }
        uint index = reverse ? (uint)(31 - System.Numerics.BitOperations.LeadingZeroCount(src))
                             : (uint)System.Numerics.BitOperations.TrailingZeroCount(src);
        c.WriteOp0(d, size, index);
        c.SetArithFlags(Cpu.SzpFlags(index, size * 8) & ~Cpu.ZF); // CF OF AF = 0, SF PF from the index, ZF = 0
    }

    [Handles(Code.Bsf_r16_rm16)] static void Bsf16(Cpu c, DecodedInstruction d) => BitScan(c, d, 2, false);
    [Handles(Code.Bsf_r32_rm32)] static void Bsf32(Cpu c, DecodedInstruction d) => BitScan(c, d, 4, false);
    [Handles(Code.Bsr_r16_rm16)] static void Bsr16(Cpu c, DecodedInstruction d) => BitScan(c, d, 2, true);
    [Handles(Code.Bsr_r32_rm32)] static void Bsr32(Cpu c, DecodedInstruction d) => BitScan(c, d, 4, true);

    // ---- SETcc r/m8 (0F 90-9F): 1 if the condition holds, else 0; flags unchanged ----------

    private static void Set(Cpu c, DecodedInstruction d, int cc) => c.WriteOp0(d, 1, c.Condition(cc) ? 1u : 0u);

    [Handles(Code.Seto_rm8)] static void Seto(Cpu c, DecodedInstruction d) => Set(c, d, 0);
    [Handles(Code.Setno_rm8)] static void Setno(Cpu c, DecodedInstruction d) => Set(c, d, 1);
    [Handles(Code.Setb_rm8)] static void Setb(Cpu c, DecodedInstruction d) => Set(c, d, 2);
    [Handles(Code.Setae_rm8)] static void Setae(Cpu c, DecodedInstruction d) => Set(c, d, 3);
    [Handles(Code.Sete_rm8)] static void Sete(Cpu c, DecodedInstruction d) => Set(c, d, 4);
    [Handles(Code.Setne_rm8)] static void Setne(Cpu c, DecodedInstruction d) => Set(c, d, 5);
    [Handles(Code.Setbe_rm8)] static void Setbe(Cpu c, DecodedInstruction d) => Set(c, d, 6);
    [Handles(Code.Seta_rm8)] static void Seta(Cpu c, DecodedInstruction d) => Set(c, d, 7);
    [Handles(Code.Sets_rm8)] static void Sets(Cpu c, DecodedInstruction d) => Set(c, d, 8);
    [Handles(Code.Setns_rm8)] static void Setns(Cpu c, DecodedInstruction d) => Set(c, d, 9);
    [Handles(Code.Setp_rm8)] static void Setp(Cpu c, DecodedInstruction d) => Set(c, d, 10);
    [Handles(Code.Setnp_rm8)] static void Setnp(Cpu c, DecodedInstruction d) => Set(c, d, 11);
    [Handles(Code.Setl_rm8)] static void Setl(Cpu c, DecodedInstruction d) => Set(c, d, 12);
    [Handles(Code.Setge_rm8)] static void Setge(Cpu c, DecodedInstruction d) => Set(c, d, 13);
    [Handles(Code.Setle_rm8)] static void Setle(Cpu c, DecodedInstruction d) => Set(c, d, 14);
    [Handles(Code.Setg_rm8)] static void Setg(Cpu c, DecodedInstruction d) => Set(c, d, 15);

    // ---- CMOVcc r16/r32, r/m (0F 40-4F) ------------------------------------------------------
    // The source is always read, so a memory source can fault even when the condition is false.
    // With a false condition the destination is not written (outside 64-bit mode a 32-bit
    // destination keeps its value; there are no upper halves to clear here). Flags unchanged.

    private static void Cmov(Cpu c, DecodedInstruction d, int size, int cc)
    {
        uint v = c.ReadOp1(d, size);
        if (c.Condition(cc)) c.WriteOp0(d, size, v);
    }

    [Handles(Code.Cmovo_r16_rm16)] static void Cmovo16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 0);
    [Handles(Code.Cmovno_r16_rm16)] static void Cmovno16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 1);
    [Handles(Code.Cmovb_r16_rm16)] static void Cmovb16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 2);
    [Handles(Code.Cmovae_r16_rm16)] static void Cmovae16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 3);
    [Handles(Code.Cmove_r16_rm16)] static void Cmove16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 4);
    [Handles(Code.Cmovne_r16_rm16)] static void Cmovne16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 5);
    [Handles(Code.Cmovbe_r16_rm16)] static void Cmovbe16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 6);
    [Handles(Code.Cmova_r16_rm16)] static void Cmova16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 7);
    [Handles(Code.Cmovs_r16_rm16)] static void Cmovs16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 8);
    [Handles(Code.Cmovns_r16_rm16)] static void Cmovns16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 9);
    [Handles(Code.Cmovp_r16_rm16)] static void Cmovp16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 10);
    [Handles(Code.Cmovnp_r16_rm16)] static void Cmovnp16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 11);
    [Handles(Code.Cmovl_r16_rm16)] static void Cmovl16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 12);
    [Handles(Code.Cmovge_r16_rm16)] static void Cmovge16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 13);
    [Handles(Code.Cmovle_r16_rm16)] static void Cmovle16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 14);
    [Handles(Code.Cmovg_r16_rm16)] static void Cmovg16(Cpu c, DecodedInstruction d) => Cmov(c, d, 2, 15);
    [Handles(Code.Cmovo_r32_rm32)] static void Cmovo32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 0);
    [Handles(Code.Cmovno_r32_rm32)] static void Cmovno32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 1);
    [Handles(Code.Cmovb_r32_rm32)] static void Cmovb32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 2);
    [Handles(Code.Cmovae_r32_rm32)] static void Cmovae32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 3);
    [Handles(Code.Cmove_r32_rm32)] static void Cmove32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 4);
    [Handles(Code.Cmovne_r32_rm32)] static void Cmovne32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 5);
    [Handles(Code.Cmovbe_r32_rm32)] static void Cmovbe32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 6);
    [Handles(Code.Cmova_r32_rm32)] static void Cmova32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 7);
    [Handles(Code.Cmovs_r32_rm32)] static void Cmovs32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 8);
    [Handles(Code.Cmovns_r32_rm32)] static void Cmovns32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 9);
    [Handles(Code.Cmovp_r32_rm32)] static void Cmovp32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 10);
    [Handles(Code.Cmovnp_r32_rm32)] static void Cmovnp32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 11);
    [Handles(Code.Cmovl_r32_rm32)] static void Cmovl32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 12);
    [Handles(Code.Cmovge_r32_rm32)] static void Cmovge32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 13);
    [Handles(Code.Cmovle_r32_rm32)] static void Cmovle32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 14);
    [Handles(Code.Cmovg_r32_rm32)] static void Cmovg32(Cpu c, DecodedInstruction d) => Cmov(c, d, 4, 15);
}
