using System.Text;
using Xunit;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>
/// The sample guests users see in `build.ps1 Demo` (Labs/samples/*.asm) run in the engine and in
/// QEMU with the same console text (debug console and COM1 merged, as the engine records them) and
/// the same exit code. ROMs (first line `; virtlab: rom`) boot QEMU with `-bios`; boot images
/// (`; virtlab: boot`) boot from a floppy through QEMU's own BIOS and enter the engine at 0:7C00.
/// </summary>
public class SampleGuestTests
{
    public static string SampleDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Labs", "samples");

    public static IEnumerable<object[]> Samples() =>
        Directory.GetFiles(SampleDir, "*.asm").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    [Fact]
    public void ThereAreSamples() => Assert.True(Samples().Count() >= 3, $"Expected the sample guests in {SampleDir}.");

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_runs_as_in_qemu(string sample)
    {
        var asm = Path.Combine(SampleDir, sample + ".asm");
        string kind = File.ReadLines(asm).First().Trim();
        Assert.True(kind is "; virtlab: rom" or "; virtlab: boot", $"{sample}.asm must start with '; virtlab: rom' or '; virtlab: boot', not '{kind}'.");
        bool rom = kind == "; virtlab: rom";
        var work = Path.Combine(Path.GetTempPath(), "virtlab-samples", sample + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var image = ExternalTools.Assemble(asm, SampleDir, work);
            var bin = Path.Combine(work, sample + ".bin");

            var m = new Machine();
            if (rom) m.LoadRom(image); else m.LoadFlatImage(image);
            var r = m.Run(100_000_000);
            Assert.Equal(StopReason.ExitPort, r.StopReason);

            var consoleFile = Path.Combine(work, "console.txt");
            var args = new List<string>
            {
                "-accel", "tcg", "-display", "none", "-monitor", "none", "-no-reboot",
                "-chardev", $"file,id=con,path={consoleFile},mux=on", "-serial", "chardev:con",
                "-device", "isa-debugcon,iobase=0xe9,chardev=con",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            };
            if (rom) args.AddRange(new[] { "-bios", bin });
            else args.AddRange(new[] { "-drive", $"format=raw,file={bin},if=floppy" });
            var q = ExternalTools.Run(ExternalTools.Require("qemu-system-i386", "qemu-system-x86"), args, ExternalTools.QemuTimeout, work);
            Assert.False(q.TimedOut, $"{sample}: QEMU did not finish in {ExternalTools.QemuTimeout.TotalSeconds} s.");
            Assert.True((q.ExitCode & 1) == 1, $"{sample}: QEMU exited with {q.ExitCode}, not through the exit port. {q.StdErr}");
            string qemuText = Encoding.Latin1.GetString(File.ReadAllBytes(consoleFile));

            Assert.Equal(qemuText, r.ConsoleText);
            Assert.Equal((q.ExitCode - 1) >> 1, r.ExitCode);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
