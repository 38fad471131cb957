using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

public class HardwareSmokeTests
{
    [Fact]
    public void Hello_runs_in_hardware_mode_with_io_exits()
    {
        var lab = Lab.Load(Path.Combine(VirtLab.Engine.Tests.Differential.QemuDifferentialTests.RepoRoot, "Labs", "hello.yaml"));
        var run = lab.Guests[0].Run(GuestMode.Hardware);
        Assert.Null(run.StopMessage);
        Assert.Equal("Hello from VirtLab\n", run.ConsoleText);
        Assert.Equal(StopReason.ExitPort, run.StopReason);
        Assert.Equal(20, run.Exits.Count(e => e.Reason == "IoInstruction"));
    }
}
