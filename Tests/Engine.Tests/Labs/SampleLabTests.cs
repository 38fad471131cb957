using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>
/// The sample labs in Labs/*.yaml load, run natively, and meet every expectation they state; each
/// lab's run is also compared with the same guest run straight on a <see cref="Machine"/> (the way
/// SampleGuestTests runs Labs/samples against QEMU), so the lab builder changes nothing.
/// </summary>
public class SampleLabTests
{
    public static string LabDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Labs");

    public static IEnumerable<object[]> SampleLabs() =>
        Directory.GetFiles(LabDir, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    [Fact]
    public void The_required_sample_labs_exist()
    {
        var names = SampleLabs().Select(o => (string)o[0]).ToList();
        foreach (var required in new[] { "hello.yaml", "protected-mode.yaml", "primes.yaml" }) Assert.Contains(required, names);
    }

    [Theory]
    [MemberData(nameof(SampleLabs))]
    public void Sample_lab_meets_its_expectations(string file)
    {
        var lab = Lab.Load(Path.Combine(LabDir, file));
        foreach (var guest in lab.Guests)
        {
            Assert.NotNull(guest.Definition.Expect);
            var run = guest.Run();
            var results = ExpectationChecker.Check(guest.Definition, run);
            Assert.NotEmpty(results);
            var failed = results.Where(r => !r.Passed).Select(r => $"{r.Name}: expected {r.Expected}, got {r.Actual}").ToList();
            Assert.True(failed.Count == 0, $"{file} guest {guest.Name}: {string.Join("; ", failed)}");
        }
    }

    [Theory]
    [InlineData("protected-mode.yaml", "protected-mode.asm", true)]
    [InlineData("primes.yaml", "primes.asm", false)]
    public void Lab_runs_its_sample_as_the_bare_machine_does(string labFile, string asm, bool rom)
    {
        var image = Nasm.Assemble(File.ReadAllText(Path.Combine(LabDir, "samples", asm)));
        var m = new Machine();
        if (rom) m.LoadRom(image); else m.LoadFlatImage(image);
        var direct = m.Run(100_000_000);

        var run = Lab.Load(Path.Combine(LabDir, labFile)).Guests[0].Run();
        Assert.Equal(direct.StopReason, run.StopReason);
        Assert.Equal(direct.ExitCode, run.ExitCode);
        Assert.Equal(direct.ConsoleText, run.ConsoleText);
        Assert.Equal(direct.PostCodes, run.PostCodes);
        Assert.Equal(direct.InstructionsRetired, run.InstructionsRetired);
    }
}
