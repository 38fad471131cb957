using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// EPT tables built by <see cref="EptBuilder"/>, checked by walking them with <see cref="EptWalker"/>
/// (whose rules the walker tests check against the SDM) and by reading the raw entries against the
/// SDM's formats (28.2.2: bit 7 marks a 2-MByte page in a PDE; bits 5:3 the memory type).
/// </summary>
public class EptBuilderTests
{
    private const uint Mb = 1u << 20;
    private const uint Area = 0x0300_0000;
    private readonly PhysicalMemory _mem = new(64 * Mb);

    private ulong Read64(uint address) => _mem.ReadUInt32(address) | (ulong)_mem.ReadUInt32(address + 4) << 32;

    // A lab-like PC map: conventional RAM, the VGA hole, a read-only BIOS/option ROM area, extended RAM to 32 MB.
    private EptBuilder LabMap() => new EptBuilder(_mem, Area, 64 * 1024)
        .AddIdentity(0, 0xA0000, EptPermissions.All)
        .AddIdentity(0xC0000, 0x40000, EptPermissions.ReadExecute)
        .AddIdentity(Mb, 31 * Mb, EptPermissions.All);

    [Fact]
    public void A_lab_memory_map_walks_as_listed()
    {
        var builder = LabMap();
        Assert.Equal(4, builder.TablesNeeded); // PML4, PDPT, one PD, one PT for the first 2 MB
        var ptr = builder.Build();
        Assert.Equal(Area, ptr.Pml4Address);
        Assert.Equal(EptMemoryType.WriteBack, ptr.MemoryType);
        var w = new EptWalker(_mem, ptr);

        var low = w.Translate(0x0009_FFFC, EptAccessKind.Write);
        Assert.Equal((EptOutcome.Translated, 0x0009_FFFCu, 4096u), (low.Outcome, low.HostPhysicalAddress, low.PageSize));

        var hole = w.Translate(0x000B_8000, EptAccessKind.Write, true, true);
        Assert.Equal(EptOutcome.Violation, hole.Outcome);
        Assert.Equal(1, hole.Level);
        Assert.Equal(0x2UL | 1 << 7 | 1 << 8, hole.ExitQualification);

        Assert.Equal(0x000F_FFF0u, w.Translate(0x000F_FFF0, EptAccessKind.Fetch).HostPhysicalAddress);
        Assert.Equal(EptOutcome.Translated, w.Translate(0x000C_0000, EptAccessKind.Read).Outcome);
        var romWrite = w.Translate(0x000F_0000, EptAccessKind.Write);
        Assert.Equal(EptOutcome.Violation, romWrite.Outcome);
        Assert.Equal(0x2UL | 5 << 3, romWrite.ExitQualification);

        var first = w.Translate(0x0010_0000, EptAccessKind.Read);
        Assert.Equal(4096u, first.PageSize); // the first 2 MB block is shared with the ROM and the hole
        var big = w.Translate(0x0123_4567, EptAccessKind.Write);
        Assert.Equal((EptOutcome.Translated, 0x0123_4567u, 2 * Mb, 2), (big.Outcome, big.HostPhysicalAddress, big.PageSize, big.Level));
        Assert.Equal(0x01FF_FFFFu, w.Translate(0x01FF_FFFF, EptAccessKind.Fetch).HostPhysicalAddress);

        var above = w.Translate(0x0200_0000, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Violation, above.Outcome);
        Assert.Equal(2, above.Level);
        var otherGb = w.Translate(0xFEC0_0000, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Violation, otherGb.Outcome);
        Assert.Equal(3, otherGb.Level);
    }

    [Fact]
    public void The_layout_is_pml4_pdpt_directories_then_page_tables()
    {
        LabMap().Build();
        Assert.Equal((ulong)(Area + 0x1000) | 7, Read64(Area));              // PML4E -> PDPT, RWX
        Assert.Equal((ulong)(Area + 0x2000) | 7, Read64(Area + 0x1000));     // PDPTE 0 -> PD
        Assert.Equal((ulong)(Area + 0x3000) | 7, Read64(Area + 0x2000));     // PDE 0 -> PT
        Assert.Equal(0x0020_0000UL | 1 << 7 | 6 << 3 | 7, Read64(Area + 0x2000 + 8)); // PDE 1: 2 MB page, WB, RWX
        Assert.Equal(0x000C_0000UL | 6 << 3 | 5, Read64(Area + 0x3000 + 0xC0 * 8)); // ROM PTE, WB, R-X
        Assert.Equal(0UL, Read64(Area + 0x3000 + 0xA0 * 8));                 // the hole
    }

    [Fact]
    public void Remapped_regions_translate_to_their_host_addresses()
    {
        var ptr = new EptBuilder(_mem, Area, 64 * 1024)
            .Add(new EptRegion(0, 2 * Mb, 0x0100_0000, EptPermissions.All))                 // aligned: one 2 MB page
            .Add(new EptRegion(0x0020_1000, 0x3000, 0x0050_0000, EptPermissions.ReadWrite)) // 4 KB pages
            .Add(new EptRegion(0x0040_0000, 2 * Mb, 0x0060_1000, EptPermissions.All, EptMemoryType.Uncacheable)) // host misaligned
            .Build();
        var w = new EptWalker(_mem, ptr);
        var a = w.Translate(0x0001_2345, EptAccessKind.Read);
        Assert.Equal((0x0101_2345u, 2 * Mb), (a.HostPhysicalAddress, a.PageSize));
        Assert.Equal(0x0050_1FFFu, w.Translate(0x0020_2FFF, EptAccessKind.Write).HostPhysicalAddress);
        Assert.Equal(EptOutcome.Violation, w.Translate(0x0020_0000, EptAccessKind.Read).Outcome);
        Assert.Equal(EptOutcome.Violation, w.Translate(0x0020_4000, EptAccessKind.Read).Outcome);
        Assert.Equal(0x4UL | 3 << 3, w.Translate(0x0020_1000, EptAccessKind.Fetch).ExitQualification);
        var c = w.Translate(0x005F_FFFF, EptAccessKind.Read);
        Assert.Equal((0x0080_0FFFu, 4096u, EptMemoryType.Uncacheable), (c.HostPhysicalAddress, c.PageSize, c.MemoryType));
    }

    [Fact]
    public void Regions_may_cross_1G_boundaries_and_end_at_4G()
    {
        var b = new EptBuilder(_mem, Area, 64 * 1024)
            .AddIdentity(0x3FE0_0000, 4 * Mb, EptPermissions.ReadWrite)
            .AddIdentity(0xFFE0_0000, 2 * Mb, EptPermissions.ReadExecute);
        Assert.Equal(2 + 3, b.TablesNeeded);
        var w = new EptWalker(_mem, b.Build());
        Assert.Equal(0x3FFF_FFFFu, w.Translate(0x3FFF_FFFF, EptAccessKind.Write).HostPhysicalAddress);
        Assert.Equal(0x4010_0000u, w.Translate(0x4010_0000, EptAccessKind.Write).HostPhysicalAddress);
        Assert.Equal(0xFFFF_FFF0u, w.Translate(0xFFFF_FFF0, EptAccessKind.Fetch).HostPhysicalAddress);
    }

    [Fact]
    public void Execute_only_regions_allow_fetches_only()
    {
        var w = new EptWalker(_mem, new EptBuilder(_mem, Area, 0x4000).AddIdentity(0x1000, 0x1000, EptPermissions.Execute).Build());
        Assert.Equal(EptOutcome.Translated, w.Translate(0x1800, EptAccessKind.Fetch).Outcome);
        Assert.Equal(0x1UL | 4 << 3, w.Translate(0x1800, EptAccessKind.Read).ExitQualification);
    }

    [Fact]
    public void Without_2M_pages_in_the_capabilities_only_4K_pages_are_used()
    {
        ulong cap = EptCapabilities.Default & ~EptCapabilities.LargePage2M;
        var b = new EptBuilder(_mem, Area, 64 * 1024, cap).AddIdentity(0, 4 * Mb, EptPermissions.All);
        Assert.Equal(2 + 1 + 2, b.TablesNeeded);
        var t = new EptWalker(_mem, b.Build(), cap).Translate(0x0030_0000, EptAccessKind.Read);
        Assert.Equal((EptOutcome.Translated, 4096u), (t.Outcome, t.PageSize));
    }

    [Fact]
    public void Build_clears_old_contents_and_an_empty_map_is_all_violations()
    {
        for (uint a = Area; a < Area + 0x4000; a += 4) _mem.WriteUInt32(a, 0xFFFF_FFFF);
        var w = new EptWalker(_mem, new EptBuilder(_mem, Area, 0x4000).Build(EptMemoryType.Uncacheable));
        Assert.Equal(EptMemoryType.Uncacheable, w.Pointer.MemoryType);
        var t = w.Translate(0x1234, EptAccessKind.Read);
        Assert.Equal((EptOutcome.Violation, 3), (t.Outcome, t.Level));
    }

    [Fact]
    public void Build_refuses_tables_that_do_not_fit_and_bad_structure_types()
    {
        for (uint a = Area; a < Area + 0x3000; a += 4) _mem.WriteUInt32(a, 0x1234_5678);
        var b = new EptBuilder(_mem, Area, 0x3000).AddIdentity(0, 0x1000, EptPermissions.All);
        var ex = Assert.Throws<InvalidOperationException>(() => b.Build());
        for (uint a = Area; a < Area + 0x3000; a += 4) Assert.Equal(0x1234_5678u, _mem.ReadUInt32(a)); // nothing written
        Assert.Contains("need 4 pages", ex.Message);
        Assert.Contains("holds 3", ex.Message);
        Assert.Contains("0x03000000", ex.Message);
        var mt = Assert.Throws<ArgumentException>(() => new EptBuilder(_mem, Area, 0x3000).Build(EptMemoryType.WriteThrough));
        Assert.Contains("memory type 4", mt.Message);
    }

    [Theory]
    [InlineData(0x0300_0000u, 0u, "non-zero multiples of 4 KiB")]
    [InlineData(0x0300_0800u, 0x4000u, "non-zero multiples of 4 KiB")]
    [InlineData(0x0300_0000u, 0x4800u, "non-zero multiples of 4 KiB")]
    [InlineData(0xFFFF_F000u, 0x2000u, "runs past 4 GiB")]
    [InlineData(0x03FF_F000u, 0x2000u, "page 0x04000000 is Unmapped, not RAM")]
    public void The_area_must_be_aligned_RAM(uint areaBase, uint areaSize, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new EptBuilder(_mem, areaBase, areaSize));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void The_memory_must_not_be_null() =>
        Assert.Throws<ArgumentNullException>(() => new EptBuilder(null!, Area, 0x4000));

    public static TheoryData<EptRegion, string> BadRegions => new()
    {
        { new EptRegion(0, 0, 0, EptPermissions.All), "non-zero multiples of 4 KiB" },
        { new EptRegion(0x800, 0x1000, 0, EptPermissions.All), "non-zero multiples of 4 KiB" },
        { new EptRegion(0, 0x1000, 0x10, EptPermissions.All), "non-zero multiples of 4 KiB" },
        { new EptRegion(0, 0x1800, 0, EptPermissions.All), "non-zero multiples of 4 KiB" },
        { new EptRegion(0xFFFF_F000, 0x2000, 0, EptPermissions.All), "guest-physical range runs past 4 GiB" },
        { new EptRegion(0, 0x2000, 0xFFFF_F000, EptPermissions.All), "host-physical range runs past 4 GiB" },
        { new EptRegion(0, 0x1000, 0, EptPermissions.None), "leave the range out" },
        { new EptRegion(0, 0x1000, 0, EptPermissions.Write), "write without read" },
        { new EptRegion(0, 0x1000, 0, EptPermissions.Write | EptPermissions.Execute), "write without read" },
        { new EptRegion(0, 0x1000, 0, (EptPermissions)9), "bits beyond read (0), write (1) and execute (2)" },
        { new EptRegion(0, 0x1000, 0, EptPermissions.All, (EptMemoryType)2), "memory type 2 is reserved" },
        { new EptRegion(0, 0x1000, 0, EptPermissions.All, (EptMemoryType)7), "memory type 7 is reserved" },
        { new EptRegion(0x0800_0000, 0x1000, Area + 0x3000, EptPermissions.Read), "EPT table area 0x03000000-0x0300FFFF" },
        { new EptRegion(0x0800_0000, 0x0100_0000, 0x0280_0000, EptPermissions.Read), "EPT table area" },
    };

    [Theory]
    [MemberData(nameof(BadRegions))]
    public void Bad_regions_are_refused(EptRegion region, string message)
    {
        var b = new EptBuilder(_mem, Area, 64 * 1024);
        var ex = Assert.Throws<ArgumentException>(() => b.Add(region));
        Assert.Contains(message, ex.Message);
        Assert.Contains("EPT region guest 0x", ex.Message);
        Assert.Empty(b.Regions);
    }

    [Fact]
    public void Execute_only_regions_need_the_capability()
    {
        var b = new EptBuilder(_mem, Area, 0x4000, EptCapabilities.Default & ~EptCapabilities.ExecuteOnly);
        Assert.Contains("execute-only entries are not supported", Assert.Throws<ArgumentException>(() => b.AddIdentity(0, 0x1000, EptPermissions.Execute)).Message);
    }

    [Theory]
    [InlineData(0x0009_0000u, 0x0001_0000u)] // inside
    [InlineData(0x0000_0000u, 0x0010_0000u)] // containing
    [InlineData(0x0009_F000u, 0x0000_2000u)] // straddling the end
    public void Overlapping_guest_ranges_are_refused(uint guestBase, uint size)
    {
        var b = new EptBuilder(_mem, Area, 0x4000).AddIdentity(0x0008_0000, 0x0002_0000, EptPermissions.All);
        var ex = Assert.Throws<ArgumentException>(() => b.Add(new EptRegion(guestBase, size, 0x0100_0000, EptPermissions.Read)));
        Assert.Contains("overlaps guest 0x00080000-0x0009FFFF -> host 0x00080000 All WriteBack in guest-physical space", ex.Message);
        Assert.Single(b.Regions);
        // Adjacent ranges and aliased host ranges are fine.
        b.Add(new EptRegion(0x000A_0000, 0x1000, 0x0008_0000, EptPermissions.Read));
        Assert.Equal(2, b.Regions.Count);
    }
}
