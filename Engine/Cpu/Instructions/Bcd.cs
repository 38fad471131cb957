using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// DAA DAS AAA AAS AAM AAD (SDM Vol. 2 pseudocode, 386 and later: AAA/AAS adjust AX as a whole, so a carry or
/// borrow out of AL propagates into AH).
/// </summary>
/// <remarks>
/// Undefined-flag choices (Bochs, "validated against Intel Pentium family hardware" / "seems to match the P6"):
/// <list type="bullet">
/// <item>DAA/DAS: OF = 0.</item>
/// <item>AAA/AAS: OF = 0; SF ZF PF from the final AL (after the AND 0Fh), so SF = 0.</item>
/// <item>AAM/AAD: OF = AF = CF = 0.</item>
/// </list>
/// </remarks>
internal static class Bcd
{
    private static byte Al(Cpu c) => (byte)c.R[0];

    /// <summary>DAA (SDM): adjust AL after a packed-BCD addition.</summary>
    [Handles(Code.Daa)]
    static void Daa(Cpu c, DecodedInstruction d)
    {
        byte oldAl = Al(c), al = oldAl;
        bool oldCf = c.GetCF(), cf = false, af = false;
        if ((al & 0x0F) > 9 || c.GetAF())
        {
            cf = oldCf || al > 0xF9; // carry out of AL + 6
            al += 6;
            af = true;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al += 0x60;
            cf = true;
        }
        else cf = false;
        c.SetReg8(0, al);
        c.SetArithFlags(Cpu.SzpFlags(al, 8) | (cf ? Cpu.CF : 0) | (af ? Cpu.AF : 0)); // OF = 0 (undefined; Bochs)
    }

    /// <summary>DAS (SDM): adjust AL after a packed-BCD subtraction. Unlike DAA, CF is not cleared when the high digit needs no adjustment.</summary>
    [Handles(Code.Das)]
    static void Das(Cpu c, DecodedInstruction d)
    {
        byte oldAl = Al(c), al = oldAl;
        bool oldCf = c.GetCF(), cf = false, af = false;
        if ((al & 0x0F) > 9 || c.GetAF())
        {
            cf = oldCf || al < 6; // borrow from AL - 6
            al -= 6;
            af = true;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al -= 0x60;
            cf = true;
        }
        c.SetReg8(0, al);
        c.SetArithFlags(Cpu.SzpFlags(al, 8) | (cf ? Cpu.CF : 0) | (af ? Cpu.AF : 0)); // OF = 0 (undefined; Bochs)
    }

    /// <summary>AAA (SDM): if AL low digit &gt; 9 or AF, AX += 106h and AF = CF = 1, else AF = CF = 0; then AL &amp;= 0Fh.</summary>
    [Handles(Code.Aaa)]
    static void Aaa(Cpu c, DecodedInstruction d) => AsciiAdjust(c, 0x106);

    /// <summary>AAS (SDM): if AL low digit &gt; 9 or AF, AX -= 6, AH -= 1 (together AX -= 106h), AF = CF = 1; then AL &amp;= 0Fh.</summary>
    [Handles(Code.Aas)]
    static void Aas(Cpu c, DecodedInstruction d) => AsciiAdjust(c, unchecked((ushort)-0x106));

    private static void AsciiAdjust(Cpu c, ushort delta)
    {
        ushort ax = (ushort)c.R[0];
        bool adjust = (ax & 0x0F) > 9 || c.GetAF();
        if (adjust) ax = (ushort)(ax + delta);
        ax &= 0xFF0F;
        c.SetReg16(0, ax);
        // SF ZF PF from the final AL, OF = 0 (undefined; Bochs)
        c.SetArithFlags(Cpu.SzpFlags(ax & 0xFFu, 8) | (adjust ? Cpu.CF | Cpu.AF : 0));
    }

    /// <summary>AAM imm8 (SDM): AH = AL / imm8, AL = AL mod imm8; imm8 = 0 raises #DE with AX unchanged.</summary>
    [Handles(Code.Aam_imm8)]
    static void Aam(Cpu c, DecodedInstruction d)
    {
        uint imm = d.Immediate & 0xFF;
        if (imm == 0) throw CpuException.DE();
        uint al = c.R[0] & 0xFF;
        uint result = (al / imm) << 8 | (al % imm);
        c.SetReg16(0, (ushort)result);
        c.SetArithFlags(Cpu.SzpFlags(result & 0xFF, 8)); // OF AF CF = 0 (undefined; Bochs)
    }

    /// <summary>AAD imm8 (SDM): AL = (AL + AH × imm8) AND FFh, AH = 0.</summary>
    [Handles(Code.Aad_imm8)]
    static void Aad(Cpu c, DecodedInstruction d)
    {
        uint imm = d.Immediate & 0xFF;
        uint al = ((c.R[0] & 0xFF) + ((c.R[0] >> 8) & 0xFF) * imm) & 0xFF;
        c.SetReg16(0, (ushort)al);
        c.SetArithFlags(Cpu.SzpFlags(al, 8)); // OF AF CF = 0 (undefined; Bochs)
    }
}
