using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Para;
using Xunit;
using static VirtLab.Engine.Tests.Vmm.Para.MmuUpdateTests;
using static VirtLab.Engine.Tests.Vmm.Para.ParaGuest;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>check_descriptor, set_gdt (2) and update_descriptor (10).</summary>
public class DescriptorTests
{
    private const int EFAULT = -14, EBUSY = -16, EINVAL = -22;

    // Descriptors built by the SDM's layout (Vol. 3A 3.4.5): flat 4 GiB, G and D set.
    private const uint FlatLo = 0x0000_FFFF;
    private static uint FlatHi(int dpl, bool code) => 0x00CF_9000u | (uint)dpl << 13 | (code ? 0xA00u : 0x200u);

    [Fact]
    public void Check_accepts_not_present_and_refuses_system_and_ring_0_descriptors()
    {
        uint lo = 0x1234_5678, hi = 0x0000_0E00; // not present, any contents
        Assert.True(DescriptorCheck.Check(ref lo, ref hi));
        lo = 0x0000_0067; hi = 0x0000_8900;      // present 32-bit TSS
        Assert.False(DescriptorCheck.Check(ref lo, ref hi));
        lo = FlatLo; hi = FlatHi(0, code: true);
        Assert.False(DescriptorCheck.Check(ref lo, ref hi));
    }

    [Fact]
    public void Check_cuts_a_flat_segment_back_below_the_hole()
    {
        uint lo = FlatLo, hi = FlatHi(1, code: false);
        Assert.True(DescriptorCheck.Check(ref lo, ref hi));
        Assert.Equal(0x0000_BFFFu, lo);             // limit 0xFBFFF pages: the last byte is 0xFBFFFFFF
        Assert.Equal(FlatHi(1, false), hi);         // bits 16-19 of the limit stay 0xF
        uint lo2 = 0x0000_00FF, hi2 = 0x0040_9200 | 3 << 13; // byte-granular 256 bytes at 0: unchanged
        Assert.True(DescriptorCheck.Check(ref lo2, ref hi2));
        Assert.Equal(0x0000_00FFu, lo2);
    }

    [Fact]
    public void Check_refuses_a_base_in_the_hole_and_an_expand_down_segment_over_it()
    {
        uint lo = 0x0000_FFFF, hi = 0xFC00_9200 | 1 << 13;          // base 0xFC000000
        Assert.False(DescriptorCheck.Check(ref lo, ref hi));
        lo = 0x0000_0FFF; hi = 0x00C0_9600 | 1 << 13;                // expand-down, B = 1: up to 4 GiB
        Assert.False(DescriptorCheck.Check(ref lo, ref hi));
    }

    private static (GuestRun Run, ParaMonitor Mon, GuestInstance G) Go(string body)
    {
        var g = Build(Prologue + body + Poweroff + Data + "gdt_list: dd 0x42\n");
        var run = g.Run(GuestMode.Para, 1_000_000);
        return (run, (ParaMonitor)g.Monitor!, g);
    }

    /// <summary>Writes a descriptor into frame 0x42000 at <paramref name="index"/> while it is still ordinary memory.</summary>
    private static string Put(int index, uint lo, uint hi) => $"    mov dword [0x42000 + {index * 8}], 0x{lo:X}\n    mov dword [0x42000 + {index * 8 + 4}], 0x{hi:X}\n";

    [Fact]
    public void Set_gdt_installs_a_validated_frame_and_its_selectors_load()
    {
        var (run, mon, g) = Go(Put(1, FlatLo, FlatHi(1, false)) + Mmu(Pte(0x42000), "0x42001") + Call(2, "gdt_list", "512")
            + "    mov ax, 0x09\n    mov ds, ax\n    mov dword [0x44000], 0x600D\n    mov ax, 0xE021\n    mov ds, ax\n");
        Assert.Equal(new[] { 0, 0 }, Results(run).Take(2));
        Assert.Equal("set_gdt", Hypercalls(run)[1].Reason);
        Assert.Equal(PageType.SegDesc, mon.FrameType(0x42));
        Assert.Equal(0x600Du, g.Machine.Memory.ReadUInt32(0x44000));
        Assert.Equal(0x0000_BFFFu, g.Machine.Memory.ReadUInt32(0x42008)); // the limit was cut below the hole
    }

    [Fact]
    public void Set_gdt_errors()
    {
        var (run, _, _) = Go(
            Call(2, "gdt_list", "512") +                                   // frame still writable
            Put(1, FlatLo, FlatHi(0, true)) + Mmu(Pte(0x42000), "0x42001") +
            Call(2, "gdt_list", "512") +                                   // a ring-0 descriptor inside
            Call(2, "gdt_list", "7169") +                                  // into Xen's entries
            Call(2, "0xFC000000", "1") +                                   // unreadable list
            "    mov dword [gdt_list], 0x3F0\n" + Call(2, "gdt_list", "1"));  // Xen's frame
        Assert.Equal(new[] { EINVAL, 0, EINVAL, EINVAL, EFAULT, EINVAL }, Results(run).Take(6));
    }

    [Fact]
    public void A_gdt_frame_cannot_be_mapped_writable()
    {
        var (run, _, _) = Go(Mmu(Pte(0x42000), "0x42001") + Call(2, "gdt_list", "16") + Mmu(Pte(0x42000), "0x42003"));
        Assert.Equal(new[] { 0, 0, EBUSY }, Results(run).Take(3));
    }

    [Fact]
    public void Update_descriptor_writes_a_checked_descriptor()
    {
        var (run, _, g) = Go(
            Call(10, "0x44008", "0", $"0x{FlatLo:X}", $"0x{FlatHi(3, false):X}") +
            Call(10, "0x44004", "0", "0", "0") +                                  // not 8-byte aligned
            Call(10, "0x44008", "1", "0", "0") +                                  // above 4 GiB
            Call(10, "0x3F0000", "0", "0", "0") +                                 // Xen's frame
            Call(10, "0x44010", "0", $"0x{FlatLo:X}", $"0x{FlatHi(0, true):X}") + // ring 0
            "    mov ebx, ebp\n" + Call(10, "ebx", "0", "0", "0"));                // the page directory
        Assert.Equal(new[] { 0, EINVAL, EINVAL, EINVAL, EINVAL, EINVAL }, Results(run).Take(6));
        Assert.Equal("update_descriptor", Hypercalls(run)[0].Reason);
        Assert.Equal(0x0000_BFFFu, g.Machine.Memory.ReadUInt32(0x44008));
    }

    [Fact]
    public void Update_descriptor_changes_a_live_gdt()
    {
        var (run, _, g) = Go(Mmu(Pte(0x42000), "0x42001") + Call(2, "gdt_list", "512")
            + Call(10, "0x42010", "0", $"0x{FlatLo:X}", $"0x{FlatHi(1, false):X}")
            + "    mov ax, 0x11\n    mov es, ax\n    mov dword [es:0x44000], 0xCAFE\n");
        Assert.Equal(new[] { 0, 0, 0 }, Results(run).Take(3));
        Assert.Equal(0xCAFEu, g.Machine.Memory.ReadUInt32(0x44000));
    }
}
