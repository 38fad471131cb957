using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// event_channel_op (32), set_callbacks (4), set_timer_op (15), vcpu_op (24), sched_op block, and
/// delivery to the event callback with the virtual interrupt flag (vcpu_info.evtchn_upcall_mask).
/// Offsets from xen-pv.md: upcall_pending +0, upcall_mask +1, pending_sel +4; evtchn_pending at
/// shared_info + 2048, evtchn_mask at + 2176. The guest maps shared_info at 0x40000.
/// </summary>
public class EventTests
{
    private const int ENOENT = -2, EFAULT = -14, EEXIST = -17, EINVAL = -22, ENOSYS = -38, ETIME = -62;

    /// <summary>Maps shared_info at 0x40000 and registers the callback <c>callback</c>.</summary>
    private const string Setup = @"
    mov ecx, [esi+36]
    or ecx, 3
    mov eax, 14
    mov ebx, 0x40000
    mov edx, 0
    mov esi, 2
    int 0x82
    mov eax, 4
    mov ebx, 0xE019
    mov ecx, callback
    mov edx, 0xE019
    mov esi, failsafe
    int 0x82
";

    private static string Evtchn(int cmd, string arg) => Call(32, cmd.ToString(), arg);

    /// <summary>The callback: saves its frame (EIP, CS, EFLAGS) and the time, then powers off.</summary>
    private const string Callback = @"
failsafe:
callback:
    mov eax, [esp]
    mov [cb_eip], eax
    mov eax, [esp+4]
    mov [cb_cs], eax
    mov eax, [esp+8]
    mov [cb_eflags], eax
" + Poweroff + @"
cb_eip: dd 0
cb_cs: dd 0
cb_eflags: dd 0
virq: dd 0, 0, 0
ipi: dd 0, 0
port: dd 0
";

    private static (GuestRun Run, ParaMonitor Mon, GuestInstance G) Go(string body, long max = 1_000_000, string? devices = null)
    {
        var g = Build(Setup + body + "    jmp $\n" + Callback, devices: devices);
        var run = g.Run(GuestMode.Para, max);
        return (run, (ParaMonitor)g.Monitor!, g);
    }

    private static uint Sym(GuestInstance g, string name) => g.Machine.Memory.ReadUInt32(g.Definition.Symbols[name]);

    [Fact]
    public void Bind_virq_allocates_a_port_and_checks_its_arguments()
    {
        var (run, _, g) = Go(
            Evtchn(1, "virq") +                                          // VIRQ_TIMER on vcpu 0
            Evtchn(1, "virq") +                                          // again
            "    mov dword [virq], 24\n" + Evtchn(1, "virq") +          // NR_VIRQS
            "    mov dword [virq], 1\n    mov dword [virq+4], 1\n" + Evtchn(1, "virq") + // vcpu 1
            Evtchn(1, "0xFC000000") +
            Evtchn(5, "port") +
            PoweroffCall);
        Assert.Equal(new[] { 0, EEXIST, EINVAL, ENOENT, EFAULT, ENOSYS }, Results(run).Skip(2).Take(6));
        Assert.Equal(1u, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["virq"] + 8)); // the port out: the first free port is 1 (0 is reserved)
        Assert.Equal("event_channel_op", Hypercalls(run)[2].Reason);
        Assert.Equal(32, Hypercalls(run)[2].ReasonNumber);
    }

    [Fact]
    public void Send_on_an_ipi_port_sets_pending_bits_and_upcall_pending()
    {
        var (run, mon, g) = Go(Evtchn(7, "ipi") + "    mov eax, [ipi+4]\n    mov [port], eax\n" + Evtchn(4, "port") + PoweroffCall);
        Assert.Equal(new[] { 0, 0 }, Results(run).Skip(2).Take(2));
        var mem = g.Machine.Memory;
        Assert.Equal(1u, Sym(g, "port"));
        Assert.Equal(2u, mem.ReadUInt32(mon.SharedInfo + 2048));  // evtchn_pending bit 1
        Assert.Equal(1u, mem.ReadUInt32(mon.SharedInfo + 4));     // evtchn_pending_sel bit 0
        Assert.Equal(1, mem.ReadByte(mon.SharedInfo + 0));        // evtchn_upcall_pending
        Assert.DoesNotContain(run.Exits, e => e.Reason == "event_callback"); // masked (upcall_mask 1 at boot)
    }

    [Fact]
    public void Send_close_and_unmask_errors()
    {
        var (run, _, _) = Go(
            Evtchn(1, "virq") + "    mov eax, [virq+8]\n    mov [port], eax\n" +
            Evtchn(4, "port") +                                    // a VIRQ port: only Xen raises it
            "    mov dword [port], 9\n" + Evtchn(4, "port") +      // a free port
            "    mov dword [port], 5000\n" + Evtchn(4, "port") +   // beyond the 1024 ports
            Evtchn(9, "port") +
            "    mov dword [port], 1\n" + Evtchn(3, "port") + Evtchn(3, "port") +
            "    mov dword [port], 0\n" + Evtchn(3, "port") +      // port 0 is reserved
            Evtchn(4, "0xFC000000") + PoweroffCall);
        Assert.Equal(new[] { 0, EINVAL, EINVAL, EINVAL, EINVAL, 0, EINVAL, EINVAL, EFAULT }, Results(run).Skip(2).Take(9));
    }

    [Fact]
    public void A_masked_port_raises_no_upcall_until_unmask()
    {
        var (run, mon, g) = Go(Evtchn(7, "ipi") + "    mov eax, [ipi+4]\n    mov [port], eax\n" +
            "    bts dword [0x40000 + 2176], eax\n" +     // mask the port in evtchn_mask
            Evtchn(4, "port") +
            "    movzx eax, byte [0x40000]\n    mov [cb_cs], eax\n" +
            Evtchn(9, "port") + PoweroffCall);
        Assert.Equal(0u, Sym(g, "cb_cs"));                              // no upcall while masked
        Assert.Equal(1, g.Machine.Memory.ReadByte(mon.SharedInfo));      // unmask set upcall_pending
        Assert.Equal(0u, g.Machine.Memory.ReadUInt32(mon.SharedInfo + 2176));
    }

    [Fact]
    public void A_pending_event_is_delivered_on_the_way_out_of_a_hypercall_once_unmasked()
    {
        var (run, _, g) = Go(Evtchn(7, "ipi") + "    mov eax, [ipi+4]\n    mov [port], eax\n" + Evtchn(4, "port") +
            "    mov byte [0x40001], 0\n" +       // the guest's 'sti': clear evtchn_upcall_mask...
            Call(17, "0", "0") +                  // ...and a hypercall to get the pending event (Linux uses xen_version)
            "after:\n");
        var ev = run.Exits.Single(e => e.Reason == "event_callback");
        Assert.Equal(VmExitKind.Trap, ev.Kind);
        Assert.Equal(g.Definition.Symbols["after"], Sym(g, "cb_eip"));
        Assert.Equal(0xE019u, Sym(g, "cb_cs"));                       // saved mask 0 in bits 16-23
        Assert.Equal(0x200u, Sym(g, "cb_eflags") & 0x200);            // IF = !mask = 1
        Assert.Equal(1, g.Machine.Memory.ReadByte(((ParaMonitor)g.Monitor!).SharedInfo + 1)); // masked on entry
    }

    [Fact]
    public void The_timer_virq_interrupts_a_running_guest()
    {
        var (run, _, g) = Go(Evtchn(1, "virq") + Call(15, "20000", "0") + "    mov byte [0x40001], 0\nspin:\n    jmp spin\n");
        Assert.Equal(g.Definition.Symbols["spin"], Sym(g, "cb_eip"));
        var order = run.Exits.Select(e => e.Reason).ToArray();
        Assert.Equal("set_timer_op", order[3]);
        Assert.Equal("event_callback", order[4]);
        Assert.True(run.InstructionsRetired >= 20000 - 100);
    }

    [Fact]
    public void Set_timer_op_zero_cancels()
    {
        var (run, _, _) = Go(Evtchn(1, "virq") + Call(15, "20000", "0") + Call(15, "0", "0") + Call(24, "7", "0", "0") + "    mov byte [0x40001], 0\n", max: 100_000);
        Assert.DoesNotContain(run.Exits, e => e.Reason == "event_callback");
        Assert.Equal(StopReason.BudgetExhausted, run.StopReason);
    }

    [Fact]
    public void Sched_op_block_sleeps_until_the_timer_and_unmasks_events()
    {
        var (run, _, g) = Go(Evtchn(1, "virq") + Call(15, "300000", "0") + Call(29, "1") + "woken:\n");
        var h = Hypercalls(run).Single(e => e.Reason == "sched_op" && (uint)e.Fields["cmd"] == 1);
        Assert.Equal("blocked until the next event", h.Action);
        Assert.Equal(g.Definition.Symbols["woken"], Sym(g, "cb_eip"));
        Assert.True(g.Machine.Cpu.IdleTime > 200_000, $"idle {g.Machine.Cpu.IdleTime}");
    }

    [Fact]
    public void Blocking_with_nothing_to_wake_the_vcpu_halts_the_run()
    {
        // Without the machine's PIT (Xen's own timer source) nothing can end the wait: the CPU halts.
        var (run, _, _) = Go(Call(24, "7", "0", "0") + Call(29, "1"), devices: "[{type: console}, {type: exit}]");
        Assert.Equal(StopReason.Halted, run.StopReason);
    }

    [Fact]
    public void Vcpu_op_for_a_single_vcpu()
    {
        var (run, _, _) = Go(
            Call(24, "3", "0", "0") +               // is_up
            Call(24, "3", "1", "0") +               // vcpu 1 does not exist
            "    mov dword [virq], 100\n" + Call(24, "6", "0", "virq") + // period under 1 ms
            Call(24, "6", "0", "0xFC000000") +
            "    mov dword [virq], 1\n    mov dword [virq+8], 1\n" + Call(24, "8", "0", "virq") + // singleshot in the past, VCPU_SSHOTTMR_future
            Call(24, "9", "0", "0") + Call(24, "7", "0", "0") + Call(24, "42", "0", "0") + PoweroffCall);
        Assert.Equal(new[] { 1, ENOENT, EINVAL, EFAULT, ETIME, 0, 0, ENOSYS }, Results(run).Skip(2).Take(8));
        Assert.Equal("vcpu_op", Hypercalls(run)[2].Reason);
    }

    [Fact]
    public void A_periodic_timer_ticks()
    {
        var g = Build(Setup + Call(32, "1", "virq") + "    mov dword [virq], 1000000\n    mov dword [virq+4], 0\n" + Call(24, "6", "0", "virq") + @"
    mov byte [0x40001], 0
spin:
    jmp spin
callback:
failsafe:
    inc dword [ticks]
    mov byte [0x40000], 0        ; clear upcall_pending, the selector, then the port's pending bit
    mov dword [0x40000 + 4], 0
    mov dword [0x40000 + 2048], 0
    mov byte [0x40001], 0
    iret
ticks: dd 0
virq: dd 0, 0, 0
");
        var run = g.Run(GuestMode.Para, 3_500_000);
        Assert.Equal(3u, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["ticks"]));
        Assert.Equal(3, run.Exits.Count(e => e.Reason == "event_callback"));
    }
}
