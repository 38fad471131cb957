using System.Text;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// Entry, start state, the hypercall page and the simple hypercalls. Expected numbers come from
/// ../shared/reference/xen-pv.md (hypercall numbers, errno values, selectors, start_info offsets).
/// </summary>
public class HypercallBasicsTests
{
    // Xen errno values from the reference sheet.
    private const int EPERM = -1, EFAULT = -14, EINVAL = -22, ENOSYS = -38;

    [Fact]
    public void The_kernel_starts_in_ring_1_with_paging_start_info_in_esi_and_events_masked()
    {
        var g = Build("hlt");
        var m = new ParaMonitor(g.Definition);
        g.Machine.Cpu.Monitor = null;
        m.Attach(g.Machine);
        var cpu = g.Machine.Cpu;
        Assert.Equal(0xE019, cpu.GetSegment(SegmentRegister.CS).Selector);
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS, SegmentRegister.SS })
            Assert.Equal(0xE021, cpu.GetSegment(s).Selector);
        Assert.Equal(1, cpu.Cpl);
        Assert.Equal(0x10000u, cpu.Eip);
        Assert.Equal(m.StartInfo, cpu.Esi);
        Assert.Equal(m.BootStackTop, cpu.Esp);
        Assert.True((cpu.Cr0 & 0x8001_0001) == 0x8001_0001, "PE, PG and WP");
        Assert.Equal(0x200u, cpu.EFlags & 0x200);
        var mem = g.Machine.Memory;
        Assert.Equal("xen-3.0-x86_32", Encoding.ASCII.GetString(mem.Read(m.StartInfo, 14)));
        Assert.Equal(m.SharedInfo, mem.ReadUInt32(m.StartInfo + 36));
        Assert.Equal(3u, mem.ReadUInt32(m.StartInfo + 40)); // SIF_PRIVILEGED | SIF_INITDOMAIN
        Assert.Equal(m.PageTableBase, mem.ReadUInt32(m.StartInfo + 60));
        Assert.Equal((uint)m.PageTableFrames, mem.ReadUInt32(m.StartInfo + 64));
        Assert.Equal(m.PageTableBase, cpu.Cr3);
        Assert.Equal(1, mem.ReadByte(m.SharedInfo + 1)); // evtchn_upcall_mask of vcpu 0
        Assert.True(m.IsPinned(m.PageTableBase >> 12));
        Assert.Equal(PageType.L2, m.FrameType(m.PageTableBase >> 12));
        Assert.Equal(PageType.L1, m.FrameType((m.PageTableBase >> 12) + 1));
        // the page tables are mapped read-only, ordinary pages read/write, no user bit (L1_PROT)
        uint l1 = m.PageTableBase + 0x1000;
        Assert.Equal(m.PageTableBase | 0x21u, mem.ReadUInt32(l1 + (m.PageTableBase >> 12) * 4));
        Assert.Equal(0x10000u | 0x23u, mem.ReadUInt32(l1 + 0x10 * 4) & ~0x40u);
        // the P2M list is the identity
        uint mfnList = mem.ReadUInt32(m.StartInfo + 68);
        Assert.Equal(0x123u, mem.ReadUInt32(mfnList + 0x123 * 4));
    }

    [Fact]
    public void The_hypercall_page_holds_xens_stubs()
    {
        var g = Build("hlt");
        g.Run(GuestMode.Para, 1);
        var page = g.Machine.Memory.Read(0x20000, 4096);
        // slot 18 (console_io): mov eax, 18 / int 0x82 / ret, then int3 filler
        Assert.Equal(new byte[] { 0xB8, 18, 0, 0, 0, 0xCD, 0x82, 0xC3, 0xCC }, page.AsSpan(18 * 32, 9).ToArray());
        // slot 23 (iret): push eax / mov eax, 23 / int 0x82
        Assert.Equal(new byte[] { 0x50, 0xB8, 23, 0, 0, 0, 0xCD, 0x82, 0xCC }, page.AsSpan(23 * 32, 9).ToArray());
        Assert.Equal(0xCC, page[31]);
    }

    [Fact]
    public void A_call_into_the_hypercall_page_is_a_hypercall()
    {
        var (run, _) = Run(@"
    mov ebx, 0
    mov ecx, 2
    mov edx, msg
    call 0x20000 + 18*32
" + Poweroff + @"
msg: db ""ok""");
        Assert.Equal("ok", run.ConsoleText);
        var h = Hypercalls(run)[0];
        Assert.Equal("console_io", h.Reason);
        Assert.Equal(18, h.ReasonNumber);
        Assert.Equal(0x20000u + 18 * 32 + 5, h.GuestEip);
        Assert.Equal(0xE019, h.GuestCs);
        Assert.Equal(1, h.Cpl);
        Assert.Equal(VmExitKind.Hypercall, h.Kind);
        Assert.Equal(ParaCosts.Hypercall, h.Cycles);
        Assert.Equal(new byte[] { 0xCD, 0x82 }, h.InstructionBytes);
        Assert.Equal(0u, h.Fields["ebx"]);
        Assert.Equal(2u, h.Fields["ecx"]);
    }

    [Fact]
    public void Console_io_errors()
    {
        var (run, _) = Run(
            Call(18, "0", "4", "0xFC000000") +   // buffer in the hypervisor's hole
            Call(18, "0", "4", "0x3FF000") +     // buffer not mapped (4 MiB RAM, top 64 KiB are Xen's... and unmapped here)
            Call(18, "7", "0", "0") +            // unknown command
            Call(18, "1", "16", "buf") +         // read: no input, 0 bytes
            Poweroff + "buf: times 16 db 0");
        Assert.Equal(new[] { EFAULT, EFAULT, ENOSYS, 0, 0 }, Results(run));
    }

    [Fact]
    public void Console_io_writes_up_to_an_unreadable_page_then_fails()
    {
        // 6 bytes from 3 before the end of the domain's mapped RAM (the top 64 KiB of 4 MiB are Xen's, unmapped): "abc", then -EFAULT.
        var (run, _) = Run("    mov word [0x3EFFFD], 'ab'\n    mov byte [0x3EFFFF], 'c'\n" + Call(18, "0", "6", "0x3EFFFD") + Poweroff);
        Assert.Equal(EFAULT, Results(run)[0]);
        Assert.Equal("abc", run.ConsoleText);
    }

    [Fact]
    public void Console_io_is_refused_to_an_unprivileged_domain()
    {
        var (run, _) = Run(Call(18, "0", "2", "msg") + Poweroff + "msg: db \"no\"", "privileged: false");
        Assert.Equal(EPERM, Results(run)[0]);
        Assert.Equal("", run.ConsoleText);
    }

    [Fact]
    public void Unknown_and_unimplemented_hypercalls_return_enosys()
    {
        var (run, _) = Run(Call(11) + Call(99) + Call(-1) + Call(12) + Poweroff);
        var h = Hypercalls(run);
        Assert.Equal(new[] { ENOSYS, ENOSYS, ENOSYS, ENOSYS, 0 }, Results(run));
        Assert.Equal("hypercall_11", h[0].Reason);
        Assert.Equal("memory_op", h[3].Reason);
        Assert.Contains("not implemented", h[3].Action);
    }

    [Fact]
    public void Xen_version_reports_xen_3_0_on_x86_32()
    {
        var (run, g) = Run(
            Call(17, "0", "0") +
            Call(17, "1", "extra") +
            Call(17, "3", "caps") +
            Call(17, "5", "params") +
            Call(17, "7", "0") +
            Call(17, "3", "0xFC001000") +
            Call(17, "42", "0") +
            Poweroff + "extra: times 16 db 0\ncaps: times 1024 db 0\nparams: dd 0");
        Assert.Equal(new[] { 0x30000, 0, 0, 0, 4096, EFAULT, ENOSYS, 0 }, Results(run));
    }

    [Fact]
    public void Xen_version_writes_its_strings_and_the_hole_start()
    {
        var g = Build(Call(17, "3", "caps") + Call(17, "5", "params") + Poweroff + "caps: times 1024 db 0\nparams: dd 0");
        g.Run(GuestMode.Para, 100_000);
        uint caps = g.Definition.Symbols["caps"], param = g.Definition.Symbols["params"];
        Assert.Equal("xen-3.0-x86_32 ", Encoding.ASCII.GetString(g.Machine.Memory.Read(caps, 15)));
        Assert.Equal(0xFC000000u, g.Machine.Memory.ReadUInt32(param));
    }

    [Fact]
    public void Sched_op_yield_shutdown_reasons_and_errors()
    {
        var (run, mon) = Run(
            Call(29, "0") +                 // yield
            Call(29, "3") +                 // poll: not modelled
            Call(29, "2", "0xFC000000") +   // shutdown with an unreadable structure
            Call(29, "2", "bad") +          // reason 9
            Call(29, "2", "why") +          // crash (3)
            "hlt\nbad: dd 9\nwhy: dd 3");
        Assert.Equal(new[] { 0, ENOSYS, EFAULT, EINVAL, 0 }, Results(run));
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Equal(3, mon.ShutdownCode);
        Assert.Equal("domain shut down: crash", mon.StopMessage);
        Assert.Equal(3u, Hypercalls(run)[^1].Fields["reason"]);
    }

    [Fact]
    public void Sched_op_compat_takes_the_reason_itself()
    {
        var (run, mon) = Run(Call(6, "2", "1") + "hlt");
        Assert.Equal("sched_op_compat", Hypercalls(run)[0].Reason);
        Assert.Equal(1, mon.ShutdownCode);
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
    }

    [Fact]
    public void Stack_switch_sets_ss1_esp1_with_rpl_forced_to_1()
    {
        var (run, mon) = Run(Call(3, "0xE020", "0x9000") + Poweroff);
        var h = Hypercalls(run)[0];
        Assert.Equal(0, Result(h));
        Assert.Equal(0xE021u, h.Fields["ss"]);
        Assert.Equal(0x9000u, h.Fields["esp"]);
    }

    [Fact]
    public void Fpu_taskswitch_sets_and_clears_cr0_ts()
    {
        var g = Build(Call(5, "1") + "hlt");
        g.Run(GuestMode.Para, 100_000);
        Assert.Equal(8u, g.Machine.Cpu.Cr0 & 8);
        var g2 = Build(Call(5, "1") + Call(5, "0") + "hlt");
        g2.Run(GuestMode.Para, 100_000);
        Assert.Equal(0u, g2.Machine.Cpu.Cr0 & 8);
    }

    [Fact]
    public void Hypercall_from_ring_3_is_a_general_protection_fault()
    {
        // int 0x82 has a DPL 1 gate: from ring 3 the CPU raises #GP(0x82*8+2), which goes to the kernel's #GP handler.
        var (run, _) = Run(RingThree.Enter(Call(17, "0", "0")) + @"
gp_handler:
    mov ax, 0xE021        ; the CPU nulled DS on the way to ring 3: the kernel reloads its own
    mov ds, ax
    mov eax, [esp]        ; error code
    mov [gp_error], eax
" + Poweroff + "gp_error: dd 0", max: 200_000);
        var trap = run.Exits.Single(e => e.Reason == "general_protection");
        Assert.Equal(0x82u * 8 + 2, trap.Fields["error-code"]);
        Assert.Equal(3, trap.Cpl);
        Assert.DoesNotContain(Hypercalls(run), h => h.Reason == "xen_version");
    }
}
