using Iced.Intel;

namespace VirtLab.Engine.Assembly;

/// <summary>
/// Chooses the forms of an instruction that can take the parsed operands (once per statement: operand
/// shapes, sizes, prefixes), following nasm's rules for unsized operands.
/// </summary>
internal static class InstructionMatcher
{
    /// <summary>
    /// Codes whose r32/m16 operand also takes a 16-bit register: nasm writes LAR/LSL r32, r16, MOV Sreg, r16 and
    /// LTR/LLDT/VERR/VERW/LMSW r16 without a 66h prefix in 32-bit code (the operand size does not matter to them).
    /// </summary>
    private static bool WidensR16(Code c) => c is Code.Lar_r32_r32m16 or Code.Lsl_r32_r32m16 or Code.Mov_Sreg_r32m16
        or Code.Ltr_r32m16 or Code.Lldt_r32m16 or Code.Verr_r32m16 or Code.Verw_r32m16 or Code.Lmsw_r32m16 or Code.Arpl_r32m16_r32;
    /// <summary>MOV Sreg, r/m16 also takes a 32-bit register (MOV DS, EAX is 8E D8 in both modes).</summary>
    private static bool NarrowsR32(Code c) => c == Code.Mov_Sreg_rm16;

    public static List<Candidate> StaticCandidates(InstructionStmt s)
    {
        var ops = s.Operands;
        bool commutative = ops.Count == 2 && s.AllForms.Length > 0 && s.AllForms[0].Info.Mnemonic is Mnemonic.Xchg or Mnemonic.Test;
        bool swapFirst = commutative && s.AllForms[0].Info.Mnemonic == Mnemonic.Xchg;
        var list = new List<Candidate>();
        var orders = !commutative ? new[] { false } : swapFirst ? new[] { true, false } : new[] { false, true };
        foreach (bool swapped in orders)
            foreach (var f in s.AllForms)
            {
                if (f.Explicit.Length != ops.Count) continue;
                if (!FormMatches(s, f, swapped, s.Bits)) continue;
                list.Add(new Candidate(f, swapped));
            }
        if (list.Count == 0) throw NoForm(s);

        // unsized memory operand: the forms must agree on its size (nasm: "operation size not specified"),
        // except near/far JMP and CALL, which take the default size
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Type != OperandType.Memory || op.Size != 0) continue;
            var sizes = list.Select(c => MemoryBytesFor(c.Form)).Where(b => b > 0).Distinct().Count();
            if (sizes > 1 && !list.All(c => c.Form.IsIndirectBranch))
                throw new AsmError(op.At.Origin, op.At.Column, $"operation size not specified: write byte, word or dword before the memory operand of {s.Mnemonic.ToUpperInvariant()}");
        }

        // nothing gives the operand size: the default size of the mode (PUSH 1, RET, PUSHF, JMP label, LGDT [x] ...)
        bool sized = s.OperandSizePrefix != 0 || ops.Any(o => o.GivesSize && !(o.Type == OperandType.Memory && o.Far));
        if (!sized && list.Select(c => c.Form.OperandSize).Where(x => x != 0).Distinct().Count() > 1)
        {
            var d = list.Where(c => c.Form.OperandSize == 0 || c.Form.OperandSize == s.Bits).ToList();
            if (d.Count > 0) list = d;
        }
        else if (ops.Any(o => o.Type == OperandType.Memory && o.Far && o.Size == 0))
        {
            var d = list.Where(c => c.Form.OperandSize == 0 || c.Form.OperandSize == s.Bits).ToList();
            if (d.Count > 0) list = d;
        }
        if (s.AddressSizePrefix == 0 && list.Select(c => c.Form.AddressSize).Where(x => x != 0).Distinct().Count() > 1)
        {
            var d = list.Where(c => c.Form.AddressSize == 0 || c.Form.AddressSize == s.Bits).ToList();
            if (d.Count > 0) list = d;
        }
        return list;
    }

    private static int MemoryBytesFor(InstructionForm f) => f.IsFarPointerMemory ? f.OperandSize / 8 + 2 : f.MemoryBytes;

    private static bool FormMatches(InstructionStmt s, InstructionForm f, bool swapped, int bits)
    {
        if (s.OperandSizePrefix != 0 && f.OperandSize != 0 && f.OperandSize != s.OperandSizePrefix) return false;
        if (s.AddressSizePrefix != 0 && f.AddressSize != 0 && f.AddressSize != s.AddressSizePrefix) return false;
        for (int j = 0; j < f.Explicit.Length; j++)
        {
            var op = s.Operands[swapped ? f.Explicit.Length - 1 - j : j];
            if (!OperandMatches(op, f.Kinds[f.Explicit[j]], f)) return false;
        }
        return true;
    }

    private static bool RegSizeOk(Operand op, int bytes) => op.Size == 0 || op.Size == bytes;

    private static bool OperandMatches(Operand op, OpCodeOperandKind kind, InstructionForm f)
    {
        switch (op.Type)
        {
            case OperandType.Register:
                {
                    var r = op.Reg;
                    switch (kind)
                    {
                        case OpCodeOperandKind.r8_reg: case OpCodeOperandKind.r8_opcode: case OpCodeOperandKind.r8_or_mem:
                            return Registers.IsGpr8(r) && RegSizeOk(op, 1);
                        case OpCodeOperandKind.r16_reg: case OpCodeOperandKind.r16_rm: case OpCodeOperandKind.r16_opcode:
                        case OpCodeOperandKind.r16_reg_mem:
                            return Registers.IsGpr16(r) && RegSizeOk(op, 2);
                        case OpCodeOperandKind.r16_or_mem:
                            return (Registers.IsGpr16(r) || (NarrowsR32(f.Code) && Registers.IsGpr32(r))) && (op.Size == 0 || op.Size == Registers.GprSize(r));
                        case OpCodeOperandKind.r32_reg when f.Code == Code.Arpl_r32m16_r32:
                            return Registers.IsGpr16(r) || Registers.IsGpr32(r);
                        case OpCodeOperandKind.r32_reg: case OpCodeOperandKind.r32_rm: case OpCodeOperandKind.r32_opcode:
                        case OpCodeOperandKind.r32_reg_mem:
                            return Registers.IsGpr32(r) && RegSizeOk(op, 4);
                        case OpCodeOperandKind.r32_or_mem:
                            return (Registers.IsGpr32(r) || (WidensR16(f.Code) && Registers.IsGpr16(r))) && (op.Size == 0 || op.Size == Registers.GprSize(r));
                        case OpCodeOperandKind.seg_reg: return Registers.IsSegment(r);
                        case OpCodeOperandKind.cr_reg: return Registers.IsCr(r);
                        case OpCodeOperandKind.dr_reg: return Registers.IsDr(r);
                        case OpCodeOperandKind.tr_reg: return Registers.IsTr(r);
                        case OpCodeOperandKind.mm_reg: case OpCodeOperandKind.mm_rm: case OpCodeOperandKind.mm_or_mem: return Registers.IsMm(r);
                        case OpCodeOperandKind.xmm_reg: case OpCodeOperandKind.xmm_rm: case OpCodeOperandKind.xmm_or_mem: return Registers.IsXmm(r);
                        case OpCodeOperandKind.sti_opcode: return Registers.IsSt(r);
                        case OpCodeOperandKind.st0: return r == Register.ST0;
                        case OpCodeOperandKind.es: return r == Register.ES;
                        case OpCodeOperandKind.cs: return r == Register.CS;
                        case OpCodeOperandKind.ss: return r == Register.SS;
                        case OpCodeOperandKind.ds: return r == Register.DS;
                        case OpCodeOperandKind.fs: return r == Register.FS;
                        case OpCodeOperandKind.gs: return r == Register.GS;
                        case OpCodeOperandKind.al: return r == Register.AL && RegSizeOk(op, 1);
                        case OpCodeOperandKind.cl: return r == Register.CL && RegSizeOk(op, 1);
                        case OpCodeOperandKind.ax: return r == Register.AX && RegSizeOk(op, 2);
                        case OpCodeOperandKind.dx: return r == Register.DX && RegSizeOk(op, 2);
                        case OpCodeOperandKind.eax: return r == Register.EAX && RegSizeOk(op, 4);
                        default: return false;
                    }
                }
            case OperandType.Memory:
                {
                    bool memKind = kind is OpCodeOperandKind.mem or OpCodeOperandKind.mem_offs || InstructionForm.IsRegOrMem(kind);
                    if (!memKind) return false;
                    if (kind == OpCodeOperandKind.mem_offs && (op.Base != Register.None || op.Index != Register.None || op.DispSize == 1)) return false;
                    if (op.Short || op.Near && !f.IsIndirectBranch) return false;
                    if (op.Far)
                    {
                        if (!f.IsFarPointerMemory) return false;
                        return op.Size == 0 || op.Size * 8 == f.OperandSize;
                    }
                    if (f.IsFarPointerMemory && f.IsIndirectBranch) return false;
                    if (op.Size == 0 || f.MemoryBytes == 0) return true;
                    return op.Size == MemoryBytesFor(f);
                }
            case OperandType.Immediate:
                {
                    if (op.Far) return false;
                    bool branch = kind is OpCodeOperandKind.br16_1 or OpCodeOperandKind.br32_1 or OpCodeOperandKind.br16_2 or OpCodeOperandKind.br32_4
                        or OpCodeOperandKind.xbegin_2 or OpCodeOperandKind.xbegin_4;
                    if (branch)
                    {
                        bool isShort = kind is OpCodeOperandKind.br16_1 or OpCodeOperandKind.br32_1;
                        if (op.Short && !isShort) return false;
                        if (op.Near && isShort) return false;
                        // a size keyword on a jump target makes it near (jmp dword label is 66 E9 in 16-bit code)
                        if (op.Size != 0 && isShort && !op.Short) return false;
                        bool is16 = kind is OpCodeOperandKind.br16_1 or OpCodeOperandKind.br16_2 or OpCodeOperandKind.xbegin_2;
                        return op.Size == 0 || op.Size == (is16 ? 2 : 4);
                    }
                    if (op.Short || op.Near) return false;
                    switch (kind)
                    {
                        case OpCodeOperandKind.imm8: return op.Size is 0 or 1;
                        case OpCodeOperandKind.imm8sex16: return op.Size == 1 || (!op.Strict && op.Size is 0 or 2);
                        case OpCodeOperandKind.imm8sex32: return op.Size == 1 || (!op.Strict && op.Size is 0 or 4);
                        case OpCodeOperandKind.imm16: return op.Size is 0 or 2;
                        case OpCodeOperandKind.imm32: return op.Size is 0 or 4;
                        case OpCodeOperandKind.imm8_const_1: return op.Size == 0 && !op.Strict;
                        default: return false;
                    }
                }
            case OperandType.FarPointer:
                return kind switch
                {
                    OpCodeOperandKind.farbr2_2 => op.Size is 0 or 2,
                    OpCodeOperandKind.farbr4_2 => op.Size is 0 or 4,
                    _ => false,
                };
        }
        return false;
    }

    private static AsmError NoForm(InstructionStmt s)
    {
        string m = s.Mnemonic.ToUpperInvariant();
        var counts = s.AllForms.Select(f => f.Explicit.Length).Distinct().OrderBy(x => x).ToList();
        if (!counts.Contains(s.Operands.Count))
        {
            string expected = string.Join(" or ", counts.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return new AsmError(s.Origin, s.MnemonicToken.Column,
                $"{m} takes {expected} operand{(counts.Count == 1 && counts[0] == 1 ? "" : "s")}, not {s.Operands.Count}");
        }
        var desc = string.Join(", ", s.Operands.Select(Describe));
        var at = s.Operands.Count > 0 ? s.Operands[0].At : s.MnemonicToken;
        string hint = s.OperandSizePrefix != 0 || s.AddressSizePrefix != 0 ? " with the given o16/o32/a16/a32 prefix" : "";
        return new AsmError(s.Origin, at.Column, $"invalid combination of opcode and operands: {m} has no form taking {desc}{hint}");
    }

    public static string Describe(Operand o)
    {
        string size = o.Size switch { 1 => "byte ", 2 => "word ", 4 => "dword ", 6 => "fword ", 8 => "qword ", 10 => "tword ", 16 => "oword ", 0 => "", _ => "" };
        return o.Type switch
        {
            OperandType.Register => Registers.GprSize(o.Reg) switch
            {
                1 => $"8-bit register {o.Reg.ToString().ToLowerInvariant()}",
                2 => $"16-bit register {o.Reg.ToString().ToLowerInvariant()}",
                4 => $"32-bit register {o.Reg.ToString().ToLowerInvariant()}",
                _ => $"register {o.Reg.ToString().ToLowerInvariant()}",
            },
            OperandType.Memory => (o.Far ? "far " : "") + (size.Length > 0 ? size + "memory" : "unsized memory"),
            OperandType.Immediate => (o.Short ? "short " : o.Near ? "near " : "") + (o.Strict ? "strict " : "") + size + "immediate",
            _ => size + "far pointer seg:offset",
        };
    }
}
