using Iced.Intel;

namespace VirtLab.Engine.Assembly;

/// <summary>One encodable form of an instruction: an Iced <see cref="Code"/> and what its operands accept.</summary>
internal sealed class InstructionForm
{
    public InstructionForm(Code code, int order)
    {
        Code = code;
        Order = order;
        var info = code.ToOpCode();
        Info = info;
        Kinds = new OpCodeOperandKind[info.OpCount];
        for (int i = 0; i < Kinds.Length; i++) Kinds[i] = info.GetOpKind(i);
        bool stringForm = Kinds.Any(k => k is OpCodeOperandKind.seg_rSI or OpCodeOperandKind.es_rDI or OpCodeOperandKind.seg_rDI or OpCodeOperandKind.seg_rBX_al);
        // string instructions and XLATB are written without operands (movsb, lodsw, outsb, xlatb)
        Explicit = stringForm ? Array.Empty<int>() : Enumerable.Range(0, Kinds.Length).ToArray();
        IsString = stringForm;
        OperandSize = info.OperandSize;
        AddressSize = info.AddressSize;
        var probe = new Instruction { Code = code };
        MemorySize = probe.MemorySize;
        MemoryBytes = MemorySize == MemorySize.Unknown ? 0 : MemorySize.GetSize();
        IsFarPointerMemory = MemorySize is MemorySize.SegPtr16 or MemorySize.SegPtr32;
        IsIndirectBranch = info.Mnemonic is Mnemonic.Jmp or Mnemonic.Call && Kinds.Length == 1
            && Kinds[0] is OpCodeOperandKind.r16_or_mem or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.mem;
        IsRelativeBranch = Kinds.Any(k => k is OpCodeOperandKind.br16_1 or OpCodeOperandKind.br32_1 or OpCodeOperandKind.br16_2
            or OpCodeOperandKind.br32_4 or OpCodeOperandKind.xbegin_2 or OpCodeOperandKind.xbegin_4);
        HasMemory = Kinds.Any(k => k is OpCodeOperandKind.mem or OpCodeOperandKind.mem_offs || IsRegOrMem(k));
    }

    public readonly Code Code;
    public readonly OpCodeInfo Info;
    public readonly OpCodeOperandKind[] Kinds;
    /// <summary>Indices (into <see cref="Kinds"/>) of the operands written in the source.</summary>
    public readonly int[] Explicit;
    public readonly bool IsString;
    /// <summary>0, 16 or 32: the operand size this form implies (0 = none).</summary>
    public readonly int OperandSize;
    /// <summary>0, 16 or 32: the address size this form implies (LOOP/JCXZ; 0 = none).</summary>
    public readonly int AddressSize;
    public readonly MemorySize MemorySize;
    /// <summary>Size of the memory operand in bytes; 0 when it has no fixed size (LEA, LGDT ...).</summary>
    public readonly int MemoryBytes;
    public readonly bool IsFarPointerMemory;
    /// <summary>JMP/CALL through a register or memory (near or far): an unsized memory operand means the default size.</summary>
    public readonly bool IsIndirectBranch;
    public readonly bool HasMemory;
    /// <summary>Has a relative branch target (JMP/Jcc/CALL/LOOP rel): its encoding depends on its own address.</summary>
    public readonly bool IsRelativeBranch;
    /// <summary>Position in Iced's table: among equally long encodings the earlier form wins (r/m,reg before reg,r/m, as nasm).</summary>
    public readonly int Order;

    public static bool IsRegOrMem(OpCodeOperandKind k) => k is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r16_or_mem
        or OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.mm_or_mem or OpCodeOperandKind.xmm_or_mem;

    public override string ToString() => Code.ToString();
}

/// <summary>
/// Index of every legacy-encoded instruction Iced knows in 16- and 32-bit modes, by nasm mnemonic, built once
/// from Iced's <see cref="Code"/>/<see cref="OpCodeInfo"/> tables (no hand-written opcode list). Alias opcodes that
/// nasm never produces (82 /r, F6 /1, SAL /6, the 486 CMPXCHG, reserved NOPs ...) are left out, and nasm's extra
/// mnemonics (JZ, SETNAE, CMOVPE, LOOPZ, XLAT, PUSHFW, IRETW ...) are added as aliases.
/// </summary>
internal static class InstructionTable
{
    private static readonly Dictionary<string, InstructionForm[]> Forms = Build();

    /// <summary>The forms for a mnemonic (any case); null when nasm has no such instruction.</summary>
    public static InstructionForm[]? Find(string mnemonic) =>
        Forms.TryGetValue(mnemonic, out var f) ? f : null;

    public static bool IsMnemonic(string s) => Forms.ContainsKey(s);

    /// <summary>Number of distinct Iced codes indexed (for tests and the README).</summary>
    public static int CodeCount => Forms.Values.SelectMany(f => f).Select(f => f.Code).Distinct().Count();

    private static bool Excluded(Code code, OpCodeInfo info)
    {
        string n = code.ToString();
        if (info.Mnemonic is Mnemonic.Sal or Mnemonic.Undoc or Mnemonic.Reservednop or Mnemonic.Jmpe) return true;
        if (n.EndsWith("_82", StringComparison.Ordinal) || n.EndsWith("F6r1", StringComparison.Ordinal) || n.EndsWith("F7r1", StringComparison.Ordinal)) return true;
        if (n.StartsWith("Cmpxchg486", StringComparison.Ordinal) || n.StartsWith("Prefetchreserved", StringComparison.Ordinal)) return true;
        if (n is "Loadall286" or "Smint_0F7E" or "Vmgexit_F2") return true;
        // MOVZX/MOVSX r16, r/m16 exist in Iced's tables but not in nasm's
        if (code is Code.Movzx_r16_rm16 or Code.Movsx_r16_rm16) return true;
        // alternative encodings of x87 and fence instructions (names ending in their opcode bytes)
        int us = n.LastIndexOf('_');
        if (us > 0)
        {
            string tail = n[(us + 1)..];
            if ((tail.Length == 4 || tail.Length == 2) && tail.All(Uri.IsHexDigit) && tail.Any(char.IsAsciiLetterUpper) &&
                (info.Mnemonic is Mnemonic.Lfence or Mnemonic.Mfence or Mnemonic.Sfence || n.StartsWith('F'))) return true;
        }
        for (int i = 0; i < info.OpCount; i++)
        {
            var k = info.GetOpKind(i);
            if (k is OpCodeOperandKind.mem_mpx or OpCodeOperandKind.mem_mib or OpCodeOperandKind.r32_or_mem_mpx
                or OpCodeOperandKind.bnd_or_mem_mpx or OpCodeOperandKind.bnd_reg or OpCodeOperandKind.brdisp_2 or OpCodeOperandKind.brdisp_4)
                return true;
        }
        return false;
    }

    private static Dictionary<string, InstructionForm[]> Build()
    {
        var byMnemonic = new Dictionary<string, List<InstructionForm>>(StringComparer.OrdinalIgnoreCase);
        int order = 0;
        foreach (Code code in Enum.GetValues<Code>())
        {
            var info = code.ToOpCode();
            if (!info.IsInstruction || info.Encoding != EncodingKind.Legacy || !(info.Mode16 || info.Mode32)) continue;
            if (Excluded(code, info)) continue;
            string m = info.Mnemonic.ToString().ToLowerInvariant();
            if (!byMnemonic.TryGetValue(m, out var list)) byMnemonic[m] = list = new List<InstructionForm>();
            list.Add(new InstructionForm(code, order++));
        }
        var result = new Dictionary<string, InstructionForm[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in byMnemonic) result[kv.Key] = kv.Value.ToArray();

        void Alias(string nasm, params string[] iced)
        {
            var forms = iced.SelectMany(x => byMnemonic.TryGetValue(x, out var l) ? l : throw new InvalidOperationException($"alias {nasm}: Iced has no mnemonic {x}"))
                .OrderBy(f => f.Order).ToArray();
            result[nasm] = forms;
        }
        void Sized(string nasm, string iced, int operandSize)
        {
            result[nasm] = byMnemonic[iced].Where(f => f.OperandSize == operandSize).ToArray();
        }

        // condition-code synonyms of Jcc / SETcc / CMOVcc
        var cc = new (string nasm, string iced)[]
        {
            ("z", "e"), ("nz", "ne"), ("c", "b"), ("nae", "b"), ("nc", "ae"), ("nb", "ae"), ("na", "be"), ("nbe", "a"),
            ("pe", "p"), ("po", "np"), ("nge", "l"), ("nl", "ge"), ("ng", "le"), ("nle", "g"),
        };
        foreach (var (n, i) in cc)
        {
            Alias("j" + n, "j" + i);
            Alias("set" + n, "set" + i);
            Alias("cmov" + n, "cmov" + i);
        }
        Alias("loopz", "loope");
        Alias("loopnz", "loopne");
        Alias("sal", "shl");
        Alias("xlat", "xlatb");
        Alias("icebp", "int1");
        Alias("retn", "ret");
        Alias("fwait", "wait");
        // PUSHF/POPF/PUSHA/POPA/IRET: the plain names take the default size, -W/-D force one
        Alias("pushf", "pushf", "pushfd");
        Alias("popf", "popf", "popfd");
        Alias("pusha", "pusha", "pushad");
        Alias("popa", "popa", "popad");
        Alias("iret", "iret", "iretd");
        Sized("pushfw", "pushf", 16);
        Sized("popfw", "popf", 16);
        Sized("pushaw", "pusha", 16);
        Sized("popaw", "popa", 16);
        Sized("iretw", "iret", 16);
        Sized("retw", "ret", 16);
        Sized("retd", "ret", 32);
        Sized("retnw", "ret", 16);
        Sized("retnd", "ret", 32);
        Sized("retfw", "retf", 16);
        Sized("retfd", "retf", 32);
        return result;
    }
}
