using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>Jcc, JCXZ/JECXZ, LOOP/LOOPE/LOOPNE, JMP near (SDM Vol. 2). Targets are already masked to the operand size by the decoder.</summary>
internal static class ConditionalBranch
{
    /// <summary>A taken near branch: a target beyond the CS limit is #GP(0) at the branch (SDM Jcc/JMP/LOOP).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Jump(Cpu c, uint target)
    {
        if (target > c.Segments[(int)SegmentRegister.CS].Limit) throw CpuException.GP(0);
        c.Eip = target;
    }

    [Handles(Code.Jo_rel8_16, Code.Jo_rel8_32, Code.Jo_rel16, Code.Jo_rel32_32)] static void Jo(Cpu c, DecodedInstruction d) { if (c.GetOF()) Jump(c, d.Immediate); }
    [Handles(Code.Jno_rel8_16, Code.Jno_rel8_32, Code.Jno_rel16, Code.Jno_rel32_32)] static void Jno(Cpu c, DecodedInstruction d) { if (!c.GetOF()) Jump(c, d.Immediate); }
    [Handles(Code.Jb_rel8_16, Code.Jb_rel8_32, Code.Jb_rel16, Code.Jb_rel32_32)] static void Jb(Cpu c, DecodedInstruction d) { if (c.GetCF()) Jump(c, d.Immediate); }
    [Handles(Code.Jae_rel8_16, Code.Jae_rel8_32, Code.Jae_rel16, Code.Jae_rel32_32)] static void Jae(Cpu c, DecodedInstruction d) { if (!c.GetCF()) Jump(c, d.Immediate); }
    [Handles(Code.Je_rel8_16, Code.Je_rel8_32, Code.Je_rel16, Code.Je_rel32_32)] static void Je(Cpu c, DecodedInstruction d) { if (c.GetZF()) Jump(c, d.Immediate); }
    [Handles(Code.Jne_rel8_16, Code.Jne_rel8_32, Code.Jne_rel16, Code.Jne_rel32_32)] static void Jne(Cpu c, DecodedInstruction d) { if (!c.GetZF()) Jump(c, d.Immediate); }
    [Handles(Code.Jbe_rel8_16, Code.Jbe_rel8_32, Code.Jbe_rel16, Code.Jbe_rel32_32)] static void Jbe(Cpu c, DecodedInstruction d) { if (c.Condition(6)) Jump(c, d.Immediate); }
    [Handles(Code.Ja_rel8_16, Code.Ja_rel8_32, Code.Ja_rel16, Code.Ja_rel32_32)] static void Ja(Cpu c, DecodedInstruction d) { if (c.Condition(7)) Jump(c, d.Immediate); }
    [Handles(Code.Js_rel8_16, Code.Js_rel8_32, Code.Js_rel16, Code.Js_rel32_32)] static void Js(Cpu c, DecodedInstruction d) { if (c.GetSF()) Jump(c, d.Immediate); }
    [Handles(Code.Jns_rel8_16, Code.Jns_rel8_32, Code.Jns_rel16, Code.Jns_rel32_32)] static void Jns(Cpu c, DecodedInstruction d) { if (!c.GetSF()) Jump(c, d.Immediate); }
    [Handles(Code.Jp_rel8_16, Code.Jp_rel8_32, Code.Jp_rel16, Code.Jp_rel32_32)] static void Jp(Cpu c, DecodedInstruction d) { if (c.GetPF()) Jump(c, d.Immediate); }
    [Handles(Code.Jnp_rel8_16, Code.Jnp_rel8_32, Code.Jnp_rel16, Code.Jnp_rel32_32)] static void Jnp(Cpu c, DecodedInstruction d) { if (!c.GetPF()) Jump(c, d.Immediate); }
    [Handles(Code.Jl_rel8_16, Code.Jl_rel8_32, Code.Jl_rel16, Code.Jl_rel32_32)] static void Jl(Cpu c, DecodedInstruction d) { if (c.Condition(12)) Jump(c, d.Immediate); }
    [Handles(Code.Jge_rel8_16, Code.Jge_rel8_32, Code.Jge_rel16, Code.Jge_rel32_32)] static void Jge(Cpu c, DecodedInstruction d) { if (c.Condition(13)) Jump(c, d.Immediate); }
    [Handles(Code.Jle_rel8_16, Code.Jle_rel8_32, Code.Jle_rel16, Code.Jle_rel32_32)] static void Jle(Cpu c, DecodedInstruction d) { if (c.Condition(14)) Jump(c, d.Immediate); }
    [Handles(Code.Jg_rel8_16, Code.Jg_rel8_32, Code.Jg_rel16, Code.Jg_rel32_32)] static void Jg(Cpu c, DecodedInstruction d) { if (c.Condition(15)) Jump(c, d.Immediate); }

    /// <summary>JMP rel: the target must lie inside CS (SDM: #GP(0) beyond the limit).</summary>
    [Handles(Code.Jmp_rel8_16, Code.Jmp_rel8_32, Code.Jmp_rel16, Code.Jmp_rel32_32)]
    static void JmpRel(Cpu c, DecodedInstruction d) => Jump(c, d.Immediate);

    // Count register: CX with 16-bit addressing, ECX with 32-bit (the address size, SDM LOOP/JCXZ).
    private static bool Addr32(DecodedInstruction d) =>
        d.Code is Code.Jecxz_rel8_16 or Code.Jecxz_rel8_32 or Code.Loop_rel8_16_ECX or Code.Loop_rel8_32_ECX
            or Code.Loope_rel8_16_ECX or Code.Loope_rel8_32_ECX or Code.Loopne_rel8_16_ECX or Code.Loopne_rel8_32_ECX;

    private static uint DecrementCount(Cpu c, DecodedInstruction d)
    {
        if (Addr32(d)) return --c.R[1];
        ushort cx = (ushort)(c.R[1] - 1);
        c.SetReg16(1, cx);
        return cx;
    }

    [Handles(Code.Jcxz_rel8_16, Code.Jcxz_rel8_32, Code.Jecxz_rel8_16, Code.Jecxz_rel8_32)]
    static void Jcxz(Cpu c, DecodedInstruction d) { if ((Addr32(d) ? c.R[1] : (ushort)c.R[1]) == 0) Jump(c, d.Immediate); }

    [Handles(Code.Loop_rel8_16_CX, Code.Loop_rel8_32_CX, Code.Loop_rel8_16_ECX, Code.Loop_rel8_32_ECX)]
    static void Loop(Cpu c, DecodedInstruction d) { if (DecrementCount(c, d) != 0) Jump(c, d.Immediate); }

    [Handles(Code.Loope_rel8_16_CX, Code.Loope_rel8_32_CX, Code.Loope_rel8_16_ECX, Code.Loope_rel8_32_ECX)]
    static void Loope(Cpu c, DecodedInstruction d) { if (DecrementCount(c, d) != 0 && c.GetZF()) Jump(c, d.Immediate); }

    [Handles(Code.Loopne_rel8_16_CX, Code.Loopne_rel8_32_CX, Code.Loopne_rel8_16_ECX, Code.Loopne_rel8_32_ECX)]
    static void Loopne(Cpu c, DecodedInstruction d) { if (DecrementCount(c, d) != 0 && !c.GetZF()) Jump(c, d.Immediate); }
}
