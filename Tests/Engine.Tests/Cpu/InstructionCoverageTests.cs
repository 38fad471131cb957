using Iced.Intel;
using Xunit;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// Every form, in Iced's opcode tables, of every general-purpose integer instruction of the
/// 386/486/Pentium that the foundation issue names has a handler. Iced's tables are the reference:
/// a form we forgot would otherwise silently become #UD.
/// </summary>
public class InstructionCoverageTests
{
    private static readonly string[] Required =
    {
        "Mov", "Movzx", "Movsx", "Xchg", "Xadd", "Cmpxchg", "Cmpxchg8b", "Bswap", "Lea", "Xlatb", "Lahf", "Sahf",
        "Cbw", "Cwde", "Cwd", "Cdq", "Push", "Pop", "Pusha", "Pushad", "Popa", "Popad", "Pushf", "Pushfd", "Popf", "Popfd",
        "Enter", "Leave", "Add", "Adc", "Sub", "Sbb", "Cmp", "Inc", "Dec", "Neg", "And", "Or", "Xor", "Not", "Test",
        "Mul", "Imul", "Div", "Idiv", "Daa", "Das", "Aaa", "Aas", "Aam", "Aad", "Shl", "Sal", "Shr", "Sar", "Rol", "Ror",
        "Rcl", "Rcr", "Shld", "Shrd", "Bt", "Bts", "Btr", "Btc", "Bsf", "Bsr", "Jmp", "Jcxz", "Jecxz", "Loop", "Loope",
        "Loopne", "Call", "Ret", "Retf", "Int", "Int3", "Into", "Iret", "Iretd", "Bound", "Movsb", "Movsw", "Movsd",
        "Cmpsb", "Cmpsw", "Cmpsd", "Scasb", "Scasw", "Scasd", "Lodsb", "Lodsw", "Lodsd", "Stosb", "Stosw", "Stosd",
        "Insb", "Insw", "Insd", "Outsb", "Outsw", "Outsd", "In", "Out", "Clc", "Stc", "Cmc", "Cld", "Std", "Cli", "Sti",
        "Hlt", "Nop", "Pause", "Cpuid", "Rdtsc", "Rdmsr", "Wrmsr", "Ud2", "Lds", "Les", "Lfs", "Lgs", "Lss",
        "Lgdt", "Lidt", "Sgdt", "Sidt", "Smsw", "Lmsw", "Clts", "Invd", "Wbinvd", "Invlpg", "Wait",
    };

    /// <summary>Forms left to #UD on purpose, each with the reason.</summary>
    private static readonly Dictionary<Code, string> Excluded = new()
    {
        [Code.Mov_r32_tr] = "test registers TR3-TR7 existed on the 386/486 only; the Pentium model raises #UD",
        [Code.Mov_tr_r32] = "test registers TR3-TR7 existed on the 386/486 only; the Pentium model raises #UD",
        [Code.Popw_CS] = "POP CS (0F) exists on the 8086 only; on the 386 0F is the two-byte escape",
        [Code.Jmpe_rm16] = "JMPE switches to IA-64 mode on Itanium processors only",
        [Code.Jmpe_rm32] = "JMPE switches to IA-64 mode on Itanium processors only",
        [Code.Jmpe_disp16] = "JMPE switches to IA-64 mode on Itanium processors only",
        [Code.Jmpe_disp32] = "JMPE switches to IA-64 mode on Itanium processors only",
        [Code.Movsd_xmm_xmmm64] = "SSE2 MOVSD shares the mnemonic with the string MOVSD; no SSE on this CPU",
        [Code.Movsd_xmmm64_xmm] = "SSE2 MOVSD shares the mnemonic with the string MOVSD; no SSE on this CPU",
        [Code.Cmpsd_xmm_xmmm64_imm8] = "SSE2 CMPSD shares the mnemonic with the string CMPSD; no SSE on this CPU",
    };

    private static bool IsRequired(Code code)
    {
        var name = code.Mnemonic().ToString();
        return Required.Contains(name) || name.StartsWith("Set", StringComparison.Ordinal) && name.Length <= 6
            || name.StartsWith("Cmov", StringComparison.Ordinal)
            || name.Length <= 4 && name.StartsWith('J') && code.ToOpCode().IsInstruction;
    }

    [Fact]
    public void EveryRequiredFormHasAHandler()
    {
        var missing = new List<string>();
        foreach (var code in Enum.GetValues<Code>())
        {
            var info = code.ToOpCode();
            if (!info.IsInstruction || info.Encoding != EncodingKind.Legacy || !(info.Mode16 || info.Mode32)) continue;
            if (!IsRequired(code) || Excluded.ContainsKey(code)) continue;
            if (!HandlerTable.IsImplemented(code)) missing.Add(code.ToString());
        }
        Assert.True(missing.Count == 0, "No handler for: " + string.Join(", ", missing));
    }
}
