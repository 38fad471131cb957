using System.Text;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>
/// The inline-asm sample lab against QEMU: the bytes the lab assembled become a floppy boot sector
/// (padded, 0x55AA signature) that QEMU's BIOS loads at 0:7C00; QEMU's console and exit code must
/// be the lab run's. This checks the whole path a student uses (YAML, VirtLab's assembler, the
/// machine builder, the engine) against a machine none of it wrote.
/// </summary>
public class LabQemuTests
{
    [Fact]
    public void Hello_lab_runs_as_in_qemu()
    {
        var guest = Lab.Load(Path.Combine(SampleLabTests.LabDir, "hello.yaml")).GetGuest("hello");
        var region = guest.Definition.Memory.Single();
        var code = region.Contents.Single();
        Assert.Equal(0x7C00u, code.Address);
        Assert.True(code.Bytes.Length <= 510);
        var sector = new byte[512];
        code.Bytes.CopyTo(sector, 0);
        sector[510] = 0x55;
        sector[511] = 0xAA;

        var run = guest.Run();
        Assert.Equal(StopReason.ExitPort, run.StopReason);

        var work = Path.Combine(Path.GetTempPath(), "virtlab-labs-qemu-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var img = Path.Combine(work, "hello.img");
            File.WriteAllBytes(img, sector);
            var consoleFile = Path.Combine(work, "console.txt");
            var args = new List<string>
            {
                "-accel", "tcg", "-display", "none", "-monitor", "none", "-no-reboot",
                "-chardev", $"file,id=con,path={consoleFile},mux=on", "-serial", "chardev:con",
                "-device", "isa-debugcon,iobase=0xe9,chardev=con",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-drive", $"format=raw,file={img},if=floppy",
            };
            var q = ExternalTools.Run(ExternalTools.Require("qemu-system-i386", "qemu-system-x86"), args, ExternalTools.QemuTimeout, work);
            Assert.False(q.TimedOut, $"QEMU did not finish in {ExternalTools.QemuTimeout.TotalSeconds} s.");
            Assert.True((q.ExitCode & 1) == 1, $"QEMU exited with {q.ExitCode}, not through the exit port. {q.StdErr}");
            Assert.Equal(Encoding.Latin1.GetString(File.ReadAllBytes(consoleFile)), run.ConsoleText);
            Assert.Equal((q.ExitCode - 1) >> 1, run.ExitCode);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
