using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>
/// The protected-mode test ROMs (Tests/Guests/pm/*.asm, issue 3) proven in QEMU TCG: each ROM checks
/// itself against the Intel SDM's rules, reports progress as POST codes (port 0x190, echoed as
/// "POST xx" lines on the debug console because QEMU does not decode 0x190), and writes POST FF and
/// exit code <see cref="ExitPass"/> only when every check passed. A failed check prints a FAIL line and
/// exits with <see cref="ExitFail"/>. nasm and qemu-system-i386 must be on PATH: without them these
/// tests fail (CI installs them).
/// </summary>
public class ProtectedModeRomQemuTests
{
    /// <summary>Exit code (port 0xF4) of a ROM whose checks all passed (pm.inc EXIT_PASS).</summary>
    public const int ExitPass = 0x01;
    /// <summary>Exit code of a ROM that stopped on a failed check or an unexpected exception (pm.inc EXIT_FAIL).</summary>
    public const int ExitFail = 0x0F;
    /// <summary>Wall-clock limit for one QEMU run; every ROM finishes in well under a second.</summary>
    public static readonly TimeSpan QemuTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The ROMs the issue asks for, one concern each.</summary>
    public static readonly string[] ExpectedRoms =
    {
        "pm_entry", "segfaults", "rings", "callgates", "faults", "paging", "v86", "iopl_iobitmap", "tasks", "pit_pic",
    };

    /// <summary>POST codes every ROM shares: 01 real mode after reset, 02 common protected-mode start, FF passed.</summary>
    public static readonly IReadOnlySet<int> CommonPostCodes = new HashSet<int> { 0x01, 0x02, 0xFF };

    public static string RomDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Tests", "Guests", "pm");
    public static string IncludeDir => Path.Combine(RomDir, "include");

    public static IEnumerable<object[]> Roms() =>
        Directory.GetFiles(RomDir, "*.asm")
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    /// <summary>What one QEMU run of a ROM produced, with the POST codes read back from the console.</summary>
    public sealed record RomRun(string Console, int ExitStatus, bool TimedOut, string StdErr)
    {
        public bool ExitedThroughPort => !TimedOut && (ExitStatus & 1) == 1;
        public int GuestExitCode => (ExitStatus - 1) >> 1;
        public IReadOnlyList<int> PostCodes => ParsePostCodes(Console);
        public IReadOnlyList<string> FailLines => Console.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The POST codes in the order the ROM wrote them, from its "POST xx" console lines.</summary>
    public static IReadOnlyList<int> ParsePostCodes(string console) =>
        console.Split('\n')
            .Select(l => Regex.Match(l, "^POST ([0-9A-F]{2})$"))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .ToList();

    [Fact]
    public void Every_rom_the_issue_asks_for_is_there()
    {
        var present = Roms().Select(r => (string)r[0]).ToHashSet();
        var missing = ExpectedRoms.Where(r => !present.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"Missing ROMs in {RomDir}: {string.Join(", ", missing)}.");
    }

    [Fact]
    public void Each_rom_uses_its_own_post_codes()
    {
        var owner = new Dictionary<int, string>();
        var clashes = new List<string>();
        foreach (var rom in Roms().Select(r => (string)r[0]))
        {
            var text = File.ReadAllText(Path.Combine(RomDir, rom + ".asm"));
            Assert.True(text.StartsWith("; virtlab: rom\n", StringComparison.Ordinal), $"{rom}.asm must start with the line '; virtlab: rom'.");
            foreach (Match m in Regex.Matches(text, @"^\s*POST\s+0x([0-9A-Fa-f]{1,2})\b", RegexOptions.Multiline))
            {
                int code = int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (CommonPostCodes.Contains(code)) { clashes.Add($"{rom} uses the common code {code:X2}"); continue; }
                if (owner.TryGetValue(code, out var other) && other != rom) clashes.Add($"{code:X2} in {other} and {rom}");
                owner[code] = rom;
            }
        }
        Assert.True(clashes.Count == 0, "POST codes shared between ROMs: " + string.Join("; ", clashes));
    }

    [Theory]
    [MemberData(nameof(Roms))]
    public void Rom_reaches_post_FF_in_qemu(string rom)
    {
        var run = AssembleAndRun(File.ReadAllText(Path.Combine(RomDir, rom + ".asm")), rom);
        string tail = Tail(run.Console);
        Assert.False(run.TimedOut, $"{rom}: QEMU did not finish within {QemuTimeout.TotalSeconds} s (killed): the ROM never reached its exit port. Console:\n{tail}");
        if (run.FailLines.Count > 0) Assert.Fail($"{rom}: {run.FailLines[0]}\nConsole:\n{tail}");
        Assert.True(run.ExitedThroughPort, $"{rom}: QEMU exited with status {run.ExitStatus}, not through the exit port (a triple fault ends QEMU this way with -no-reboot). stderr: {run.StdErr}\nConsole:\n{tail}");
        var posts = run.PostCodes;
        Assert.True(posts.Count >= 3 && posts[^1] == 0xFF, $"{rom}: the last POST code is {(posts.Count == 0 ? "none" : posts[^1].ToString("X2"))}, not FF. Console:\n{tail}");
        Assert.True(run.GuestExitCode == ExitPass, $"{rom}: exit code 0x{run.GuestExitCode:X2}, expected 0x{ExitPass:X2}. Console:\n{tail}");
        Assert.True(posts[0] == 0x01 && posts.Count(p => p == 0x02) <= 1,
            $"{rom}: expected POST 01 first and 02 (common protected-mode start) at most once, got {string.Join(" ", posts.Select(p => p.ToString("X2")))}.");
        var own = posts.Where(p => !CommonPostCodes.Contains(p)).ToList();
        for (int i = 1; i < own.Count; i++)
            Assert.True(own[i] > own[i - 1], $"{rom}: the ROM's POST codes must rise: {own[i - 1]:X2} then {own[i]:X2}.");
        Assert.True(own.Count >= 5, $"{rom}: only {own.Count} checks reported; each ROM has at least 5.");
    }

    // ---- the failure paths of pm.inc, proven in QEMU too ----

    [Fact]
    public void A_failed_check_prints_fail_rewrites_its_post_code_and_exits_with_the_failure_code()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x42, "broken check"
              mov ebx, 1
              CHECK_EQ ebx, 2, "ebx"
              PASS
            """, "fail_check");
        Assert.True(run.ExitedThroughPort, $"status {run.ExitStatus}, console:\n{run.Console}");
        Assert.Equal(ExitFail, run.GuestExitCode);
        Assert.Equal(new[] { "FAIL 42 broken check: ebx: expected 00000002 got 00000001" }, run.FailLines);
        Assert.Equal(new[] { 0x01, 0x02, 0x42, 0x42 }, run.PostCodes);
    }

    [Fact]
    public void A_failed_check_in_real_mode_is_reported_the_same_way()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %define RM_MAIN
            %include "pm.inc"
            CODE16
            rm_main:
              POST 0x43, "real-mode check"
              mov eax, cr0
              CHECK_MASK eax, 1, 1, "CR0.PE"
              jmp pm_enter
            CODE32
            main:
              PASS
            """, "fail_check16");
        Assert.Equal(ExitFail, run.GuestExitCode);
        Assert.Equal(new[] { "FAIL 43 real-mode check: CR0.PE: expected 00000001 got 00000000" }, run.FailLines);
        Assert.Equal(new[] { 0x01, 0x43, 0x43 }, run.PostCodes);
    }

    [Fact]
    public void An_exception_outside_try_fails_naming_vector_error_and_address()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x44, "stray fault"
              mov ax, 0x7F8
              mov ds, ax
              PASS
            """, "fail_unexpected");
        Assert.Equal(ExitFail, run.GuestExitCode);
        Assert.Single(run.FailLines);
        Assert.Matches("^FAIL 44 stray fault: unexpected exception: vector 0D error 000007F8 at 0008:000F[0-9A-F]{4} EFLAGS [0-9A-F]{8}$", run.FailLines[0]);
        Assert.Equal(0x44, run.PostCodes[^1]);
    }

    [Fact]
    public void A_try_whose_body_raises_nothing_fails()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x45, "silent body"
              TRY
                nop
              ENDTRY
              PASS
            """, "fail_noexc");
        Assert.Equal(ExitFail, run.GuestExitCode);
        Assert.Equal(new[] { "FAIL 45 silent body: no exception was raised" }, run.FailLines);
    }

    [Fact]
    public void A_wrong_saved_frame_fails_the_exception_check()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x46, "wrong expectation"
              TRY
                ud2
              ENDTRY
              CHECK_EXC 6, 0, 0x12345678
              PASS
            """, "fail_frame");
        Assert.Equal(ExitFail, run.GuestExitCode);
        Assert.Single(run.FailLines);
        Assert.StartsWith("FAIL 46 wrong expectation: saved EIP: expected 12345678 got 000F", run.FailLines[0]);
    }

    [Fact]
    public void A_rom_that_never_reaches_its_exit_port_is_seen_as_timed_out()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x47, "idle"
              cli
              hlt
            """, "hang", TimeSpan.FromSeconds(2));
        Assert.True(run.TimedOut, $"status {run.ExitStatus}, console:\n{run.Console}");
        Assert.False(run.ExitedThroughPort);
        Assert.Equal(new[] { 0x01, 0x02, 0x47 }, run.PostCodes);
    }

    [Fact]
    public void A_triple_fault_ends_qemu_without_the_exit_port()
    {
        var run = AssembleAndRun("""
            ; virtlab: rom
            %include "pm.inc"
            CODE32
            main:
              POST 0x48, "triple fault"
              lidt [.empty]
              int3
            .empty:
              dw 0
              dd 0
            """, "triple");
        Assert.False(run.TimedOut, "QEMU (-no-reboot) should stop on the triple fault");
        Assert.False(run.ExitedThroughPort, $"status {run.ExitStatus}");
        Assert.Empty(run.FailLines);
        Assert.Equal(0x48, run.PostCodes[^1]);
    }

    // ---- running ----

    /// <summary>Assembles ROM source (nasm -f bin -I pm/include/) and runs it in QEMU TCG (killed after
    /// <paramref name="timeout"/>, default <see cref="QemuTimeout"/>); the console file merges COM1 and the
    /// debug console (port 0xE9).</summary>
    public static RomRun AssembleAndRun(string source, string name, TimeSpan? timeout = null)
    {
        var work = Path.Combine(Path.GetTempPath(), "virtlab-pmroms", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var asm = Path.Combine(work, name + ".asm");
            File.WriteAllText(asm, source.ReplaceLineEndings("\n"));
            var rom = ExternalTools.Assemble(asm, IncludeDir, work);
            Assert.True(rom.Length == 65536, $"{name}: the ROM must be exactly 65536 bytes, nasm produced {rom.Length}.");
            var consoleFile = Path.Combine(work, "console.txt");
            var args = new[]
            {
                "-accel", "tcg", "-display", "none", "-monitor", "none", "-no-reboot",
                "-chardev", $"file,id=con,path={consoleFile},mux=on", "-serial", "chardev:con",
                "-device", "isa-debugcon,iobase=0xe9,chardev=con",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-bios", Path.Combine(work, name + ".bin"),
            };
            var qemu = ExternalTools.Require(ExternalTools.QemuExe, "qemu-system-i386 (Debian/Ubuntu package qemu-system-x86)");
            var r = ExternalTools.Run(qemu, args, timeout ?? QemuTimeout, work);
            var text = File.Exists(consoleFile) ? Encoding.Latin1.GetString(File.ReadAllBytes(consoleFile)) : "";
            return new RomRun(text, r.ExitCode, r.TimedOut, r.StdErr);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Tail(string console, int lines = 30)
    {
        var all = console.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
