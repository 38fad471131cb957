using Xunit;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>
/// The protected-mode test ROMs (Tests/Guests/pm/*.asm) in VirtLab's engine: loaded at the reset
/// vector like a BIOS, each must reach POST FF on port 0x190 and exit through port 0xF4 with the
/// pass code, with every POST code it wrote rising. The same ROMs are proven in QEMU TCG by
/// <see cref="ProtectedModeRomQemuTests"/>, so the ROMs themselves are right and a failure here is
/// the engine's.
/// </summary>
public class ProtectedModeRomEngineTests
{
    /// <summary>Each ROM finishes in well under a million instructions; pit_pic's polling loops are capped far higher.</summary>
    private const long Budget = 200_000_000;

    public static IEnumerable<object[]> Roms() => ProtectedModeRomQemuTests.Roms();

    [Theory]
    [MemberData(nameof(Roms))]
    public void Rom_reaches_post_ff_in_the_engine(string rom)
    {
        var work = Path.Combine(Path.GetTempPath(), "virtlab-pm-engine", rom + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var image = ExternalTools.Assemble(Path.Combine(ProtectedModeRomQemuTests.RomDir, rom + ".asm"), ProtectedModeRomQemuTests.IncludeDir, work);
            var machine = new Machine();
            machine.LoadRom(image);
            var result = machine.Run(Budget);
            var fails = result.ConsoleText.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
            string codes = string.Join(" ", result.PostCodes.Select(c => c.ToString("X2")));
            Assert.True(fails.Count == 0, $"{rom}: {string.Join("\n", fails)}\nPOST: {codes}");
            Assert.True(result.StopReason == StopReason.ExitPort,
                $"{rom}: stopped with {result.StopReason} at {result.FinalCs:X4}:{result.FinalEip:X8} after {result.InstructionsRetired} instructions; POST: {codes}");
            Assert.Equal(ProtectedModeRomQemuTests.ExitPass, result.ExitCode);
            Assert.Equal(0xFF, result.PostCodes[^1]);
            var own = result.PostCodes.Where(c => !ProtectedModeRomQemuTests.CommonPostCodes.Contains(c)).ToList();
            Assert.True(own.Zip(own.Skip(1)).All(p => p.First <= p.Second), $"{rom}: POST codes not rising: {codes}");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
