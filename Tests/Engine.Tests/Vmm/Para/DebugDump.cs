using Xunit;
using Xunit.Abstractions;
using VirtLab.Engine.Labs;
namespace VirtLab.Engine.Tests.Vmm.Para;
public class DebugDump
{
    private readonly ITestOutputHelper _o;
    public DebugDump(ITestOutputHelper o) { _o = o; }
    [Fact]
    public void Dump()
    {
        var f = Environment.GetEnvironmentVariable("LAB") ?? "/work/wt-para/Labs/para-hypercalls.yaml";
        var lab = Lab.Load(f);
        foreach (var g in lab.Guests)
        {
            var run = g.Run();
            foreach (var e in run.Exits.Take(40)) _o.WriteLine($"{e.Index} {e.Kind} {e.Reason} {e.GuestCs:X4}:{e.GuestEip:X8} {e.InstructionText} | {e.Action} | {string.Join(",", e.Fields.Where(x => x.Key != "text").Select(x => x.Key + "=" + x.Value))}");
            _o.WriteLine($"{g.Name}: {run.StopReason} exit={run.ExitCode} retired={run.InstructionsRetired} cycles={run.SimulatedCycles} exits={run.Exits.Count} console=[{run.ConsoleText}] {(g.Monitor as VirtLab.Engine.Vmm.Para.ParaMonitor)?.StopMessage} eip={run.Registers["eip"]:X}");
            foreach (var r in ExpectationChecker.Check(g.Definition, run)) _o.WriteLine($"  {r.Name}: {r.Passed} expected {r.Expected} got {r.Actual}");
        }
    }
}
