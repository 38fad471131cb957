using System.Text;
using Xunit;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>
/// Differential tests: every guest in Tests/Guests/diff/*.asm is assembled (nasm -f bin, 64 KiB BIOS
/// ROM), run in QEMU (qemu-system-i386, TCG) and in the engine, and the debug-console text (port
/// 0xE9) and the exit code (port 0xF4) must be identical. The guests only print results (registers
/// and flags with the SDM-undefined flags masked out); QEMU is the oracle.
/// nasm and qemu-system-i386 must be on PATH: without them these tests fail (CI installs them).
/// </summary>
public class QemuDifferentialTests
{
    /// <summary>Instruction budget for one guest in the engine.</summary>
    public const long InstructionBudget = 50_000_000;

    /// <summary>
    /// The budget is spent in slices (Machine.Run may be called again to continue), so that a run that
    /// has already gone wrong stops early instead of using all 50 M instructions: after each slice the
    /// run ends when the engine's console is no longer a prefix of QEMU's (diverged), or when it has
    /// printed nothing for <see cref="StallInstructions"/> (every guest prints far more often than that;
    /// a silent engine is looping on a fault or a wrong branch). A guest that reaches its exit port
    /// within the budget is unaffected.
    /// </summary>
    public const long SliceInstructions = 1_000_000;
    public const long StallInstructions = 5_000_000;

    /// <summary>
    /// Known places where QEMU (TCG, 7.x) departs from the Intel SDM / real hardware. The guests are
    /// written so that the comparison does not depend on them; each entry says how.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Difference, string HowAvoided)> KnownQemuDifferences = new[]
    {
        // conventions.md: QEMU does not set the accessed bit of a code-segment descriptor on a far jump;
        // real CPUs do (SDM Vol. 3A 3.4.5.1).
        ("gdt-accessed-bit",
         "A far jump/call into a code segment does not set the descriptor's accessed bit in QEMU.",
         "rom.inc's GDT has every accessed bit preset (and lives in ROM); no guest reads descriptors back."),
        // QEMU TCG does not check segment limits in real mode (a word access at offset FFFF, or a
        // 32-bit address above FFFF, faults with #GP/#SS on a real 386+).
        ("real-mode-segment-limits",
         "No #GP/#SS for real-mode accesses beyond offset FFFF.",
         "Guests keep every real-mode effective address (also with a32 and string ops) within 0..FFFF, with no access straddling FFFF."),
        // Undefined results/flags: QEMU computes some value, real CPUs another (SDM Vol. 1 Appendix A,
        // Vol. 2 per-instruction "Flags Affected"). Guests mask these flags (see report.inc, each guest's
        // header) and do not print undefined results (BSF/BSR dest with source 0, SHLD/SHRD 16-bit with
        // count > 16, ...).
        ("undefined-flags-and-results",
         "Flags and results the SDM calls undefined differ between QEMU and silicon.",
         "Masked via PFLAGS mask / not printed."),
        // Found while writing this corpus (qemu-system-i386 7.2, TCG): CMPXCHG8B right after an
        // instruction whose flags QEMU keeps lazily (SUB, CMP, CMPXCHG ...) stores garbage in EFLAGS -
        // the operand of the earlier instruction read as if it were EFLAGS, so even TF/IF/IOPL get set
        // (`sub eax,ecx; cmpxchg8b [m]; pushfd` -> 1BD7 and a #DB trap). SDM Vol. 2 CMPXCHG8B: only ZF
        // is written, CF PF AF SF OF are unaffected.
        ("qemu-cmpxchg8b-stale-flags",
         "CMPXCHG8B computes EFLAGS from stale lazy condition codes after SUB/CMP/CMPXCHG.",
         "xadd_cmpxchg.asm makes the flags concrete (PUSHFD/POPFD) before CMPXCHG8B; the other CMPXCHG8B uses follow POPFD or MOVs after a flag-materialising instruction."),
        // QEMU 7.2 does not raise #UD for LOCK on MOV or LEA (SDM Vol. 2 LOCK: "#UD If the LOCK prefix is
        // used with an instruction not listed"); it does for CMP, NOP, register destinations.
        ("qemu-lock-mov-lea",
         "LOCK MOV m,r and LOCK LEA execute normally instead of raising #UD.",
         "exceptions.asm tests #UD from LOCK only with CMP, NOP, INC r and ADD r,r."),
        // Not a CPU matter but a device one: QEMU's isa-debugcon (port E9) handles byte accesses only -
        // a word/dword OUT prints nothing and a word/dword IN returns 0, while VirtLab's DebugConsole
        // prints the low byte and returns E9. conventions.md defines E9 as a byte port.
        ("debugcon-byte-only",
         "Word/dword OUT to port E9 is dropped and word/dword IN returns 0 in QEMU.",
         "All guests (report.inc, portio.asm) use byte I/O on E9 only."),
        // QEMU boots with EDX = its CPUID signature and its own CPUID values; VirtLab has its own.
        ("cpu-identity",
         "CPUID results, reset EDX signature, RDTSC values differ.",
         "Not printed by any guest; rom.inc clears all registers at reset."),
    };

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string GuestDir => Path.Combine(RepoRoot, "Tests", "Guests", "diff");
    public static string IncludeDir => Path.Combine(RepoRoot, "Tests", "Guests", "include");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VirtLab.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No folder containing VirtLab.slnx above {AppContext.BaseDirectory}.");
    }

    public static IEnumerable<object[]> Guests() =>
        Directory.GetFiles(GuestDir, "*.asm")
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    [Fact]
    public void Corpus_has_at_least_22_guests()
    {
        Assert.True(Guests().Count() >= 22, $"Expected at least 22 guests in {GuestDir}, found {Guests().Count()}.");
    }

    /// <summary>Guests of the protected-mode issue (#3): LTR/LLDT/SLDT/STR, LAR/LSL/VERR/VERW/ARPL, the LDT, returns to outer rings.</summary>
    public static string RingsGuestDir => Path.Combine(RepoRoot, "Tests", "Guests", "diff-rings");

    public static IEnumerable<object[]> RingsGuests() =>
        Directory.GetFiles(RingsGuestDir, "*.asm")
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_matches_qemu(string guest) => Compare(GuestDir, guest);

    [Theory]
    [MemberData(nameof(RingsGuests))]
    public void Rings_guest_matches_qemu(string guest) => Compare(RingsGuestDir, guest);

    private static void Compare(string guestDir, string guest)
    {
        var asm = Path.Combine(guestDir, guest + ".asm");
        var work = Path.Combine(Path.GetTempPath(), "virtlab-diff", guest + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var rom = ExternalTools.Assemble(asm, IncludeDir, work);
            Assert.True(rom.Length == 65536, $"{guest}: the ROM must be exactly 65536 bytes, nasm produced {rom.Length}.");

            var qemu = ExternalTools.RunQemuBios(Path.Combine(work, guest + ".bin"), work);
            Assert.False(qemu.TimedOut, $"{guest}: QEMU did not finish within {ExternalTools.QemuTimeout.TotalSeconds} s (killed). Console so far:\n{Tail(qemu.Console)}");
            Assert.True(qemu.ExitedThroughPort,
                $"{guest}: QEMU exited with status {qemu.ExitStatus}, not through isa-debug-exit. stderr: {qemu.StdErr}\nConsole:\n{Tail(qemu.Console)}");

            var m = new Machine();
            m.LoadRom(rom);
            RunResult r;
            string? earlyStop = null;
            try
            {
                (r, earlyStop) = RunEngine(m, qemu.Console);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{guest}: the engine threw {ex.GetType().Name}: {ex.Message}\n" +
                            $"Console so far ({m.Console.Length} chars), compared with QEMU:\n{FirstDifference(qemu.Console, m.Console.Text)}\n{ex}");
                return;
            }

            // VIRTLAB_DIFF_DUMP=<folder>: keep both consoles (<guest>.qemu.txt, <guest>.engine.txt) for a closer look
            var dump = Environment.GetEnvironmentVariable("VIRTLAB_DIFF_DUMP");
            if (!string.IsNullOrEmpty(dump))
            {
                Directory.CreateDirectory(dump);
                File.WriteAllText(Path.Combine(dump, guest + ".qemu.txt"), qemu.Console, Encoding.Latin1);
                File.WriteAllText(Path.Combine(dump, guest + ".engine.txt"), r.ConsoleText, Encoding.Latin1);
            }

            string state = $"engine stop={r.StopReason} exit={(r.ExitCode is { } c ? "0x" + c.ToString("X") : "none")} " +
                           $"at {r.FinalCs:X4}:{r.FinalEip:X8} after {r.InstructionsRetired} instructions; " +
                           $"QEMU exit=0x{qemu.GuestExitCode:X}" + (earlyStop is null ? "" : $"; run stopped early: {earlyStop}");
            if (!string.Equals(qemu.Console, r.ConsoleText, StringComparison.Ordinal))
                Assert.Fail($"{guest}: console output differs from QEMU ({state}).\n{FirstDifference(qemu.Console, r.ConsoleText)}");
            Assert.True(r.StopReason == StopReason.ExitPort, $"{guest}: console matches QEMU but the engine stopped with {r.StopReason} ({state}).");
            Assert.True(r.ExitCode == qemu.GuestExitCode, $"{guest}: exit code differs ({state}).");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Runs the engine up to <see cref="InstructionBudget"/> in slices (see <see cref="SliceInstructions"/>).</summary>
    private static (RunResult Result, string? EarlyStop) RunEngine(Machine m, string expected)
    {
        long total = 0, lastGrowth = 0;
        int lastLength = 0;
        while (true)
        {
            var r = m.Run(Math.Min(SliceInstructions, InstructionBudget - total));
            total += r.InstructionsRetired;
            r = r with { InstructionsRetired = total };
            if (r.StopReason != StopReason.BudgetExhausted || total >= InstructionBudget) return (r, null);
            var text = r.ConsoleText;
            if (!expected.StartsWith(text, StringComparison.Ordinal)) return (r, "console diverged from QEMU");
            if (text.Length != lastLength) { lastLength = text.Length; lastGrowth = total; }
            else if (total - lastGrowth >= StallInstructions) return (r, $"no console output for {StallInstructions} instructions");
        }
    }

    /// <summary>Describes the first differing line (1-based) of the two outputs, with both lines shown.</summary>
    public static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int n = Math.Max(e.Length, a.Length);
        for (int i = 0; i < n; i++)
        {
            string? el = i < e.Length ? e[i] : null;
            string? al = i < a.Length ? a[i] : null;
            if (el == al) continue;
            var sb = new StringBuilder();
            sb.AppendLine($"first difference at line {i + 1}" + (el is not null && al is not null ? $", column {FirstDiffColumn(el, al) + 1}" : "") + ":");
            sb.AppendLine($"  qemu   line {i + 1}: {Show(el, i + 1 == e.Length)}");
            sb.AppendLine($"  engine line {i + 1}: {Show(al, i + 1 == a.Length)}");
            if (i > 0) sb.AppendLine($"  (previous line, equal: {Show(e[i - 1], false)})");
            // the test drivers print a "# <test label> ..." header before each table of results
            for (int h = i - 1; h >= 0 && h >= i - 5000; h--)
                if (e[h].StartsWith("# ", StringComparison.Ordinal))
                {
                    if (h != i - 1) sb.AppendLine($"  (in the test headed at line {h + 1}: {Show(e[h], false)})");
                    break;
                }
            sb.Append($"  qemu output {expected.Length} chars / {e.Length} lines, engine output {actual.Length} chars / {a.Length} lines");
            if (a.Length > i + 1)
            {
                // the engine went on after the difference: its last lines often say why (e.g. the
                // "!! unexpected exception" report of rom.inc)
                sb.AppendLine();
                sb.Append("  engine's last lines:");
                foreach (var l in a.Skip(Math.Max(i + 1, a.Length - 3))) sb.Append("\n    " + Show(l, false));
            }
            return sb.ToString();
        }
        return "outputs are equal";
    }

    private static int FirstDiffColumn(string x, string y)
    {
        int i = 0;
        while (i < x.Length && i < y.Length && x[i] == y[i]) i++;
        return i;
    }

    private static string Show(string? line, bool isLast)
    {
        if (line is null) return "<end of output>";
        var sb = new StringBuilder("\"");
        foreach (char ch in line)
            sb.Append(ch is >= ' ' and <= '~' ? ch.ToString() : $"\\x{(int)ch:X2}");
        sb.Append('"');
        if (isLast) sb.Append(line.Length == 0 ? " (end of output)" : " (last line, no newline)");
        return sb.ToString();
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : "..." + s[^2000..];
}
