using VirtLab.Engine.Labs;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// multicall (13, xen/common/multicall.c): entries of 32 bytes { op, result, args[6] } run in order in
/// one trap, each result written back into its entry; the call returns 0, or -EFAULT for a list it
/// cannot read. Nested multicall and iret are refused per entry (-EINVAL); a shutdown ends the batch.
/// </summary>
public class MulticallTests
{
    private const int EINVAL = -22, EFAULT = -14, ENOSYS = -38;

    /// <summary>A multicall entry as nasm data.</summary>
    private static string Entry(int op, params string[] args)
    {
        var a = args.Concat(Enumerable.Repeat("0", 6 - args.Length));
        return $"    dd {op}, 0x7777, {string.Join(", ", a)}\n";
    }

    [Fact]
    public void Runs_each_entry_and_writes_its_result_back()
    {
        var (run, _) = ParaGuest.Run(Call(13, "list", "3") + Poweroff + "align 4\nlist:\n"
            + Entry(18, "0", "2", "msg")     // console_io write "hi"
            + Entry(17, "0", "0")            // xen_version: 0x00030000
            + Entry(99)                      // unknown: -ENOSYS
            + "msg: db \"hi\"\n");
        var h = Hypercalls(run);
        Assert.Equal("multicall", h[0].Reason);
        Assert.Equal(13, h[0].ReasonNumber);
        Assert.Equal(0, Result(h[0]));
        Assert.Equal("console_io,xen_version,hypercall_99", h[0].Fields["ops"]);
        Assert.Equal($"0,{0x30000},{ENOSYS}", h[0].Fields["results"]); // console_io write returns 0
        Assert.Equal("hi", run.ConsoleText);
        Assert.Equal(2, h.Length); // one trap for the whole batch, then the shutdown
    }

    [Fact]
    public void Results_land_in_the_entries()
    {
        var g = Build(Call(13, "list", "2") + Poweroff + "align 4\nlist:\n" + Entry(17, "0", "0") + Entry(13, "list", "1"));
        var run = g.Run(GuestMode.Para, 100_000);
        uint list = g.Definition.Symbols["list"];
        Assert.Equal(0x30000u, g.Machine.Memory.ReadUInt32(list + 4));
        Assert.Equal(unchecked((uint)EINVAL), g.Machine.Memory.ReadUInt32(list + 32 + 4)); // nested multicall refused
    }

    [Fact]
    public void Refuses_iret_inside_a_batch()
    {
        var (run, _) = ParaGuest.Run(Call(13, "list", "1") + Poweroff + "align 4\nlist:\n" + Entry(23));
        Assert.Equal($"{EINVAL}", Hypercalls(run)[0].Fields["results"]);
    }

    [Fact]
    public void An_unreadable_list_is_efault()
    {
        var (run, _) = ParaGuest.Run(Call(13, "0xFC000000", "1") + Poweroff);
        Assert.Equal(EFAULT, Results(run)[0]);
    }

    [Fact]
    public void A_shutdown_inside_a_batch_ends_it_and_the_domain()
    {
        var (run, _) = ParaGuest.Run(Call(13, "list", "2") + "    mov al, 9\n    out 0xF4, al\n" + Poweroff + "align 4\nlist:\n"
            + Entry(29, "2", "reason") + Entry(18, "0", "2", "msg") + "reason: dd 0\nmsg: db \"no\"\n");
        Assert.Equal("sched_op", Hypercalls(run)[0].Fields["ops"]);
        Assert.Equal("", run.ConsoleText);
        Assert.Null(run.ExitCode);
        Assert.Single(Hypercalls(run));
    }
}
