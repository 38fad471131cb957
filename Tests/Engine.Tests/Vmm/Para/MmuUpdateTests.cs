using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// mmu_update (1) and every validation rule of xen-pv.md: no mapping of Xen's frames, no writable
/// mapping of a page-table page, no frame the guest does not own, no write into Xen's L2 slots,
/// no superpage, no cache-control bits or I/O memory without I/O access. The guest's L1 for its
/// first 4 MiB is at pt_base + 0x1000 (start_info.pt_base, [esi+60]; EBP here).
/// </summary>
public class MmuUpdateTests
{
    private const int EPERM = -1, EFAULT = -14, EBUSY = -16, EINVAL = -22, ESRCH = -3, ENOSYS = -38;

    /// <summary>Asm: one mmu_update request {ptr, val} from expressions (EBP = pt_base), done count to [done].</summary>
    internal static string Mmu(string ptr, string val, string ptrHigh = "0", string valHigh = "0", string domid = "0x7FF0") => $@"
    lea eax, [{ptr}]
    mov [req], eax
    mov dword [req+4], {ptrHigh}
    mov eax, {val}
    mov [req+8], eax
    mov dword [req+12], {valHigh}
    mov eax, 1
    mov ebx, req
    mov ecx, 1
    mov edx, done
    mov esi, {domid}
    int 0x82
";

    internal const string Prologue = "    mov ebp, [esi+60]\n";
    internal const string Data = "\nalign 16\nreq: times 64 db 0\ndone: dd 0xFFFFFFFF\n";

    /// <summary>The L1 entry (machine address) of a virtual address below 4 MiB.</summary>
    internal static string Pte(uint va) => $"ebp + 0x1000 + 0x{(va >> 12) * 4:X}";

    private static (GuestRun Run, ParaMonitor Mon, GuestInstance G) Go(string body, string para = "")
    {
        var g = Build(Prologue + body + Poweroff + Data, para);
        var run = g.Run(GuestMode.Para, 1_000_000);
        return (run, (ParaMonitor)g.Monitor!, g);
    }

    [Fact]
    public void A_normal_pte_update_succeeds_and_writes_the_entry()
    {
        var (run, mon, g) = Go(Mmu(Pte(0x40000), "0x41003"));
        var h = Hypercalls(run)[0];
        Assert.Equal("mmu_update", h.Reason);
        Assert.Equal(1, h.ReasonNumber);
        Assert.Equal(0, Result(h));
        Assert.Equal(1u, h.Fields["done"]);
        uint l1 = mon.PageTableBase + 0x1000;
        Assert.Equal(0x41003u, g.Machine.Memory.ReadUInt32(l1 + 0x40 * 4));
        Assert.Equal(1u, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["done"]));
    }

    [Fact]
    public void The_new_mapping_is_used_after_a_flush()
    {
        // Map VA 0x40000 onto frame 0x41000, invlpg it (mmuext 7), write through it: the byte lands in frame 0x41000.
        var (run, _, g) = Go(Mmu(Pte(0x40000), "0x41003") + @"
    mov dword [ops], 7
    mov dword [ops+4], 0x40000
    mov eax, 26
    mov ebx, ops
    mov ecx, 1
    mov edx, 0
    mov esi, 0x7FF0
    int 0x82
    mov byte [0x40000], 0x5A
" + "jmp past\nops: times 12 db 0\npast:\n");
        Assert.Equal(new[] { 0, 0, 0 }, Results(run));
        Assert.Equal(0x5A, g.Machine.Memory.ReadByte(0x41000));
        Assert.Equal(0, g.Machine.Memory.ReadByte(0x40000));
    }

    [Fact]
    public void A_page_table_page_cannot_be_mapped_writable()
    {
        // Map VA 0x40000 onto the page directory, writable: -EBUSY; read-only is fine.
        var (run, _, _) = Go(Mmu(Pte(0x40000), "ebp") + "    or dword [req+8], 3\n" + Mmu(Pte(0x40000), "ebp") .Replace("mov eax, ebp", "mov eax, ebp\n    or eax, 3") + Mmu(Pte(0x40000), "ebp").Replace("mov eax, ebp", "mov eax, ebp\n    or eax, 1"));
        var r = Results(run);
        Assert.Equal(EBUSY, r[1]);
        Assert.Equal(0, r[2]);
    }

    [Fact]
    public void A_hypervisor_frame_cannot_be_mapped()
    {
        // Xen keeps the top 64 KiB of RAM (0x3F0000-0x3FFFFF with 4 MiB): not the domain's frame.
        var (run, mon, _) = Go(Mmu(Pte(0x40000), "0x3F0001") + Mmu(Pte(0x40000), "0x3F7003")); // its L1 frame read-only, its stack frame writable
        Assert.Equal(0x3F0000u, mon.XenFrames);
        Assert.Equal(new[] { EBUSY, EBUSY, 0 }, Results(run));
    }

    [Fact]
    public void The_shared_info_page_may_be_mapped_writable()
    {
        var (run, mon, _) = Go("    mov ebx, [esi+36]\n    mov [sinfo], ebx\n" + Mmu(Pte(0x40000), "[sinfo]").Replace("mov eax, [sinfo]", "mov eax, [sinfo]\n    or eax, 3") + "jmp past\nsinfo: dd 0\npast:\n");
        Assert.Equal(0, Results(run)[0]);
    }

    [Fact]
    public void Io_memory_needs_a_privileged_domain()
    {
        const string body = "";
        var (priv, _, _) = Go(body + Mmu(Pte(0x40000), "0xFEE00003"));
        var (unpriv, _, _) = Go(body + Mmu(Pte(0x40000), "0xFEE00003"), "privileged: false");
        Assert.Equal(0, Results(priv)[0]);
        Assert.Equal(EPERM, Results(unpriv)[0]);
    }

    [Fact]
    public void Cache_control_bits_need_io_access()
    {
        var (priv, _, _) = Go(Mmu(Pte(0x40000), "0x41013"));            // PCD
        var (unpriv, _, _) = Go(Mmu(Pte(0x40000), "0x41013") + Mmu(Pte(0x40000), "0x4100B") + Mmu(Pte(0x40000), "0x41083") + Mmu(Pte(0x40000), "0x41F63"), "privileged: false"); // PCD, PWT, PAT; G+AVL+A+D allowed
        Assert.Equal(0, Results(priv)[0]);
        Assert.Equal(new[] { EINVAL, EINVAL, EINVAL, 0 }, Results(unpriv).Take(4));
    }

    [Fact]
    public void Xens_l2_slots_cannot_be_written()
    {
        // Slot 1008 (0xFC000000) and slot 1023 (Xen's own tables).
        var (run, _, _) = Go(Mmu("ebp + 1008*4", "0x41003") + Mmu("ebp + 1023*4", "0"));
        Assert.Equal(new[] { EPERM, EPERM }, Results(run).Take(2));
    }

    [Fact]
    public void A_superpage_l2_entry_is_refused()
    {
        var (run, _, _) = Go(Mmu("ebp + 4", "0x400083"));
        Assert.Equal(EINVAL, Results(run)[0]);
    }

    [Fact]
    public void A_writable_page_cannot_become_a_page_table()
    {
        // Frame 0x42000 is mapped writable by the boot tables: linking it as an L1 fails...
        var (run, _, _) = Go(Mmu("ebp + 4", "0x42001"));
        Assert.Equal(EINVAL, Results(run)[0]);
    }

    [Fact]
    public void A_page_table_built_in_order_links_and_maps()
    {
        // ...but after its mapping loses RW it validates as an L1, links at slot 1 (VA 0x400000), and maps frame 0x43000 there.
        var (run, mon, g) = Go(
            "    mov dword [0x42000 + 5*4], 0x43003\n" +   // entry 5 of the future L1, written while it is still ordinary memory
            Mmu(Pte(0x42000), "0x42001") +
            Mmu("ebp + 4", "0x42027") +
            "    mov byte [0x405000], 0x77\n");
        Assert.Equal(new[] { 0, 0, 0 }, Results(run).Take(3));
        Assert.Equal(PageType.L1, mon.FrameType(0x42));
        Assert.Equal(0x77, g.Machine.Memory.ReadByte(0x43000));
    }

    [Fact]
    public void A_new_l1_is_validated_entry_by_entry()
    {
        // The L1 to be linked maps the page directory writable: validation fails, nothing is linked.
        var (run, mon, _) = Go(
            "    mov eax, ebp\n    or eax, 3\n    mov [0x42000], eax\n" +
            Mmu(Pte(0x42000), "0x42001") +
            Mmu("ebp + 4", "0x42027"));
        Assert.Equal(new[] { 0, EBUSY }, Results(run).Take(2));
        Assert.Equal(PageType.None, mon.FrameType(0x42));
    }

    [Fact]
    public void A_page_table_frame_must_be_the_domains()
    {
        // ptr inside a frame of Xen: -EINVAL.
        var (run, _, _) = Go(Mmu("0x3F0000", "0"));
        Assert.Equal(EINVAL, Results(run)[0]);
    }

    [Fact]
    public void An_l2_entry_must_point_at_a_frame_of_the_domain()
    {
        var (run, _, _) = Go(Mmu("ebp + 4", "0x3F0001"));
        Assert.Equal(EINVAL, Results(run)[0]);
    }

    [Fact]
    public void Non_pae_entries_have_no_high_half()
    {
        var (run, _, _) = Go(Mmu(Pte(0x40000), "0x41003", valHigh: "1") + Mmu(Pte(0x40000), "0x41003", ptrHigh: "1"));
        Assert.Equal(new[] { EINVAL, EINVAL }, Results(run).Take(2));
    }

    [Fact]
    public void Machphys_and_no_translate_updates_are_not_modelled()
    {
        var (run, _, _) = Go(Mmu("0x41001", "0x41") + Mmu("0x41003", "0"));
        Assert.Equal(new[] { ENOSYS, ENOSYS }, Results(run).Take(2));
    }

    [Fact]
    public void An_update_of_an_ordinary_page_is_a_plain_write()
    {
        var (run, _, g) = Go(Mmu("0x44010", "0x12345678"));
        Assert.Equal(0, Results(run)[0]);
        Assert.Equal(0x12345678u, g.Machine.Memory.ReadUInt32(0x44010));
    }

    [Fact]
    public void Preserve_ad_keeps_the_accessed_and_dirty_bits()
    {
        // The boot entry of 0x10000 (this code) has A set by the CPU's walks; cmd 2 keeps it.
        var (run, mon, g) = Go(Mmu(Pte(0x10000) + " + 2", "0x10003"));
        Assert.Equal(0, Results(run)[0]);
        Assert.Equal(0x20u, g.Machine.Memory.ReadUInt32(mon.PageTableBase + 0x1000 + 0x10 * 4) & 0x20);
    }

    [Fact]
    public void A_batch_stops_at_the_first_failure_and_reports_done()
    {
        var (run, _, g) = Go(@"
    lea eax, [ebp + 0x1000 + 0x40*4]
    mov [req], eax
    mov dword [req+8], 0x41003
    lea eax, [ebp + 1008*4]
    mov [req+16], eax
    mov dword [req+24], 0x41003
    lea eax, [ebp + 0x1000 + 0x41*4]
    mov [req+32], eax
    mov dword [req+40], 0x41003
    mov eax, 1
    mov ebx, req
    mov ecx, 3
    mov edx, done
    mov esi, 0x7FF0
    int 0x82
");
        var h = Hypercalls(run)[0];
        Assert.Equal(EPERM, Result(h));
        Assert.Equal(1u, h.Fields["done"]);
        Assert.Equal(1u, g.Machine.Memory.ReadUInt32(g.Definition.Symbols["done"]));
    }

    [Fact]
    public void Bad_request_pointer_done_pointer_and_domain()
    {
        var (run, _, _) = Go(
            Call(1, "0xFC000000", "1", "0", "0x7FF0") +
            Call(1, "req", "0", "0x3F0000", "0x7FF0") +
            Mmu(Pte(0x40000), "0x41003", domid: "5"));
        Assert.Equal(new[] { EFAULT, EFAULT, ESRCH }, Results(run).Take(3));
    }
}
