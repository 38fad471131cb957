using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// EPT walks over hand-written tables against SDM Vol. 3C 28.2.2 (entry formats), 28.2.3.1
/// (misconfigurations), 28.2.3.2 (violations) and table 27-7 (the violation qualification). The
/// qualification bits are Linux's (arch/x86/include/asm/vmx.h): EPT_VIOLATION_ACC_READ 1 &lt;&lt; 0,
/// ACC_WRITE 1 &lt;&lt; 1, ACC_INSTR 1 &lt;&lt; 2, READABLE 1 &lt;&lt; 3, WRITABLE 1 &lt;&lt; 4, EXECUTABLE 1 &lt;&lt; 5,
/// GVA_IS_VALID 1 &lt;&lt; 7, GVA_TRANSLATED 1 &lt;&lt; 8. KVM's handle_ept_violation takes "any of bits 5:3 set" to
/// mean the entry was present, so a not-present walk reports bits 5:3 = 0.
/// </summary>
public class EptWalkerTests
{
    private const uint Pml4 = 0x10000, Pdpt = 0x11000, Pd = 0x12000, Pt = 0x13000;
    private const ulong Rwx = 7, WbLeaf = 6 << 3, Large = 1 << 7;
    // Guest-physical 0x00403ABC: PML4 index 0, PDPT index 0, PD index 2, PT index 3, offset 0xABC.
    private const uint Gpa = 0x0040_3ABC;
    private const uint PdeAddr = Pd + 2 * 8, PteAddr = Pt + 3 * 8;

    private readonly PhysicalMemory _mem = new(16 << 20);

    private void Write(uint address, ulong value)
    {
        _mem.WriteUInt32(address, (uint)value);
        _mem.WriteUInt32(address + 4, (uint)(value >> 32));
    }

    // A full 4-KByte mapping of Gpa's page to host 0x00800000 with the given leaf bits.
    private void Map4K(ulong pte, ulong pml4e = Pdpt | Rwx, ulong pdpte = Pd | Rwx, ulong pde = Pt | Rwx)
    {
        Write(Pml4, pml4e);
        Write(Pdpt, pdpte);
        Write(PdeAddr, pde);
        Write(PteAddr, pte);
    }

    private EptWalker Walker(ulong cap = 0) => cap == 0
        ? new EptWalker(_mem, EptPointer.Create(Pml4))
        : new EptWalker(_mem, EptPointer.Parse(Pml4 | 0x18 | 6, cap), cap);

    [Fact]
    public void A_4K_mapping_translates_with_the_leafs_attributes()
    {
        Map4K(0x0080_0000 | Rwx | 4 << 3 | 1 << 6);
        var t = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Translated, t.Outcome);
        Assert.Equal(0x0080_0ABCu, t.HostPhysicalAddress);
        Assert.Equal(Gpa, t.GuestPhysicalAddress);
        Assert.Equal(EptAccessKind.Read, t.Access);
        Assert.Equal(EptPermissions.All, t.Permissions);
        Assert.Equal(4096u, t.PageSize);
        Assert.Equal(EptMemoryType.WriteThrough, t.MemoryType);
        Assert.True(t.IgnorePat);
        Assert.Equal(1, t.Level);
        Assert.Equal(PteAddr, t.EntryAddress);
        Assert.Equal(0UL, t.ExitQualification);
        Assert.Null(t.Reason);
        Assert.Null(t.ExitReason);
    }

    [Fact]
    public void A_2M_page_translates_the_low_21_bits()
    {
        Write(Pml4, Pdpt | Rwx);
        Write(Pdpt, Pd | Rwx);
        Write(PdeAddr, 0x00A0_0000 | Large | WbLeaf | Rwx);
        var t = Walker().Translate(0x005F_1234, EptAccessKind.Write);
        Assert.Equal(EptOutcome.Translated, t.Outcome);
        Assert.Equal(0x00BF_1234u, t.HostPhysicalAddress);
        Assert.Equal(2u << 20, t.PageSize);
        Assert.Equal(2, t.Level);
        Assert.Equal(EptMemoryType.WriteBack, t.MemoryType);
        Assert.False(t.IgnorePat);
    }

    [Fact]
    public void The_pdpt_index_comes_from_bits_31_30()
    {
        // Guest 0xC0000000: PDPT index 3.
        Write(Pml4, Pdpt | Rwx);
        Write(Pdpt + 3 * 8, Pd | Rwx);
        Write(Pd, 0x0020_0000 | Large | WbLeaf | Rwx);
        var t = Walker().Translate(0xC000_0010, EptAccessKind.Read);
        Assert.Equal(0x0020_0010u, t.HostPhysicalAddress);
        Assert.Equal(EptOutcome.Violation, Walker().Translate(0x8000_0010, EptAccessKind.Read).Outcome);
    }

    [Theory]
    [InlineData(4, EptAccessKind.Read, 0x1UL)]
    [InlineData(3, EptAccessKind.Write, 0x2UL)]
    [InlineData(2, EptAccessKind.Fetch, 0x4UL)]
    [InlineData(1, EptAccessKind.Read, 0x1UL)]
    public void A_not_present_entry_at_any_level_is_a_violation_with_no_rights(int level, EptAccessKind access, ulong qualification)
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx);
        uint[] addresses = [0, PteAddr, PdeAddr, Pdpt, Pml4];
        Write(addresses[level], 0xFFFF_F000 | 1UL << 63 | 1 << 8); // bits 2:0 = 0: everything else ignored
        var t = Walker().Translate(Gpa, access);
        Assert.Equal(EptOutcome.Violation, t.Outcome);
        Assert.Equal(level, t.Level);
        Assert.Equal(addresses[level], t.EntryAddress);
        Assert.Equal(qualification, t.ExitQualification);
        Assert.Equal(EptPermissions.None, t.Permissions);
        Assert.Equal(VmExitReason.EptViolation, t.ExitReason);
        Assert.Contains("not present", t.Reason);
        Assert.Equal(0u, t.HostPhysicalAddress);
    }

    // Every present, well-formed combination of leaf rights against every access: allowed iff the bit is set;
    // a violation reports the access bit and the rights in bits 5:3.
    [Theory]
    [InlineData(1)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(7)]
    public void Leaf_rights_decide_each_access(int rights)
    {
        Map4K(0x0080_0000 | WbLeaf | (ulong)rights);
        foreach (var access in new[] { EptAccessKind.Read, EptAccessKind.Write, EptAccessKind.Fetch })
        {
            var t = Walker().Translate(Gpa, access);
            bool allowed = (rights & (1 << (int)access)) != 0;
            Assert.Equal(allowed ? EptOutcome.Translated : EptOutcome.Violation, t.Outcome);
            Assert.Equal((EptPermissions)rights, t.Permissions);
            Assert.Equal(allowed ? 0UL : (1UL << (int)access) | (ulong)rights << 3, t.ExitQualification);
            if (!allowed) Assert.Contains("not allowed", t.Reason);
        }
    }

    [Theory]
    [InlineData(4)] [InlineData(3)] [InlineData(2)]
    public void Rights_are_the_AND_over_all_levels(int level)
    {
        // The upper entry allows only read and execute; the PTE allows everything.
        ulong pml4e = Pdpt | (level == 4 ? 5UL : Rwx), pdpte = Pd | (level == 3 ? 5UL : Rwx), pde = Pt | (level == 2 ? 5UL : Rwx);
        Map4K(0x0080_0000 | WbLeaf | Rwx, pml4e, pdpte, pde);
        Assert.Equal(EptOutcome.Translated, Walker().Translate(Gpa, EptAccessKind.Fetch).Outcome);
        var t = Walker().Translate(Gpa, EptAccessKind.Write);
        Assert.Equal(EptOutcome.Violation, t.Outcome);
        Assert.Equal(EptPermissions.ReadExecute, t.Permissions);
        Assert.Equal(0x2UL | 5 << 3, t.ExitQualification);
        Assert.Equal(1, t.Level); // the walk completes before rights are checked
    }

    [Fact]
    public void Execute_only_upper_entries_are_present_when_supported()
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx, pde: Pt | 4);
        var read = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Violation, read.Outcome);
        Assert.Equal(0x1UL | 4 << 3, read.ExitQualification);
        Assert.Equal(0x0080_0ABCu, Walker().Translate(Gpa, EptAccessKind.Fetch).HostPhysicalAddress);
    }

    [Fact]
    public void Linear_address_flags_go_to_bits_7_and_8()
    {
        Map4K(0x0080_0000 | WbLeaf | 1);
        var w = Walker();
        Assert.Equal(0x2UL | 1 << 3 | 1 << 7 | 1 << 8, w.Translate(Gpa, EptAccessKind.Write, true, true).ExitQualification);
        Assert.Equal(0x2UL | 1 << 3 | 1 << 7, w.Translate(Gpa, EptAccessKind.Write, true, false).ExitQualification);
        Assert.Equal(0x2UL | 1 << 3, w.Translate(Gpa, EptAccessKind.Write).ExitQualification);
        var ex = Assert.Throws<ArgumentException>(() => w.Translate(Gpa, EptAccessKind.Write, false, true));
        Assert.Contains("bit 8", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Translate(Gpa, (EptAccessKind)3));
        Assert.Equal(0x4UL | 7 << 3 | 1 << 7, EptWalker.Qualification(EptAccessKind.Fetch, EptPermissions.All, true, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => EptWalker.Qualification((EptAccessKind)3, EptPermissions.All, false, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => EptWalker.Qualification(EptAccessKind.Read, (EptPermissions)8, false, false));
        Assert.Throws<ArgumentException>(() => EptWalker.Qualification(EptAccessKind.Read, EptPermissions.All, false, true));
    }

    [Theory]
    [InlineData(4, 2)] [InlineData(4, 6)] [InlineData(3, 2)] [InlineData(3, 6)]
    [InlineData(2, 2)] [InlineData(2, 6)] [InlineData(1, 2)] [InlineData(1, 6)]
    public void Writable_but_not_readable_is_a_misconfiguration_at_any_level(int level, int rights)
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx);
        uint[] addresses = [0, PteAddr, PdeAddr, Pdpt, Pml4];
        ulong[] next = [0, 0x0080_0000 | WbLeaf, Pt, Pd, Pdpt];
        Write(addresses[level], next[level] | (uint)rights);
        foreach (var access in new[] { EptAccessKind.Read, EptAccessKind.Write, EptAccessKind.Fetch })
        {
            var t = Walker().Translate(Gpa, access);
            Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
            Assert.Equal(level, t.Level);
            Assert.Equal(0UL, t.ExitQualification);
            Assert.Equal(VmExitReason.EptMisconfig, t.ExitReason);
            Assert.Contains("writable but not readable", t.Reason);
            Assert.Contains($"0x{addresses[level]:X8}", t.Reason);
        }
    }

    [Theory]
    [InlineData(4)] [InlineData(3)] [InlineData(2)] [InlineData(1)]
    public void Execute_only_without_the_capability_is_a_misconfiguration(int level)
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx);
        uint[] addresses = [0, PteAddr, PdeAddr, Pdpt, Pml4];
        ulong[] next = [0, 0x0080_0000 | WbLeaf, Pt, Pd, Pdpt];
        Write(addresses[level], next[level] | 4);
        var t = Walker(EptCapabilities.Default & ~EptCapabilities.ExecuteOnly).Translate(Gpa, EptAccessKind.Fetch);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(level, t.Level);
        Assert.Contains("execute-only", t.Reason);
        Assert.Equal(EptOutcome.Translated, Walker().Translate(Gpa, EptAccessKind.Fetch).Outcome);
    }

    [Fact]
    public void Address_bits_beyond_the_physical_address_width_are_reserved_at_every_level()
    {
        uint[] addresses = [0, PteAddr, PdeAddr, Pdpt, Pml4];
        ulong[] next = [0, 0x0080_0000 | WbLeaf | Rwx, Pt | Rwx, Pd | Rwx, Pdpt | Rwx];
        for (int level = 1; level <= 4; level++)
            for (int bit = 32; bit <= 51; bit++)
            {
                Map4K(next[1]);
                Write(addresses[level], next[level] | 1UL << bit);
                var t = Walker().Translate(Gpa, EptAccessKind.Read);
                Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
                Assert.Equal(level, t.Level);
                Assert.Contains("reserved bits 51:32", t.Reason);
            }
    }

    [Fact]
    public void Ignored_bits_do_not_matter()
    {
        // Bits 11:8 (no A/D flags, no mode-based execute) and 63:52 (no #VE) are ignored; so is bit 7 of a PTE.
        ulong ignored = 0xF00UL | 0xFFF0_0000_0000_0000UL;
        Map4K(0x0080_0000 | WbLeaf | Rwx | ignored | Large, Pdpt | Rwx | ignored, Pd | Rwx | ignored, Pt | Rwx | ignored);
        Assert.Equal(0x0080_0ABCu, Walker().Translate(Gpa, EptAccessKind.Write).HostPhysicalAddress);
    }

    [Theory]
    [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)]
    public void Pml4e_bits_7_to_3_are_reserved(int bit)
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx, pml4e: Pdpt | Rwx | 1UL << bit);
        var t = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(4, t.Level);
        Assert.Contains("reserved bits 7:3", t.Reason);
    }

    [Theory]
    [InlineData(3, 3)] [InlineData(3, 4)] [InlineData(3, 5)] [InlineData(3, 6)]
    [InlineData(2, 3)] [InlineData(2, 4)] [InlineData(2, 5)] [InlineData(2, 6)]
    public void Bits_6_to_3_of_a_table_pointer_are_reserved(int level, int bit)
    {
        if (level == 3) Map4K(0x0080_0000 | WbLeaf | Rwx, pdpte: Pd | Rwx | 1UL << bit);
        else Map4K(0x0080_0000 | WbLeaf | Rwx, pde: Pt | Rwx | 1UL << bit);
        var t = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(level, t.Level);
        Assert.Contains("reserved bits 6:3", t.Reason);
    }

    [Fact]
    public void A_1G_page_is_a_misconfiguration()
    {
        Map4K(0x0080_0000 | WbLeaf | Rwx, pdpte: 0x4000_0000 | Large | WbLeaf | Rwx);
        var t = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(3, t.Level);
        Assert.Contains("1-GByte pages are not supported", t.Reason);
    }

    [Theory]
    [InlineData(12)] [InlineData(13)] [InlineData(16)] [InlineData(20)]
    public void Bits_20_to_12_of_a_2M_page_are_reserved(int bit)
    {
        Map4K(0, pde: 0x00A0_0000 | Large | WbLeaf | Rwx | 1UL << bit);
        var t = Walker().Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(2, t.Level);
        Assert.Contains("reserved bits 20:12", t.Reason);
    }

    [Fact]
    public void A_2M_page_without_the_capability_is_a_misconfiguration()
    {
        Map4K(0, pde: 0x00A0_0000 | Large | WbLeaf | Rwx);
        var t = Walker(EptCapabilities.Default & ~EptCapabilities.LargePage2M).Translate(Gpa, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Contains("2-MByte pages are not supported", t.Reason);
    }

    [Theory]
    [InlineData(0, true)] [InlineData(1, true)] [InlineData(2, false)] [InlineData(3, false)]
    [InlineData(4, true)] [InlineData(5, true)] [InlineData(6, true)] [InlineData(7, false)]
    public void Leaf_memory_types_2_3_and_7_are_misconfigurations(int type, bool valid)
    {
        Map4K(0x0080_0000 | (ulong)type << 3 | Rwx);
        var small = Walker().Translate(Gpa, EptAccessKind.Read);
        Map4K(0, pde: 0x00A0_0000 | Large | (ulong)type << 3 | Rwx);
        var large = Walker().Translate(Gpa, EptAccessKind.Read);
        foreach (var (t, level) in new[] { (small, 1), (large, 2) })
        {
            Assert.Equal(level, t.Level);
            if (valid)
                Assert.Equal((EptMemoryType)type, t.MemoryType);
            else
            {
                Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
                Assert.Contains($"memory type {type} (bits 5:3) is reserved", t.Reason);
            }
        }
    }

    [Fact]
    public void Table_pointers_memory_type_bits_are_reserved_not_a_type()
    {
        // Bits 5:3 of a PDE that points to a table are reserved (any value but 0 misconfigures).
        Map4K(0x0080_0000 | WbLeaf | Rwx, pde: Pt | 6 << 3 | Rwx);
        Assert.Equal(EptOutcome.Misconfiguration, Walker().Translate(Gpa, EptAccessKind.Read).Outcome);
    }

    [Fact]
    public void A_misconfiguration_below_takes_precedence_over_missing_rights_above()
    {
        Map4K(0x0080_0000 | 2 << 3 | Rwx, pde: Pt | 1); // PDE read-only, PTE with reserved memory type 2
        var t = Walker().Translate(Gpa, EptAccessKind.Write);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(1, t.Level);
    }

    [Fact]
    public void Tables_in_unmapped_memory_read_as_all_ones_and_misconfigure()
    {
        var small = new PhysicalMemory(0x10000);
        var t = new EptWalker(small, EptPointer.Create(0x0010_0000)).Translate(0, EptAccessKind.Read);
        Assert.Equal(EptOutcome.Misconfiguration, t.Outcome);
        Assert.Equal(4, t.Level);
        Assert.Equal(ulong.MaxValue, t.Entry);
    }

    [Fact]
    public void The_constructor_refuses_what_it_cannot_walk()
    {
        var ptr = EptPointer.Create(Pml4);
        Assert.Throws<ArgumentNullException>(() => new EptWalker(null!, ptr));
        Assert.Contains("page-walk length minus 1 (bits 5:3) is 0", Assert.Throws<ArgumentException>(() => new EptWalker(_mem, default)).Message);
        var ad = EptPointer.Parse(Pml4 | 0x18 | 6 | 1 << 6, EptCapabilities.Default | EptCapabilities.AccessedDirty);
        Assert.Contains("accessed and dirty", Assert.Throws<ArgumentException>(() => new EptWalker(_mem, ad)).Message);
        foreach (ulong extra in new[] { EptCapabilities.PageWalkLength5, EptCapabilities.LargePage1G, EptCapabilities.AccessedDirty })
        {
            var ex = Assert.Throws<ArgumentException>(() => new EptWalker(_mem, ptr, EptCapabilities.Default | extra));
            Assert.Contains("does not model", ex.Message);
        }
        var noWb = Assert.Throws<ArgumentException>(() => new EptWalker(_mem, ptr, EptCapabilities.Default & ~EptCapabilities.MemoryTypeWriteBack));
        Assert.Contains("memory type 6", noWb.Message);
        Assert.Equal(ptr, new EptWalker(_mem, ptr).Pointer);
    }
}
