using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>The monitor as an <see cref="IVirtualMachineMonitor"/>: attaching, cycles, continuation, and giving the machine back.</summary>
public class ParaMonitorTests
{
    [Fact]
    public void Attach_checks_its_machine()
    {
        IVirtualMachineMonitor m = new ParaMonitor(null, 0x20000);
        Assert.Equal(GuestMode.Para, m.Mode);
        Assert.Equal(0, m.Cycles);
        Assert.Empty(m.Exits);
        Assert.Throws<ArgumentNullException>(() => m.Attach(null!));
        var machine = new Machine(new MachineOptions { RamSize = 1 << 20 });
        machine.Cpu.Monitor = new ParaMonitor(null, 0x20000);
        Assert.Equal("The paravirtual monitor needs a machine without a monitor; this one has ParaMonitor.",
            Assert.Throws<InvalidOperationException>(() => m.Attach(machine)).Message);
        var tiny = new Machine(new MachineOptions { RamSize = 0x8000 });
        Assert.Contains("The hypervisor needs 0x10000 bytes of RAM", Assert.Throws<InvalidOperationException>(() => new ParaMonitor(null, 0).Attach(tiny)).Message);
        var full = new Machine(new MachineOptions { RamSize = 0x20000 });
        Assert.Contains("cannot hold the boot structures", Assert.Throws<InvalidOperationException>(() => new ParaMonitor(null, 0x10000).Attach(full)).Message);
    }

    [Fact]
    public void Cycles_are_instructions_plus_the_exits_costs()
    {
        var (run, mon) = Run(Call(17, "0", "0") + Call(17, "0", "0") + Poweroff);
        // 3 entries (HLT stub) and 2 returns (IRET): the hypervisor's own instructions are in the exits' costs
        Assert.Equal(5, mon.HypervisorInstructions);
        Assert.Equal(run.InstructionsRetired - 5 + run.Exits.Sum(e => e.Cycles), run.SimulatedCycles);
        Assert.Equal(3 * ParaCosts.Hypercall, run.Exits.Sum(e => e.Cycles));
        Assert.Equal(run.Exits.Select((e, i) => i), run.Exits.Select(e => e.Index));
        Assert.All(run.Exits, e => Assert.Equal(GuestMode.Para, e.Mode));
    }

    [Fact]
    public void A_continuation_keeps_the_domain()
    {
        var g = Build(Call(3, "0xE021", "0x9000") + "    mov ecx, 1000\nspin:\n    loop spin\n" + Call(17, "0", "0") + Poweroff);
        var first = g.Run(GuestMode.Para, 500);
        Assert.Equal(StopReason.BudgetExhausted, first.StopReason);
        var rest = g.Continue(10_000);
        Assert.Equal(StopReason.MonitorStop, rest.StopReason);
        Assert.Equal(new[] { "xen_version", "sched_op" }, rest.Exits.Select(e => e.Reason));
        Assert.Same(g.Monitor, g.Monitor);
    }

    [Fact]
    public void After_a_para_run_the_machine_runs_natively_with_its_own_interrupt_controller()
    {
        var g = Build(Call(17, "0", "0") + Poweroff);
        g.Run(GuestMode.Para, 10_000);
        g.Reset();
        Assert.Null(g.Machine.Cpu.Monitor);
        Assert.False(g.Machine.Cpu.InterruptSource!.InterruptPending); // the 8259A answers again
        var native = g.Run(GuestMode.Native, 100);
        Assert.Empty(native.Exits);
        Assert.Equal(0, g.Machine.Cpu.GetSegment(SegmentRegister.CS).Selector & 3); // ring 0: no domain builder
    }

    [Fact]
    public void A_second_para_run_starts_a_fresh_domain()
    {
        var g = Build(Call(32, "7", "ipi") + Poweroff + "ipi: dd 0, 0");
        var a = g.Run(GuestMode.Para, 10_000);
        var b = g.Run(GuestMode.Para, 10_000);
        Assert.Equal(1u, a.Exits[0].Fields["port"]);
        Assert.Equal(1u, b.Exits[0].Fields["port"]); // the new monitor's ports start over
        Assert.Single(g.Machine.Cpu.ClockedDevices, d => d.GetType().Name == "XenTimer");
    }
}
