using Iced.Intel;

namespace VirtLab.Engine.Assembly;

/// <summary>Register names nasm accepts in 16- and 32-bit code, mapped to Iced's registers.</summary>
internal static class Registers
{
    private static readonly Dictionary<string, Register> ByName = Build();

    private static Dictionary<string, Register> Build()
    {
        var d = new Dictionary<string, Register>(StringComparer.OrdinalIgnoreCase);
        void Add(string name, Register r) => d[name] = r;
        string[] r8 = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
        string[] r16 = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
        for (int i = 0; i < 8; i++)
        {
            Add(r8[i], Register.AL + i);
            Add(r16[i], Register.AX + i);
            Add("e" + r16[i], Register.EAX + i);
            Add("mm" + i, Register.MM0 + i);
            Add("xmm" + i, Register.XMM0 + i);
            Add("st" + i, Register.ST0 + i);
            Add("dr" + i, Register.DR0 + i);
            Add("tr" + i, Register.TR0 + i);
        }
        string[] seg = { "es", "cs", "ss", "ds", "fs", "gs" };
        for (int i = 0; i < 6; i++) Add(seg[i], Register.ES + i);
        foreach (int i in new[] { 0, 2, 3, 4, 8 }) Add("cr" + i, Register.CR0 + i);
        return d;
    }

    /// <summary>The register named <paramref name="name"/> (any case), or Register.None.</summary>
    public static Register Find(string name) => name.Length <= 5 && ByName.TryGetValue(name, out var r) ? r : Register.None;

    public static bool IsGpr8(Register r) => r >= Register.AL && r <= Register.BH;
    public static bool IsGpr16(Register r) => r >= Register.AX && r <= Register.DI;
    public static bool IsGpr32(Register r) => r >= Register.EAX && r <= Register.EDI;
    public static bool IsSegment(Register r) => r >= Register.ES && r <= Register.GS;
    public static bool IsCr(Register r) => r >= Register.CR0 && r <= Register.CR15;
    public static bool IsDr(Register r) => r >= Register.DR0 && r <= Register.DR15;
    public static bool IsTr(Register r) => r >= Register.TR0 && r <= Register.TR7;
    public static bool IsSt(Register r) => r >= Register.ST0 && r <= Register.ST7;
    public static bool IsMm(Register r) => r >= Register.MM0 && r <= Register.MM7;
    public static bool IsXmm(Register r) => r >= Register.XMM0 && r <= Register.XMM7;

    /// <summary>Size in bytes of a general register (1, 2, 4), 0 for other registers.</summary>
    public static int GprSize(Register r) => IsGpr8(r) ? 1 : IsGpr16(r) ? 2 : IsGpr32(r) ? 4 : 0;

    /// <summary>The 16-bit register of a 32-bit one (EAX -> AX) and back.</summary>
    public static Register To16(Register r) => IsGpr32(r) ? r - Register.EAX + Register.AX : r;
    public static Register To32(Register r) => IsGpr16(r) ? r - Register.AX + Register.EAX : r;
}

/// <summary>Reserved words of operands and statements.</summary>
internal static class Keywords
{
    /// <summary>Size keyword -> bytes (byte 1, word 2, dword 4, fword 6, qword 8, tword 10, oword 16, yword 32, zword 64).</summary>
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["byte"] = 1, ["word"] = 2, ["dword"] = 4, ["fword"] = 6, ["qword"] = 8, ["tword"] = 10, ["oword"] = 16, ["yword"] = 32, ["zword"] = 64,
    };

    private static readonly HashSet<string> OperandWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "strict", "short", "near", "far", "ptr", "nosplit", "abs", "rel", "to",
    };

    public static int SizeOf(string s) => s.Length <= 5 && Sizes.TryGetValue(s, out int n) ? n : 0;

    public static bool IsSizeKeyword(string s) => SizeOf(s) != 0;

    public static bool IsOperandKeyword(string s) => s.Length <= 7 && OperandWords.Contains(s);
}
