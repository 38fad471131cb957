using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.MmuUpdateTests;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>mmuext_op (26: pin/unpin, new_baseptr, TLB flushes, invlpg) and update_va_mapping (14).</summary>
public class MmuextAndVaMappingTests
{
    private const int EPERM = -1, EFAULT = -14, EBUSY = -16, EINVAL = -22, ESRCH = -3, ENOSYS = -38;

    /// <summary>Asm: one mmuext_op { cmd, arg1, arg2 }.</summary>
    private static string Ext(int cmd, string arg1, string arg2 = "0") => $@"
    mov dword [req], {cmd}
    mov eax, {arg1}
    mov [req+4], eax
    mov dword [req+8], {arg2}
    mov eax, 26
    mov ebx, req
    mov ecx, 1
    mov edx, done
    mov esi, 0x7FF0
    int 0x82
";

    private static (GuestRun Run, ParaMonitor Mon, GuestInstance G) Go(string body, string para = "")
    {
        var g = Build(Prologue + body + Poweroff + Data, para);
        var run = g.Run(GuestMode.Para, 1_000_000);
        return (run, (ParaMonitor)g.Monitor!, g);
    }

    /// <summary>Asm that turns frame 0x42000 into an empty L1 candidate (its boot mapping made read-only).</summary>
    private static readonly string ReadOnly42 = Mmu(Pte(0x42000), "0x42001");

    [Fact]
    public void Pin_and_unpin_an_l1()
    {
        var (run, mon, _) = Go(ReadOnly42 + Ext(0, "0x42") + Ext(0, "0x42") + Ext(4, "0x42") + Ext(4, "0x42"));
        Assert.Equal(new[] { 0, 0, EINVAL, 0, EINVAL }, Results(run).Take(5)); // pinning twice, unpinning an unpinned frame
        Assert.Equal("mmuext_op", Hypercalls(run)[1].Reason);
        Assert.Equal(26, Hypercalls(run)[1].ReasonNumber);
        Assert.False(mon.IsPinned(0x42));
        Assert.Equal(PageType.None, mon.FrameType(0x42));
    }

    [Fact]
    public void Pinning_a_writable_frame_fails()
    {
        var (run, mon, _) = Go(Ext(0, "0x42") + Ext(1, "0x42"));
        Assert.Equal(new[] { EINVAL, EINVAL }, Results(run).Take(2));
        Assert.False(mon.IsPinned(0x42));
    }

    [Fact]
    public void Pinning_a_frame_that_is_not_the_domains_fails()
    {
        var (run, _, _) = Go(Ext(0, "0x3F0") + Ext(1, "0x3F0") + Ext(4, "0x3F0"));
        Assert.Equal(new[] { EINVAL, EINVAL, EINVAL }, Results(run).Take(3));
    }

    [Fact]
    public void A_pinned_l1_cannot_then_be_mapped_writable()
    {
        var (run, _, _) = Go(ReadOnly42 + Ext(0, "0x42") + Mmu(Pte(0x40000), "0x42003"));
        Assert.Equal(new[] { 0, 0, EBUSY }, Results(run).Take(3));
    }

    [Fact]
    public void Pin_l3_and_l4_do_not_exist_without_pae()
    {
        var (run, _, _) = Go(ReadOnly42 + Ext(2, "0x42") + Ext(3, "0x42"));
        Assert.Equal(new[] { 0, EINVAL, EINVAL }, Results(run).Take(3));
    }

    [Fact]
    public void New_baseptr_switches_to_a_validated_copy_of_the_page_directory()
    {
        // Copy the boot directory's guest slots into frame 0x42000, make it read-only, pin it as an L2, load it.
        var (run, mon, g) = Go(@"
    mov esi, ebp
    mov edi, 0x42000
    mov ecx, 1008
    rep movsd
" + ReadOnly42 + Ext(1, "0x42") + Ext(5, "0x42") + "    mov byte [0x44000], 0x33\n");
        Assert.Equal(new[] { 0, 0, 0 }, Results(run).Take(3));
        Assert.Equal(0x42000u, g.Machine.Cpu.Cr3);
        Assert.Equal(PageType.L2, mon.FrameType(0x42));
        Assert.Equal(0x33, g.Machine.Memory.ReadByte(0x44000));
        // Xen filled its slot in the new directory
        Assert.NotEqual(0u, g.Machine.Memory.ReadUInt32(0x42000 + 1023 * 4));
    }

    [Fact]
    public void New_baseptr_refuses_what_is_not_a_valid_l2()
    {
        var (run, _, g) = Go(Ext(5, "0x42") + Ext(5, "0x3F0"));
        Assert.Equal(new[] { EINVAL, EINVAL }, Results(run).Take(2));
    }

    [Fact]
    public void Tlb_flushes_and_invlpg_succeed_and_unknown_commands_are_enosys()
    {
        var (run, _, _) = Go(Ext(6, "0") + Ext(7, "0x40000") + Ext(8, "0", "0") + Ext(10, "0") + Ext(11, "0x40000") + Ext(13, "0") + Ext(99, "0"));
        Assert.Equal(new[] { 0, 0, 0, 0, 0, ENOSYS, ENOSYS }, Results(run).Take(7));
    }

    [Fact]
    public void Flush_cache_needs_a_privileged_domain()
    {
        var (priv, _, _) = Go(Ext(12, "0"));
        var (unpriv, _, _) = Go(Ext(12, "0"), "privileged: false");
        Assert.Equal(0, Results(priv)[0]);
        Assert.Equal(EPERM, Results(unpriv)[0]);
    }

    [Fact]
    public void Mmuext_bad_pointer_and_domain()
    {
        var (run, _, _) = Go(Call(26, "0xFC000000", "1", "0", "0x7FF0") + Call(26, "req", "1", "0", "7"));
        Assert.Equal(new[] { EFAULT, ESRCH }, Results(run).Take(2));
    }

    [Fact]
    public void Update_va_mapping_remaps_and_flushes()
    {
        // va 0x40000 -> frame 0x41000 with UVMF_INVLPG (2): the write goes to the new frame at once.
        var (run, _, g) = Go(Call(14, "0x40000", "0x41003", "0", "2") + "    mov byte [0x40000], 0x66\n");
        var h = Hypercalls(run)[0];
        Assert.Equal("update_va_mapping", h.Reason);
        Assert.Equal(0, Result(h));
        Assert.Equal(0x66, g.Machine.Memory.ReadByte(0x41000));
    }

    [Fact]
    public void Update_va_mapping_follows_the_same_rules()
    {
        var (run, _, _) = Go(
            "    mov ebx, ebp\n    or ebx, 3\n    mov [pd3], ebx\n" +
            Call(14, "0x40000", "[pd3]", "0", "0") +       // page directory writable
            Call(14, "0x40000", "0x3F0003", "0", "0") +     // Xen's frame
            Call(14, "0xFC000000", "0x41003", "0", "0") +   // in the hole
            Call(14, "0x800000", "0x41003", "0", "0") +     // no L1 there
            Call(14, "0x40000", "0x41003", "1", "0") +      // high half of a non-PAE PTE
            Call(14, "0x40000", "0x41003", "0", "3") +      // flush kind 3
            Call(14, "0x40000", "0x41003", "0", "1") +      // UVMF_TLB_FLUSH
            "jmp past\npd3: dd 0\npast:\n");
        Assert.Equal(new[] { EBUSY, EBUSY, EINVAL, EINVAL, EINVAL, EINVAL, 0 }, Results(run).Take(7));
    }
}
