using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>
/// A guest run in slices (for cancellation and progress) behaves exactly as one uninterrupted
/// Machine.Run: the PIT/PIC ROM, whose interrupts follow virtual time, gives the same POST codes,
/// console, exit code and instruction count with slices of a few hundred instructions.
/// </summary>
public class SlicedRunTests
{
    [Theory]
    [InlineData("pit_pic", 997)]
    [InlineData("pit_pic", 64)]
    [InlineData("rings", 101)]
    [InlineData("paging", 333)]
    public void Slices_do_not_change_the_run(string rom, long slice)
    {
        var work = Path.Combine(Path.GetTempPath(), "virtlab-labs-sliced-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        byte[] image;
        try { image = ExternalTools.Assemble(Path.Combine(ProtectedModeRomQemuTests.RomDir, rom + ".asm"), ProtectedModeRomQemuTests.IncludeDir, work); }
        finally { Directory.Delete(work, true); }
        var m = new Machine();
        m.LoadRom(image);
        var direct = m.Run(200_000_000);
        Assert.Equal(StopReason.ExitPort, direct.StopReason);

        var guest = Lab.FromRom(image, rom).Guests[0];
        guest.Slice = slice;
        var run = guest.Run(maxInstructions: 200_000_000);
        Assert.Equal(direct.StopReason, run.StopReason);
        Assert.Equal(direct.ExitCode, run.ExitCode);
        Assert.Equal(direct.PostCodes, run.PostCodes);
        Assert.Equal(direct.ConsoleText, run.ConsoleText);
        Assert.Equal(direct.InstructionsRetired, run.InstructionsRetired);
        Assert.Equal(direct.FaultsDelivered, run.FaultsDelivered);
    }
}
