using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// EPT pointer checks of SDM Vol. 3C 26.2.1.1 (VM entry), with the field layout of Linux
/// arch/x86/include/asm/vmx.h: VMX_EPTP_MT_UC 0, VMX_EPTP_MT_WB 6, VMX_EPTP_PWL_4 0x18,
/// VMX_EPTP_AD_ENABLE_BIT 1 &lt;&lt; 6, and capability bits VMX_EPT_EXECUTE_ONLY_BIT 1 &lt;&lt; 0,
/// VMX_EPT_PAGE_WALK_4_BIT 1 &lt;&lt; 6, VMX_EPTP_UC_BIT 1 &lt;&lt; 8, VMX_EPTP_WB_BIT 1 &lt;&lt; 14,
/// VMX_EPT_2MB_PAGE_BIT 1 &lt;&lt; 16, VMX_EPT_1GB_PAGE_BIT 1 &lt;&lt; 17, VMX_EPT_AD_BIT 1 &lt;&lt; 21.
/// </summary>
public class EptPointerTests
{
    private const ulong Pwl4 = 0x18, MtWb = 6, MtUc = 0, AdEnable = 1UL << 6;

    [Fact]
    public void Capability_bit_constants_are_linuxs()
    {
        Assert.Equal(1UL << 0, EptCapabilities.ExecuteOnly);
        Assert.Equal(1UL << 6, EptCapabilities.PageWalkLength4);
        Assert.Equal(1UL << 7, EptCapabilities.PageWalkLength5);
        Assert.Equal(1UL << 8, EptCapabilities.MemoryTypeUncacheable);
        Assert.Equal(1UL << 14, EptCapabilities.MemoryTypeWriteBack);
        Assert.Equal(1UL << 16, EptCapabilities.LargePage2M);
        Assert.Equal(1UL << 17, EptCapabilities.LargePage1G);
        Assert.Equal(1UL << 21, EptCapabilities.AccessedDirty);
        Assert.Equal(0x000F_FFFF_0000_0000UL, EptCapabilities.ReservedAddressBits);
        Assert.Equal(VmxCapabilities.Read(0x48C), EptCapabilities.Default);
    }

    [Theory]
    [InlineData(0x0000_1000UL | Pwl4 | MtWb, EptMemoryType.WriteBack, 0x0000_1000u)]
    [InlineData(0xFFFF_F000UL | Pwl4 | MtUc, EptMemoryType.Uncacheable, 0xFFFF_F000u)]
    [InlineData(0UL | Pwl4 | MtWb, EptMemoryType.WriteBack, 0u)]
    public void Valid_pointers_parse_into_their_fields(ulong value, EptMemoryType type, uint pml4)
    {
        Assert.Null(EptPointer.InvalidReason(value));
        var p = EptPointer.Parse(value);
        Assert.Equal(value, p.Value);
        Assert.Equal(type, p.MemoryType);
        Assert.Equal(4, p.PageWalkLength);
        Assert.False(p.AccessedDirtyEnabled);
        Assert.Equal(pml4, p.Pml4Address);
        Assert.True(EptPointer.TryParse(value, EptCapabilities.Default, out var q, out var reason));
        Assert.Null(reason);
        Assert.Equal(p, q);
        Assert.Contains($"0x{pml4:X8}", p.ToString());
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(7)]
    public void Memory_types_other_than_UC_and_WB_are_refused(int type)
    {
        ulong value = 0x1000 | Pwl4 | (ulong)type;
        var reason = EptPointer.InvalidReason(value);
        Assert.NotNull(reason);
        Assert.Contains($"memory type {type}", reason);
        Assert.Contains("0 (uncacheable) and 6 (write-back)", reason);
        var ex = Assert.Throws<ArgumentException>(() => EptPointer.Parse(value));
        Assert.Contains("bits 2:0", ex.Message);
        Assert.False(EptPointer.TryParse(value, EptCapabilities.Default, out var p, out var r));
        Assert.Equal(default, p);
        Assert.Equal(reason, r);
    }

    [Fact]
    public void A_memory_type_is_accepted_only_when_the_capability_reports_it()
    {
        ulong noWb = EptCapabilities.Default & ~EptCapabilities.MemoryTypeWriteBack;
        ulong noUc = EptCapabilities.Default & ~EptCapabilities.MemoryTypeUncacheable;
        Assert.Contains("allows 0 (uncacheable)", EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb, noWb));
        Assert.Null(EptPointer.InvalidReason(0x1000 | Pwl4 | MtUc, noWb));
        Assert.Contains("allows 6 (write-back)", EptPointer.InvalidReason(0x1000 | Pwl4 | MtUc, noUc));
        Assert.Null(EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb, noUc));
        Assert.Contains("allows none", EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb, noUc & noWb));
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)]
    public void Page_walk_lengths_other_than_4_are_refused(int lengthMinus1)
    {
        var reason = EptPointer.InvalidReason(0x1000 | (ulong)lengthMinus1 << 3 | MtWb);
        Assert.Contains($"page-walk length minus 1 (bits 5:3) is {lengthMinus1}", reason);
    }

    [Fact]
    public void A_4_level_walk_needs_capability_bit_6()
    {
        var reason = EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb, EptCapabilities.Default & ~EptCapabilities.PageWalkLength4);
        Assert.Contains("page-walk length", reason);
    }

    [Fact]
    public void Accessed_dirty_enable_needs_capability_bit_21()
    {
        ulong value = 0x1000 | Pwl4 | MtWb | AdEnable;
        Assert.Contains("bit 6 enables accessed and dirty flags", EptPointer.InvalidReason(value));
        var p = EptPointer.Parse(value, EptCapabilities.Default | EptCapabilities.AccessedDirty);
        Assert.True(p.AccessedDirtyEnabled);
    }

    [Theory]
    [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)] [InlineData(11)]
    public void Reserved_bits_11_to_7_are_refused(int bit)
    {
        Assert.Contains("reserved bits 11:7", EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb | 1UL << bit));
    }

    [Fact]
    public void Bits_beyond_the_32_bit_physical_address_width_are_refused()
    {
        for (int bit = 32; bit < 64; bit++)
            Assert.Contains("bits 63:32 are beyond the physical-address width", EptPointer.InvalidReason(0x1000 | Pwl4 | MtWb | 1UL << bit));
    }

    [Fact]
    public void Create_builds_a_4_level_pointer_and_refuses_bad_input()
    {
        Assert.Equal(0x0002_3000UL | Pwl4 | MtWb, EptPointer.Create(0x0002_3000).Value);
        Assert.Equal(0x0002_3000UL | Pwl4 | MtUc, EptPointer.Create(0x0002_3000, EptMemoryType.Uncacheable).Value);
        var unaligned = Assert.Throws<ArgumentException>(() => EptPointer.Create(0x0002_3010));
        Assert.Contains("0x00023010 is not 4-KByte aligned", unaligned.Message);
        var wt = Assert.Throws<ArgumentException>(() => EptPointer.Create(0x0002_3000, EptMemoryType.WriteThrough));
        Assert.Contains("memory type 4", wt.Message);
    }

    [Fact]
    public void Equality_follows_the_raw_value()
    {
        var a = EptPointer.Create(0x1000);
        var b = EptPointer.Parse(0x1000 | Pwl4 | MtWb);
        var c = EptPointer.Create(0x2000);
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a != c);
        Assert.True(a.Equals((object)b));
        Assert.False(a.Equals("x"));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Memory_types_2_3_7_and_above_are_not_defined()
    {
        // SDM Vol. 3C 28.2.7 (EPT memory types): 0 UC, 1 WC, 4 WT, 5 WP, 6 WB; 2, 3, 7 reserved.
        for (int v = -1; v <= 8; v++)
            Assert.Equal(v is 0 or 1 or 4 or 5 or 6, EptMemoryTypes.IsDefined(v));
        Assert.Equal(new[] { 0, 1, 4, 5, 6 }, Enum.GetValues<EptMemoryType>().Select(t => (int)t));
    }
}
