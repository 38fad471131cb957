using System.Text;
using Xunit;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>
/// Differential fuzzing against QEMU: seeded random sequences of ALU, logic, shift-by-1, rotate,
/// data-movement, SETcc and CMOVcc instructions on random register and memory values, then a dump
/// of every register, two memory dwords and EFLAGS. The pool leaves no flag undefined except AF
/// (after logic and shifts), which no pool instruction reads; the dump masks AF when the last
/// writer left it undefined. Catches interplay the per-instruction tests cannot (lazy flags across
/// instruction kinds, partial-register writes).
/// </summary>
public class RandomDifferentialTests
{
    private static readonly string[] R32 = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp" };
    private static readonly string[] R16 = { "ax", "bx", "cx", "dx", "si", "di", "bp" };
    private static readonly string[] R8 = { "al", "ah", "bl", "bh", "cl", "ch", "dl", "dh" };
    private static readonly string[] Cc = { "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g" };
    private const int Af = 0x10;

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 8).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_sequences_match_qemu(int seed)
    {
        const int cases = 60;
        var source = Generate(seed, cases);
        var work = Path.Combine(Path.GetTempPath(), "virtlab-fuzz", $"seed{seed}-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var asm = Path.Combine(work, $"fuzz{seed}.asm");
            File.WriteAllText(asm, source);
            var rom = ExternalTools.Assemble(asm, QemuDifferentialTests.IncludeDir, work);
            var qemu = ExternalTools.RunQemuBios(Path.Combine(work, $"fuzz{seed}.bin"), work);
            Assert.False(qemu.TimedOut, $"seed {seed}: QEMU timed out");
            var m = new Machine();
            m.LoadRom(rom);
            var r = m.Run(10_000_000);
            Assert.Equal(StopReason.ExitPort, r.StopReason);
            if (qemu.Console != r.ConsoleText)
            {
                var q = qemu.Console.Split('\n');
                var e = r.ConsoleText.Split('\n');
                int i = 0;
                while (i < Math.Min(q.Length, e.Length) && q[i] == e[i]) i++;
                // Each case prints two lines (registers, then memory and flags): real mode first, then protected mode.
                int caseIndex = i / 2 % cases;
                string mode = i / 2 < cases ? "real mode" : "32-bit protected mode";
                string caseSource = CaseSource(source, caseIndex);
                Assert.Fail($"seed {seed}, case {caseIndex} ({mode}), output line {i + 1} differs\n  qemu:   {(i < q.Length ? q[i] : "<end>")}\n  engine: {(i < e.Length ? e[i] : "<end>")}\ncase:\n{caseSource}");
            }
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    private static string CaseSource(string source, int line)
    {
        var marker = $"; case {line}\n";
        int start = source.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0) return "(not found)";
        int end = source.IndexOf("; case ", start + marker.Length, StringComparison.Ordinal);
        return source[start..(end < 0 ? source.Length : end)];
    }

    /// <summary>The guest source for one seed (public so a failing seed can be reproduced by hand).</summary>
    public static string Generate(int seed, int cases)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        sb.AppendLine("%include \"rom.inc\"");
        sb.AppendLine("%macro CASES 0");
        for (int c = 0; c < cases; c++)
        {
            sb.Append("; case ").Append(c).Append('\n');
            foreach (var r in R32) sb.AppendLine($"  mov {r}, 0x{Value(rng):X8}");
            sb.AppendLine($"  mov dword [0x600], 0x{Value(rng):X8}");
            sb.AppendLine($"  mov dword [0x604], 0x{Value(rng):X8}");
            sb.AppendLine($"  push dword 0x{(rng.Next() & 0x8D5) | 2:X}");
            sb.AppendLine("  popfd");
            bool afUndefined = false;
            int n = rng.Next(2, 8);
            for (int i = 0; i < n; i++) sb.AppendLine("  " + Instruction(rng, ref afUndefined));
            sb.AppendLine("  DUMP");
            sb.AppendLine("  PHEX32 [0x600]");
            sb.AppendLine("  SP_");
            sb.AppendLine("  PHEX32 [0x604]");
            sb.AppendLine("  SP_");
            sb.AppendLine($"  PFLAGS 0x{(afUndefined ? 0x8D5 & ~Af : 0x8D5):X}");
            sb.AppendLine("  NL");
        }
        sb.AppendLine("%endmacro");
        // The same cases in real mode and in 32-bit flat protected mode (rom.inc's CALL32).
        sb.AppendLine("ROM_START");
        sb.AppendLine("  CASES");
        sb.AppendLine("  CALL32 pm_cases");
        sb.AppendLine("  EXIT 0");
        sb.AppendLine("CODE32");
        sb.AppendLine("pm_cases:");
        sb.AppendLine("  CASES");
        sb.AppendLine("  ret");
        sb.AppendLine("ROM_END");
        return sb.ToString();
    }

    private static uint Value(Random rng) => rng.Next(6) switch
    {
        0 => 0,
        1 => 0xFFFF_FFFF,
        2 => 0x8000_0000u | (uint)rng.Next(0, 0x100),
        3 => (uint)rng.Next(0, 0x100),
        4 => 0x7FFF_FF00u | (uint)rng.Next(0, 0x100),
        _ => (uint)rng.NextInt64(0, 1L << 32),
    };

    private static string Pick(Random rng, string[] a) => a[rng.Next(a.Length)];

    private static string Instruction(Random rng, ref bool afUndefined)
    {
        int size = rng.Next(3);                        // 0: 32, 1: 16, 2: 8
        string[] regs = size == 0 ? R32 : size == 1 ? R16 : R8;
        string ptr = size == 0 ? "dword" : size == 1 ? "word" : "byte";
        string dst = Pick(rng, regs), src = Pick(rng, regs);
        string mem = $"{ptr} [0x60{rng.Next(0, 2) * 4 + rng.Next(0, 2)}]";
        uint imm = Value(rng) & (size == 0 ? 0xFFFF_FFFF : size == 1 ? 0xFFFFu : 0xFFu);
        string operands = rng.Next(4) switch
        {
            0 => $"{dst}, {src}",
            1 => $"{dst}, 0x{imm:X}",
            2 => $"{dst}, {mem}",
            _ => $"{mem}, {src}",
        };
        switch (rng.Next(12))
        {
            case 0: case 1: afUndefined = false; return $"{Pick(rng, new[] { "add", "sub", "adc", "sbb", "cmp" })} {operands}";
            case 2: afUndefined = true; return $"{Pick(rng, new[] { "and", "or", "xor", "test" })} {(operands.StartsWith(ptr) && operands.Contains("0x") ? $"{dst}, {src}" : operands)}";
            case 3: afUndefined = false; return $"{Pick(rng, new[] { "inc", "dec", "neg" })} {(rng.Next(2) == 0 ? dst : mem)}";
            case 4: return $"not {(rng.Next(2) == 0 ? dst : mem)}";
            case 5: afUndefined = true; return $"{Pick(rng, new[] { "shl", "shr", "sar" })} {(rng.Next(2) == 0 ? dst : mem)}, 1";
            case 6: return $"{Pick(rng, new[] { "rol", "ror", "rcl", "rcr" })} {(rng.Next(2) == 0 ? dst : mem)}, 1";
            case 7: return $"set{Pick(rng, Cc)} {Pick(rng, R8)}";
            case 8: return size == 2 ? $"xchg {dst}, {src}" : $"cmov{Pick(rng, Cc)} {dst}, {(rng.Next(2) == 0 ? src : mem)}";
            case 9: return size == 0 ? $"{Pick(rng, new[] { "movzx", "movsx" })} {dst}, {Pick(rng, new[] { "byte [0x601]", "word [0x602]", Pick(rng, R8), Pick(rng, R16) })}" : $"mov {operands}";
            case 10: return size == 0 ? $"lea {dst}, [{src} + {Pick(rng, R32)}*{1 << rng.Next(4)} + 0x{rng.Next(0, 0x10000):X}]" : $"xchg {dst}, {mem}";
            default: return size == 0 ? $"bswap {dst}" : $"mov {operands}";
        }
    }
}
