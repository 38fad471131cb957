using VirtLab.Engine.Labs;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// A PV guest can never crash the host: random hypercalls (random numbers and arguments, pointers
/// anywhere including the hole) and random ring-1 code end with a stop reason, each hypercall with a
/// result (a value or a negative Xen errno), never an exception out of the engine.
/// </summary>
public class ParaRobustnessTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 30).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_hypercalls_get_results_not_host_exceptions(int seed)
    {
        var rng = new Random(seed);
        var asm = new System.Text.StringBuilder();
        string[] pointers = { "0", "0xFC000000", "0xFFFFFFF0", "0x10000", "0x3FF000", "0x7FF0", "esp" };
        for (int i = 0; i < 40; i++)
        {
            int nr = rng.Next(0, 40);
            if (nr == 29 || nr == 23) nr = 17; // keep running: no shutdown, no iret hypercall (it pops a frame)
            asm.Append($"    mov eax, {nr}\n");
            foreach (var reg in new[] { "ebx", "ecx", "edx", "esi", "edi" })
                asm.Append(rng.Next(3) == 0 ? $"    mov {reg}, {pointers[rng.Next(pointers.Length)]}\n" : $"    mov {reg}, 0x{(uint)rng.Next():X}\n");
            asm.Append("    int 0x82\n");
        }
        asm.Append(ParaGuest.Poweroff);
        var g = ParaGuest.Build(asm.ToString());
        var run = g.Run(GuestMode.Para, 200_000);
        Assert.True(Enum.IsDefined(run.StopReason));
        foreach (var h in ParaGuest.Hypercalls(run)) Assert.True(h.Fields.ContainsKey("result"), $"{h.Reason} has no result");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_ring1_code_stops_cleanly(int seed)
    {
        var bytes = new byte[1024];
        new Random(seed * 104729).NextBytes(bytes);
        var g = ParaGuest.Build("    db " + string.Join(", ", bytes.Select(b => "0x" + b.ToString("X2"))));
        var run = g.Run(GuestMode.Para, 50_000);
        Assert.True(Enum.IsDefined(run.StopReason));
        Assert.All(run.Exits, e => Assert.False(string.IsNullOrEmpty(e.Reason)));
    }
}
