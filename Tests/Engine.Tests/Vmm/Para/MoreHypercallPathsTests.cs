using System.Text;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>The remaining paths of the hypercalls: the ones the area tests do not reach.</summary>
public class MoreHypercallPathsTests
{
    private const int ENOENT = -2, EFAULT = -14, EINVAL = -22;

    [Fact]
    public void Update_va_mapping_with_a_vcpu_bitmap()
    {
        // flags = pointer | UVMF_INVLPG without UVMF_ALL: the bitmap is read (bit 0 = this VCPU); unreadable -> -EFAULT.
        var (run, _) = Run(
            Call(14, "0x40000", "0x41003", "0", "mask + 2") +
            Call(14, "0x40000", "0x41003", "0", "0x3F0002") +
            Call(14, "0x40000", "0x41003", "0", "mask + 2 + 4") +     // UVMF_ALL: no bitmap
            Poweroff + "align 8\nmask: dd 1");
        Assert.Equal(new[] { 0, EFAULT, 0 }, Results(run).Take(3));
    }

    [Fact]
    public void Xen_version_strings_and_features()
    {
        var g = Build(Call(17, "1", "extra") + Call(17, "2", "info") + Call(17, "4", "chg") + Call(17, "6", "feat") + Call(17, "6", "0xFC000000") + Poweroff
            + "extra: times 16 db 0xFF\ninfo: times 144 db 0xFF\nchg: times 64 db 0xFF\nfeat: dd 0, 0xFFFFFFFF");
        var run = g.Run(GuestMode.Para, 100_000);
        Assert.Equal(new[] { 0, 0, 0, 0, EFAULT }, Results(run).Take(5));
        var mem = g.Machine.Memory;
        string At(string label, int n) => Encoding.ASCII.GetString(mem.Read(g.Definition.Symbols[label], n));
        Assert.Equal(".0-virtlab\0", At("extra", 11));
        Assert.Equal("VirtLab (C#)\0", At("info", 13));
        Assert.Equal(0u, mem.ReadUInt32(g.Definition.Symbols["feat"] + 4)); // no optional feature
    }

    [Fact]
    public void Set_callbacks_forces_rpl_1()
    {
        var (run, _) = Run(Call(4, "0xE018", "0x10000", "0xE018", "0x10000") + Poweroff);
        Assert.Equal(0xE019u, Hypercalls(run)[0].Fields["event-cs"]);
    }

    [Fact]
    public void Bind_ipi_errors_and_vcpu_up()
    {
        var (run, _) = Run(Call(32, "7", "bad_vcpu") + Call(32, "7", "0xFC000000") + Call(24, "1", "0", "0") + Poweroff + "bad_vcpu: dd 1, 0");
        Assert.Equal(new[] { ENOENT, EFAULT, 0 }, Results(run).Take(3));
    }

    [Fact]
    public void A_single_shot_timer_through_vcpu_op_and_its_cancel()
    {
        var (run, _) = Run(Call(24, "8", "0", "shot") + Call(24, "9", "0", "0") + Call(24, "8", "0", "0xFC000000") + Poweroff + "shot: dd 50000, 0, 1");
        Assert.Equal(new[] { 0, 0, EFAULT }, Results(run).Take(3));
        Assert.Equal(50000UL, Hypercalls(run)[0].Fields["deadline"]);
    }

    [Fact]
    public void The_iret_hypercall_to_vm86_is_a_gp_for_the_guest()
    {
        var g = Build(Call(0, "traps") + "    push 0x20202\n    push 0xE019\n    push 0x10000\n    jmp 0x20000 + 23*32\nhandler:\n" + Poweroff
            + "traps:\n    db 13, 0\n    dw 0xE019\n    dd handler\n    dd 0, 0");
        var run = g.Run(GuestMode.Para, 100_000);
        var iret = Hypercalls(run).Single(h => h.Reason == "iret");
        Assert.Equal("a return to virtual-8086 mode: #GP for the guest", iret.Action);
        Assert.Contains(run.Exits, e => e.Reason == "general_protection");
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Equal("domain shut down: poweroff", ((ParaMonitor)g.Monitor!).StopMessage);
    }

    [Fact]
    public void The_iret_hypercall_with_an_unreadable_frame_kills_the_domain()
    {
        var (run, mon) = Run("    mov esp, 0x3F0000\n    jmp 0x20000 + 23*32 + 1\n"); // past the push: ESP points at Xen's frames
        Assert.Contains("iret hypercall: its frame", mon.StopMessage);
    }
}
