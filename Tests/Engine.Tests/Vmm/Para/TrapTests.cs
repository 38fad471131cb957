using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// set_trap_table and trap delivery with Xen's frame (xen-pv.md "Traps, events, virtual interrupt
/// flag"): [error code,] EIP, CS with the saved upcall_mask in bits 16-23, EFLAGS with IF =
/// !mask, and ESP, SS from ring 3 on the stack_switch stack; emulation of permitted I/O and the
/// Xen CPUID prefix; the iret hypercall.
/// </summary>
public class TrapTests
{
    private const int EFAULT = -14;

    /// <summary>A trap table with one entry (vector, flags, cs 0xE019, handler) and its set_trap_table call.</summary>
    private static string Traps(params (int Vector, int Flags, string Handler)[] entries) =>
        Call(0, "traps") + "jmp traps_end\ntraps:\n" + string.Concat(entries.Select(e => $"    db {e.Vector}, {e.Flags}\n    dw 0xE019\n    dd {e.Handler}\n")) + "    dd 0, 0\ntraps_end:\n";

    /// <summary>Handler body that copies the top 6 dwords of its stack to <c>saved</c> and shuts down.</summary>
    private const string SaveFrame = @"
    mov ax, 0xE021
    mov ds, ax
    mov es, ax
    mov esi, esp
    mov edi, saved
    mov ecx, 6
    rep movsd
" + Poweroff + "\nsaved: times 6 dd 0\n";

    private static uint[] Saved(GuestInstance g) =>
        Enumerable.Range(0, 6).Select(i => g.Machine.Memory.ReadUInt32(g.Definition.Symbols["saved"] + (uint)i * 4)).ToArray();

    [Fact]
    public void A_fault_in_ring_1_is_delivered_with_xens_frame()
    {
        var g = Build(Traps((0, 0, "handler")) + "    xor ecx, ecx\nfault:\n    div ecx\nhandler:" + SaveFrame);
        var run = g.Run(GuestMode.Para, 100_000);
        var f = Saved(g);
        uint fault = g.Definition.Symbols["fault"];
        Assert.Equal(fault, f[0]);                       // EIP of the faulting div
        Assert.Equal(0x0001_E019u, f[1]);                // CS, events were masked (upcall_mask 1 in bits 16-23)
        Assert.Equal(0u, f[2] & 0x200);                  // EFLAGS.IF = !mask = 0
        var trap = run.Exits.Single(e => e.Kind == VmExitKind.Trap);
        Assert.Equal("divide_error", trap.Reason);
        Assert.Equal(0, trap.ReasonNumber);
        Assert.Equal(fault, trap.GuestEip);
        Assert.Equal("div ecx", trap.InstructionText);
        Assert.Equal(ParaCosts.Trap, trap.Cycles);
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
    }

    [Fact]
    public void The_kernel_returns_from_xens_frame_with_a_native_iret()
    {
        // The saved mask sits in CS bits 16-23 (here 1): IRET uses the low 16 bits, as on hardware.
        var (run, mon) = Run(Traps((0, 0, "handler")) + "    xor ecx, ecx\n    div ecx\nback:\n" + Poweroff + "handler:\n    add dword [esp], 2\n    iret\n");
        Assert.Equal("domain shut down: poweroff", mon.StopMessage);
        Assert.Equal("divide_error", run.Exits.Single(e => e.Kind == VmExitKind.Trap).Reason);
    }

    [Fact]
    public void Unmasked_events_show_as_if_1_and_flag_4_masks_them_on_entry()
    {
        // shared_info is not mapped at boot: the kernel maps it (update_va_mapping, UVMF_INVLPG) and clears evtchn_upcall_mask.
        var g = Build("    mov ecx, [esi+36]\n    or ecx, 3\n" + Call(14, "0x40000", "ecx", "0", "2") + "    mov byte [0x40001], 0\n" + Traps((0, 4, "handler")) + "    xor ecx, ecx\n    div ecx\nhandler:" + SaveFrame);
        g.Run(GuestMode.Para, 100_000);
        var f = Saved(g);
        Assert.Equal(0x0000_E019u, f[1]);
        Assert.Equal(0x200u, f[2] & 0x200);
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Equal(1, g.Machine.Memory.ReadByte(mon.SharedInfo + 1)); // masked by the trap's flag
    }

    [Fact]
    public void A_page_fault_pushes_its_error_code_and_puts_cr2_in_vcpu_info()
    {
        var g = Build(Traps((14, 0, "handler")) + "fault:\n    mov dword [0x800000], 1\nhandler:" + SaveFrame);
        var run = g.Run(GuestMode.Para, 100_000);
        var f = Saved(g);
        Assert.Equal(2u, f[0]);                          // write, not present, supervisor
        Assert.Equal(g.Definition.Symbols["fault"], f[1]);
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Equal(0x800000u, g.Machine.Memory.ReadUInt32(mon.SharedInfo + 8)); // vcpu_info.arch.cr2
        var trap = run.Exits.Single(e => e.Kind == VmExitKind.Trap);
        Assert.Equal("page_fault", trap.Reason);
        Assert.Equal(0x800000u, trap.Fields["cr2"]);
        Assert.Equal(ParaCosts.PageFault, trap.Cycles);
    }

    [Fact]
    public void A_system_call_from_ring_3_lands_on_the_kernel_stack_with_esp_and_ss()
    {
        var g = Build(RingThree.Enter("    mov eax, 0x1234\nsyscall_site:\n    int 0x80\n", gpHandler: "syscall_handler", syscallHandler: "syscall_handler") + "syscall_handler:" + SaveFrame);
        var run = g.Run(GuestMode.Para, 200_000);
        var mem = g.Machine.Memory;
        // the frame at the top of the stack_switch stack (0x31000): EIP, CS, EFLAGS, ESP, SS
        uint b = 0x31000 - 20;
        Assert.Equal(g.Definition.Symbols["syscall_site"] + 2, mem.ReadUInt32(b));
        Assert.Equal(0x0001_E02Bu, mem.ReadUInt32(b + 4));
        Assert.Equal(g.Definition.Symbols["user_page"] + 0x1000, mem.ReadUInt32(b + 12));
        Assert.Equal(0xE033u, mem.ReadUInt32(b + 16));
        var trap = run.Exits.Single(e => e.Reason == "software_interrupt");
        Assert.Equal(0x80, trap.ReasonNumber);
        Assert.Equal(3, trap.Cpl);
        Assert.Equal("int 80h", trap.InstructionText);
    }

    [Fact]
    public void A_software_interrupt_the_trap_table_does_not_allow_from_ring_3_is_a_gp()
    {
        // vector 0x80 registered with DPL 0 (flags 0): int 0x80 from ring 3 stays a #GP(0x80*8+2).
        var g = Build(RingThree.Enter("    int 0x80\n") + "gp_handler:" + SaveFrame + Traps((0x80, 0, "gp_handler")).Replace("traps", "t2"));
        var run = g.Run(GuestMode.Para, 200_000);
        Assert.Equal(0x402u, Saved(g)[0]);
    }

    [Fact]
    public void Int3_is_reflected_as_a_trap_after_the_instruction()
    {
        var g = Build(Traps((3, 0, "handler")) + "    int3\nafter:\n    nop\nhandler:" + SaveFrame);
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(g.Definition.Symbols["after"], Saved(g)[0]);
        var trap = run.Exits.Single(e => e.Kind == VmExitKind.Trap);
        Assert.Equal("int3", trap.Reason);
        Assert.Equal("int3", trap.InstructionText);
        Assert.Equal(new byte[] { 0xCC }, trap.InstructionBytes);
    }

    [Fact]
    public void A_fault_without_a_handler_kills_the_domain_naming_it()
    {
        var (run, mon) = Run("    nop\nbad:\n    xor ecx, ecx\n    div ecx\n");
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Contains("divide_error at E019:", mon.StopMessage);
        Assert.Contains("div ecx", mon.StopMessage);
        Assert.Equal("domain_crash", run.Exits[^1].Reason);
    }

    [Fact]
    public void Set_trap_table_errors_and_clearing()
    {
        var (run, mon) = Run(Call(0, "0xFC000000") + Traps((0, 0, "handler")) + Call(0, "0") + "    xor ecx, ecx\n    div ecx\nhandler:\n" + Poweroff);
        Assert.Equal(new[] { EFAULT, 0, 0 }, Results(run).Take(3));
        Assert.Equal(1u, Hypercalls(run)[1].Fields["entries"]);
        Assert.Contains("divide_error", mon.StopMessage); // the NULL table cleared the handler
    }

    [Fact]
    public void Fpu_taskswitch_makes_the_next_fpu_instruction_raise_nm_for_the_guest()
    {
        var g = Build(Traps((7, 0, "handler")) + Call(5, "1") + "fpu:\n    fld1\nhandler:" + SaveFrame);
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(g.Definition.Symbols["fpu"], Saved(g)[0]);
        Assert.Equal("device_not_available", run.Exits.Single(e => e.Kind == VmExitKind.Trap).Reason);
        Assert.Equal(0u, g.Machine.Cpu.Cr0 & 8); // cleared once the guest has seen its #NM
    }

    [Fact]
    public void The_iret_hypercall_returns_to_ring_1_restoring_eax_and_the_mask_from_if()
    {
        var g = Build(@"
    push 0x202
    push 0xE019
    push back
    mov eax, 0xABCD   ; the iret slot pushes EAX: the frame is [EAX, EIP, CS, EFLAGS]
    jmp 0x20000 + 23*32
back:
    mov [got], eax
    mov [gotesp], esp
" + Poweroff + "got: dd 0\ngotesp: dd 0");
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(0xABCDu, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["got"]));
        var h = Hypercalls(run)[0];
        Assert.Equal("iret", h.Reason);
        Assert.Equal(23, h.ReasonNumber);
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Equal(0, g.Machine.Memory.ReadByte(mon.SharedInfo + 1)); // IF = 1 -> upcall_mask = 0
        Assert.Equal(mon.BootStackTop, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["gotesp"])); // ESP moved past [EAX, EIP, CS, EFLAGS]
    }

    [Fact]
    public void The_iret_hypercall_to_ring_0_kills_the_domain()
    {
        var (run, mon) = Run("    push 0x202\n    push 0xE008\n    push 0x10000\n    jmp 0x20000 + 23*32\n");
        Assert.Contains("iret hypercall to ring 0", mon.StopMessage);
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Equal(new[] { "iret", "domain_crash" }, run.Exits.Select(e => e.Reason)); // the hypercall, then what it led to
        Assert.Equal(new[] { 0, 1 }, run.Exits.Select(e => e.Index));
    }

    [Fact]
    public void The_iret_hypercall_returns_to_ring_3_with_esp_and_ss()
    {
        var g = Build(@"
    mov eax, 14
    mov ebx, upage
    mov ecx, upage + 7
    mov edx, 0
    mov esi, 2
    int 0x82
    push 0xE033
    push upage + 0x800
    push 0x202
    push 0xE02B
    push upage
    jmp 0x20000 + 23*32
    align 4096
upage:
    mov eax, 17
    int 0x82          ; from ring 3: #GP, and no handler: the domain dies here, in ring 3
");
        var run = g.Run(GuestMode.Para, 100_000);
        var mon = (ParaMonitor)g.Monitor!;
        Assert.Contains("general_protection at E02B:", mon.StopMessage);
        Assert.Equal(upage(g), run.Exits.Single(e => e.Reason == "domain_crash").GuestEip - 5);
    }

    private static uint upage(GuestInstance g) => g.Definition.Symbols["upage"];
}
