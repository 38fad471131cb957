using VirtLab.Engine.Vmm;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Para;

public class ParaSmokeTests
{
    [Fact]
    public void Console_io_then_shutdown()
    {
        var (run, mon) = ParaGuest.Run(@"
    mov eax, 18
    mov ebx, 0
    mov ecx, 3
    mov edx, msg
    int 0x82
" + ParaGuest.Poweroff + @"
msg: db ""hi"", 10
");
        Assert.Equal("hi\n", run.ConsoleText);
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Equal("domain shut down: poweroff", mon.StopMessage);
        Assert.Equal("domain shut down: poweroff", run.StopMessage); // the run carries the monitor's reason
        var h = ParaGuest.Hypercalls(run);
        Assert.Equal(new[] { "console_io", "sched_op" }, h.Select(e => e.Reason));
        Assert.Equal(0, ParaGuest.Result(h[0]));
    }
}
