using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// ROL ROR RCL RCR SHL/SAL SHR SAR (by 1, CL, imm8) and SHLD SHRD (SDM Vol. 2, "RCL/RCR/ROL/ROR",
/// "SAL/SAR/SHL/SHR", "SHLD", "SHRD"). The count is masked to 5 bits (386 and later); a masked count
/// of 0 changes no flags. Flags are set eagerly.
/// </summary>
/// <remarks>
/// Choices where the SDM leaves flags undefined (all follow Bochs, whose choices match real Intel
/// hardware where it has been compared):
/// <list type="bullet">
/// <item>SHL/SHR/SAR: AF = 0 for any non-zero count (Bochs: SET_FLAGS_OSZAPC_LOGIC).</item>
/// <item>SHL with count &gt; 1: OF = CF XOR MSB(result), the count-1 formula applied to the last step (Bochs; also what a 286 produces).</item>
/// <item>SHR with count &gt; 1: OF = result bit (n-1) XOR bit (n-2), i.e. 0 (Bochs).</item>
/// <item>SAR: OF = 0 for every count (Bochs; the SDM defines 0 for count 1).</item>
/// <item>SHL 8/16-bit with count &gt; width: result 0, CF = 0, OF = 0 (Bochs; a 386 shifts count times, giving the same).</item>
/// <item>ROL/RCL with count &gt; 1: OF = CF XOR MSB(result); ROR/RCR: OF = XOR of the two most significant result bits (Bochs).</item>
/// <item>ROL/ROR 8/16-bit with a masked count that is a non-zero multiple of the width (8, 16, 24): value unchanged, CF and OF set from it as above (Bochs, real hardware).</item>
/// <item>RCL/RCR 8/16-bit rotate modulo 9/17 after the 5-bit mask; a non-zero count that is a multiple of 9/17 leaves the value and CF
/// unchanged and sets OF from them by the formula above (as 80286 silicon does and as Bochs does for ROL/ROR by 8/16/24; Bochs itself
/// leaves OF unchanged there).</item>
/// <item>SHLD/SHRD: AF = 0; OF for count &gt; 1 by the count-1 formula (Bochs).</item>
/// <item>SHLD/SHRD 16-bit with count &gt; 16 (SDM: result and flags undefined): the P6 behaviour Bochs implements — the operand is
/// treated as the 48-bit dest:src:dest and shifted, CF = last bit shifted out. (The Pentium behaves as dest:src:src; Bochs and
/// we prefer the P6 form.)</item>
/// </list>
/// A memory destination is always read (it can fault) and written back, even with a count of 0 (then the value is unchanged),
/// as hardware does for a read-modify-write.
/// </remarks>
internal static class ShiftRotate
{
    private enum Op { Rol, Ror, Rcl, Rcr, Shl, Shr, Sar }

    /// <summary>Count operand: CL for the _CL forms, else the immediate (1 for the "by 1" forms, which Iced reports as an immediate 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Count(Cpu c, DecodedInstruction d) =>
        (d.Kind1 == OperandKind.Register ? c.R[1] : d.Immediate) & 0x1F;

    private static void Execute(Cpu c, DecodedInstruction d, int size, Op op)
    {
        int bits = size * 8;
        uint mask = Cpu.SizeMask(size);
        uint a = c.ReadOp0ForWrite(d, size, out uint off) & mask;
        int count = (int)Count(c, d);
        uint res = a;
        switch (op)
        {
            case Op.Shl:
            {
                if (count == 0) break;
                uint cf = 0, of = 0;
                if (count <= bits)
                {
                    res = (uint)(((ulong)a << count) & mask);
                    cf = (a >> (bits - count)) & 1;
                    of = cf ^ (res >> (bits - 1));
                }
                else res = 0; // 8/16-bit shifted past the width: all bits out, CF = OF = 0 (Bochs)
                c.SetArithFlags(Cpu.SzpFlags(res, bits) | cf | (of != 0 ? Cpu.OF : 0));
                break;
            }
            case Op.Shr:
            {
                if (count == 0) break;
                res = (uint)((ulong)a >> count);
                uint cf = (uint)((ulong)a >> (count - 1)) & 1;
                uint of = (((res << 1) ^ res) >> (bits - 1)) & 1; // count 1: MSB of the original; more: 0
                c.SetArithFlags(Cpu.SzpFlags(res, bits) | cf | (of != 0 ? Cpu.OF : 0));
                break;
            }
            case Op.Sar:
            {
                if (count == 0) break;
                long sa = (int)Cpu.SignExtend(a, size);
                res = (uint)(sa >> count) & mask;
                uint cf = (uint)(sa >> (count - 1)) & 1;
                c.SetArithFlags(Cpu.SzpFlags(res, bits) | cf); // OF = 0
                break;
            }
            case Op.Rol:
            {
                if (count == 0) break;
                int r = count & (bits - 1);
                res = r == 0 ? a : ((a << r) | (a >> (bits - r))) & mask;
                uint cf = res & 1;
                uint of = cf ^ (res >> (bits - 1));
                c.SetFlagsMasked(Cpu.CF | Cpu.OF, cf | (of != 0 ? Cpu.OF : 0));
                break;
            }
            case Op.Ror:
            {
                if (count == 0) break;
                int r = count & (bits - 1);
                res = r == 0 ? a : ((a >> r) | (a << (bits - r))) & mask;
                uint msb = res >> (bits - 1);
                uint of = msb ^ ((res >> (bits - 2)) & 1);
                c.SetFlagsMasked(Cpu.CF | Cpu.OF, msb | (of != 0 ? Cpu.OF : 0));
                break;
            }
            case Op.Rcl:
            case Op.Rcr:
            {
                if (count == 0) break;
                // 8/16-bit: modulo 9/17. A non-zero count that is a multiple of 9/17 leaves value and CF as
                // they are but still sets OF from them (what the 286 silicon in the test vectors does; Bochs leaves OF alone).
                int r = bits == 32 ? count : count % (bits + 1);
                int width = bits + 1;
                ulong wmask = (1UL << width) - 1;
                ulong v = ((c.GetCF() ? 1UL : 0UL) << bits) | a;
                v = op == Op.Rcl
                    ? ((v << r) | (v >> (width - r))) & wmask
                    : ((v >> r) | (v << (width - r))) & wmask;
                res = (uint)v & mask;
                uint cf = (uint)(v >> bits) & 1;
                uint msb = res >> (bits - 1);
                uint of = op == Op.Rcl ? cf ^ msb : msb ^ ((res >> (bits - 2)) & 1);
                c.SetFlagsMasked(Cpu.CF | Cpu.OF, cf | (of != 0 ? Cpu.OF : 0));
                break;
            }
        }
        c.WriteOp0At(d, size, off, res);
    }

    [HandlesMnemonic(Mnemonic.Rol, 1)] static void Rol8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Rol);
    [HandlesMnemonic(Mnemonic.Rol, 2)] static void Rol16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Rol);
    [HandlesMnemonic(Mnemonic.Rol, 4)] static void Rol32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Rol);
    [HandlesMnemonic(Mnemonic.Ror, 1)] static void Ror8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Ror);
    [HandlesMnemonic(Mnemonic.Ror, 2)] static void Ror16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Ror);
    [HandlesMnemonic(Mnemonic.Ror, 4)] static void Ror32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Ror);
    [HandlesMnemonic(Mnemonic.Rcl, 1)] static void Rcl8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Rcl);
    [HandlesMnemonic(Mnemonic.Rcl, 2)] static void Rcl16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Rcl);
    [HandlesMnemonic(Mnemonic.Rcl, 4)] static void Rcl32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Rcl);
    [HandlesMnemonic(Mnemonic.Rcr, 1)] static void Rcr8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Rcr);
    [HandlesMnemonic(Mnemonic.Rcr, 2)] static void Rcr16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Rcr);
    [HandlesMnemonic(Mnemonic.Rcr, 4)] static void Rcr32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Rcr);

    // SAL (/6, undocumented encoding) is SHL (/4) on every 386+.
    [HandlesMnemonic(Mnemonic.Shl, 1), HandlesMnemonic(Mnemonic.Sal, 1)] static void Shl8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Shl);
    [HandlesMnemonic(Mnemonic.Shl, 2), HandlesMnemonic(Mnemonic.Sal, 2)] static void Shl16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Shl);
    [HandlesMnemonic(Mnemonic.Shl, 4), HandlesMnemonic(Mnemonic.Sal, 4)] static void Shl32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Shl);
    [HandlesMnemonic(Mnemonic.Shr, 1)] static void Shr8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Shr);
    [HandlesMnemonic(Mnemonic.Shr, 2)] static void Shr16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Shr);
    [HandlesMnemonic(Mnemonic.Shr, 4)] static void Shr32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Shr);
    [HandlesMnemonic(Mnemonic.Sar, 1)] static void Sar8(Cpu c, DecodedInstruction d) => Execute(c, d, 1, Op.Sar);
    [HandlesMnemonic(Mnemonic.Sar, 2)] static void Sar16(Cpu c, DecodedInstruction d) => Execute(c, d, 2, Op.Sar);
    [HandlesMnemonic(Mnemonic.Sar, 4)] static void Sar32(Cpu c, DecodedInstruction d) => Execute(c, d, 4, Op.Sar);

    // ---- SHLD / SHRD ---------------------------------------------------------------------

    /// <summary>SHLD/SHRD r/m, reg, imm8|CL. Operand 2 is CL (a register) or an imm8.</summary>
    private static void DoubleShift(Cpu c, DecodedInstruction d, int size, bool left)
    {
        uint a = c.ReadOp0ForWrite(d, size, out uint off);
        uint b = c.ReadOp1(d, size);
        int count = (int)((d.Kind2 == OperandKind.Register ? c.R[1] : d.Immediate) & 0x1F);
        if (count == 0) { c.WriteOp0At(d, size, off, a); return; } // no flags change
        uint res, cf, of;
        if (size == 4)
        {
            if (left)
            {
                res = (a << count) | (b >> (32 - count));
                cf = (a >> (32 - count)) & 1;
                of = cf ^ (res >> 31);
            }
            else
            {
                res = (b << (32 - count)) | (a >> count);
                cf = (a >> (count - 1)) & 1;
                of = ((res >> 31) ^ (res >> 30)) & 1;
            }
        }
        else if (left)
        {
            uint t = (a << 16) | b;           // dest:src
            uint r32 = t << count;
            if (count > 16) r32 |= a << (count - 16); // undefined count > 16: dest:src:dest (P6, Bochs)
            res = r32 >> 16;
            cf = (t >> (32 - count)) & 1;
            of = cf ^ (res >> 15);
        }
        else
        {
            uint t = (b << 16) | a;           // src:dest
            uint r32 = t >> count;
            if (count > 16) r32 |= a << (32 - count); // undefined count > 16: dest:src:dest (P6, Bochs)
            res = r32 & 0xFFFF;
            cf = count > 16 ? (b >> (count - 17)) & 1 : (a >> (count - 1)) & 1;
            of = ((res >> 15) ^ (res >> 14)) & 1;
        }
        c.WriteOp0At(d, size, off, res);
        c.SetArithFlags(Cpu.SzpFlags(res, size * 8) | cf | (of != 0 ? Cpu.OF : 0)); // AF = 0
    }

    [Handles(Code.Shld_rm16_r16_imm8, Code.Shld_rm16_r16_CL)] static void Shld16(Cpu c, DecodedInstruction d) => DoubleShift(c, d, 2, true);
    [Handles(Code.Shld_rm32_r32_imm8, Code.Shld_rm32_r32_CL)] static void Shld32(Cpu c, DecodedInstruction d) => DoubleShift(c, d, 4, true);
    [Handles(Code.Shrd_rm16_r16_imm8, Code.Shrd_rm16_r16_CL)] static void Shrd16(Cpu c, DecodedInstruction d) => DoubleShift(c, d, 2, false);
    [Handles(Code.Shrd_rm32_r32_imm8, Code.Shrd_rm32_r32_CL)] static void Shrd32(Cpu c, DecodedInstruction d) => DoubleShift(c, d, 4, false);
}
