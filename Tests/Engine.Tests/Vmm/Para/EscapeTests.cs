using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// A PV kernel cannot escape: its page tables are read-only to it, the hypervisor's range is out
/// of its segments' reach and out of its page tables, ring 0's selectors are refused, and a
/// privileged instruction in ring 1 faults into the hypervisor, which emulates only what Xen
/// emulates (I/O to the domain's ports, CPUID behind the Xen prefix) and otherwise reflects the
/// #GP or kills the domain with a message naming the instruction and its address.
/// </summary>
public class EscapeTests
{
    [Fact]
    public void Writing_its_own_page_table_directly_faults()
    {
        var (run, mon) = Run("    mov ebp, [esi+60]\nwrite:\n    mov dword [ebp + 0x1000 + 0x40*4], 0x3F0003\n");
        var crash = run.Exits[^1];
        Assert.Equal("domain_crash", crash.Reason);
        Assert.Contains("page_fault at E019:", mon.StopMessage);
        Assert.Contains("mov dword [", mon.StopMessage);
    }

    [Fact]
    public void A_page_fault_on_the_page_table_write_reaches_the_kernel_with_error_code_3()
    {
        var g = Build(Call(0, "traps") + "    mov ebp, [esi+60]\n    mov dword [ebp], 0\nhandler:\n    mov eax, [esp]\n    mov [err], eax\n" + Poweroff
            + "traps:\n    db 14, 0\n    dw 0xE019\n    dd handler\n    dd 0, 0\nerr: dd 0");
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(3u, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["err"])); // present, write, supervisor
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Equal(mon.PageTableBase, run.Exits.Single(e => e.Reason == "page_fault").Fields["cr2"]);
        Assert.NotEqual(0u, g.Machine.Memory.ReadUInt32(mon.PageTableBase)); // the directory entry is intact
    }

    [Fact]
    public void A_stale_writable_tlb_entry_does_not_outlive_the_mapping()
    {
        // Write through VA 0x42000 (the TLB now allows writes), drop RW from its PTE without asking
        // for a flush, link the frame as an L1: the old translation must not let the kernel write its new page table.
        var g = Build(MmuUpdateTests.Prologue + "    mov dword [0x42000], 0\n"
            + MmuUpdateTests.Mmu(MmuUpdateTests.Pte(0x42000), "0x42001")
            + MmuUpdateTests.Mmu("ebp + 4", "0x42027")
            + "write:\n    mov dword [0x42000], 0x3F0003\n" + Poweroff + MmuUpdateTests.Data);
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(new[] { 0, 0 }, Results(run).Take(2));
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Contains($"page_fault at E019:{g.Definition.Symbols["write"]:X8}", mon.StopMessage);
        Assert.Equal(0u, g.Machine.Memory.ReadUInt32(0x42000));
    }

    [Fact]
    public void The_hypervisor_range_is_beyond_the_kernels_segments()
    {
        // Xen's tables are mapped at 0xFFC00000 (supervisor pages), but 0xE021 ends at 0xFBFFFFFF: #GP.
        var (run, mon) = Run("    mov eax, [0xFFC00000]\n");
        Assert.Contains("general_protection at E019:", mon.StopMessage);
        Assert.Contains("at E019:00010000 (mov eax,[0FFC00000h])", mon.StopMessage);
    }

    [Fact]
    public void The_hypervisors_ring_0_selectors_cannot_be_loaded()
    {
        var (run, mon) = Run("    mov ax, 0xE010\n    mov ds, ax\n");
        Assert.Contains("general_protection", mon.StopMessage);
        Assert.Contains("at E019:00010004 (mov ds,eax)", mon.StopMessage);
    }

    [Theory]
    [InlineData("cli")]
    [InlineData("sti")]
    [InlineData("hlt")]
    [InlineData("mov cr3, eax")]
    [InlineData("lgdt [0x10000]")]
    [InlineData("wrmsr")]
    [InlineData("invlpg [0x10000]")]
    [InlineData("clts")]
    public void A_privileged_instruction_in_ring_1_kills_a_domain_without_a_gp_handler(string instruction)
    {
        var (run, mon) = Run("    nop\nhere:\n    " + instruction + "\n");
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.StartsWith("domain crashed: general_protection at E019:00010001 (", mon.StopMessage);
        Assert.Contains(instruction.Split(' ')[0], mon.StopMessage);
        var crash = run.Exits[^1];
        Assert.Equal(0x10001u, crash.GuestEip);
        Assert.Equal(VmExitKind.Trap, crash.Kind);
    }

    [Fact]
    public void A_privileged_instruction_goes_to_the_kernels_gp_handler_when_it_has_one()
    {
        var g = Build(Call(0, "traps") + "here:\n    cli\nhandler:\n    mov eax, [esp+4]\n    mov [eip], eax\n" + Poweroff
            + "traps:\n    db 13, 0\n    dw 0xE019\n    dd handler\n    dd 0, 0\neip: dd 0");
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(g.Definition.Symbols["here"], g.Machine.Memory.ReadUInt32(g.Definition.Symbols["eip"]));
        Assert.Equal("general_protection", run.Exits.Single(e => e.Kind == VmExitKind.Trap).Reason);
    }

    [Fact]
    public void Io_to_a_permitted_port_is_emulated()
    {
        var (run, _) = Run(Iopl(1) + "    mov al, 'X'\n    out 0xE9, al\n    mov dx, 0xE9\n    mov al, 'Y'\n    out dx, al\n" + Poweroff + IoplData);
        Assert.Equal("XY", run.ConsoleText);
        var traps = run.Exits.Where(e => e.Kind == VmExitKind.Trap).ToArray();
        Assert.Equal(2, traps.Length);
        Assert.Equal("general_protection", traps[0].Reason);
        Assert.Equal(0xE9u, traps[0].Fields["port"]);
        Assert.Equal(1u, traps[0].Fields["size"]);
        Assert.Equal("emulated out port 0xE9", traps[0].Action);
        Assert.Equal(ParaCosts.EmulatedInstruction, traps[0].Cycles);
    }

    [Fact]
    public void The_exit_port_through_emulated_io_stops_the_run_with_its_code()
    {
        var (run, _) = Run(Iopl(1) + "    mov al, 7\n    out 0xF4, al\n    hlt\n" + IoplData);
        Assert.Equal(StopReason.ExitPort, run.StopReason);
        Assert.Equal(7, run.ExitCode);
    }

    [Fact]
    public void Io_is_refused_without_permission()
    {
        var (unpriv, m1) = Run(Iopl(1) + "    mov al, 'X'\n    out 0xE9, al\n" + IoplData, "privileged: false");
        Assert.Contains("general_protection", m1.StopMessage);
        Assert.Equal("", unpriv.ConsoleText);
        var (pit, m2) = Run(Iopl(1) + "    in al, 0x40\n" + IoplData); // the PIT is Xen's, even for dom0
        Assert.Contains("(in al,40h)", m2.StopMessage);
        var (listed, _) = Run(Iopl(1) + "    mov al, 'Z'\n    out 0xE9, al\n" + Poweroff + IoplData, "privileged: false\nio-ports: [0xE9]");
        Assert.Equal("Z", listed.ConsoleText);
    }

    /// <summary>physdev_op (33) PHYSDEVOP_set_iopl (6) with the given level.</summary>
    private static string Iopl(int level) => $"    mov dword [iopl_arg], {level}\n" + Call(33, "6", "iopl_arg");
    private const string IoplData = "\n    jmp $\niopl_arg: dd 0\n";

    [Fact]
    public void Io_needs_the_virtual_iopl()
    {
        var (run, mon) = Run("    mov al, 'X'\n    out 0xE9, al\n" + IoplData);
        Assert.Equal("", run.ConsoleText);
        Assert.Contains("general_protection at E019:00010002 (out 0E9h,al)", mon.StopMessage);
    }

    [Fact]
    public void Cli_and_sti_are_no_ops_under_the_virtual_iopl()
    {
        var (run, mon) = Run(Iopl(1) + "    cli\n    sti\n" + Poweroff + IoplData);
        var traps = run.Exits.Where(e => e.Kind == VmExitKind.Trap).ToArray();
        Assert.Equal(new[] { "emulated cli as a no-op (virtual IOPL 1)", "emulated sti as a no-op (virtual IOPL 1)" }, traps.Select(t => t.Action));
        Assert.Equal(1u, mon.VirtualIopl);
        Assert.Equal("domain shut down: poweroff", mon.StopMessage);
    }

    [Fact]
    public void Physdev_op_set_iopl_checks_its_argument()
    {
        var (run, mon) = Run(Iopl(4) + Call(33, "6", "0xFC000000") + Call(33, "12", "iopl_arg") + Iopl(3) + Poweroff + IoplData);
        Assert.Equal(new[] { -22, -14, -38, 0, 0 }, Results(run));
        Assert.Equal("physdev_op", Hypercalls(run)[0].Reason);
        Assert.Equal(33, Hypercalls(run)[0].ReasonNumber);
        Assert.Equal(3u, mon.VirtualIopl);
    }

    [Fact]
    public void Ring_3_io_needs_virtual_iopl_3()
    {
        const string user = "    mov al, 'U'\n    out 0xE9, al\n    mov eax, 0\n    int 0x80\n";
        string Kernel(int level) => Iopl(level) + RingThree.Enter(user, syscallHandler: "sys") + "gp_handler:\n" + Poweroff + "sys:\n    mov eax, 29\n    mov ebx, 2\n    mov ecx, shutdown_reason\n    int 0x82\n" + IoplData;
        var (low, _) = Run(Kernel(1), max: 200_000);
        Assert.Equal("", low.ConsoleText);
        Assert.Contains(low.Exits, e => e.Reason == "general_protection" && e.Cpl == 3 && e.Action.StartsWith("reflected"));
        var (high, _) = Run(Kernel(3), max: 200_000);
        Assert.Equal("U", high.ConsoleText);
    }

    [Fact]
    public void Cpuid_behind_the_xen_prefix_shows_xens_leaves()
    {
        var g = Build("    mov eax, 0x40000000\n    ud2\n    db 'xen'\n    cpuid\n    mov [r], ebx\n    mov [r+4], ecx\n    mov [r+8], edx\n    mov [r+12], eax\n    mov eax, 0\n    cpuid\n    mov [n], ebx\n" + Poweroff + "r: times 4 dd 0\nn: dd 0");
        var run = g.Run(GuestMode.Para, 100_000);
        var mem = g.Machine.Memory;
        Assert.Equal("XenVMMXenVMM", System.Text.Encoding.ASCII.GetString(mem.Read(g.Definition.Symbols["r"], 12)));
        Assert.Equal(0x40000002u, mem.ReadUInt32(g.Definition.Symbols["r"] + 12));
        Assert.Equal("Virt", System.Text.Encoding.ASCII.GetString(mem.Read(g.Definition.Symbols["n"], 4))); // plain CPUID runs natively in ring 1
        var t = run.Exits.Single(e => e.Kind == VmExitKind.Trap);
        Assert.Equal("invalid_op", t.Reason);
        Assert.Equal(0x40000000u, t.Fields["leaf"]);
    }

    [Fact]
    public void A_plain_ud2_is_reflected_or_kills()
    {
        var (run, mon) = Run("    ud2\n");
        Assert.Contains("invalid_op at E019:00010000 (ud2)", mon.StopMessage);
    }
}
