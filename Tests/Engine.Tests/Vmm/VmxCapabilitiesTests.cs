using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// Capability MSRs against SDM Vol. 3C appendix A. The default1 constants are checked against the values
/// Linux hard-codes for CPUs without TRUE MSRs (<c>*_ALWAYSON_WITHOUT_TRUE_MSR</c> in
/// arch/x86/include/asm/vmx.h: pin 0x16, primary 0x0401e172, exit 0x00036dff, entry 0x000011ff).
/// </summary>
public class VmxCapabilitiesTests
{
    [Fact]
    public void Default1_bits_are_the_SDMs()
    {
        Assert.Equal(0x0000_0016u, VmxCapabilities.PinBasedDefault1);
        Assert.Equal(0x0401_E172u, VmxCapabilities.PrimaryDefault1);
        Assert.Equal(0x0003_6DFFu, VmxCapabilities.ExitDefault1);
        Assert.Equal(0x0000_11FFu, VmxCapabilities.EntryDefault1);
        Assert.Equal(0x0000_0016u, VmxCapabilities.AllowedZero(0x481));
        Assert.Equal(0x0401_E172u, VmxCapabilities.AllowedZero(0x482));
        Assert.Equal(0x0003_6DFFu, VmxCapabilities.AllowedZero(0x483));
        Assert.Equal(0x0000_11FFu, VmxCapabilities.AllowedZero(0x484));
        Assert.Equal(0u, VmxCapabilities.AllowedZero(0x48B)); // secondary controls have no default1 bits
    }

    [Fact]
    public void True_msrs_let_only_the_SDMs_named_default1_bits_be_zero()
    {
        // A.3.2: CR3-load exiting (15) and CR3-store exiting (16) may be 0; A.4.1: save debug controls (2); A.5: load debug controls (2).
        Assert.Equal(0x0000_0016u, VmxCapabilities.AllowedZero(0x48D));
        Assert.Equal(0x0401_E172u & ~((1u << 15) | (1u << 16)), VmxCapabilities.AllowedZero(0x48E));
        Assert.Equal(0x0003_6DFFu & ~(1u << 2), VmxCapabilities.AllowedZero(0x48F));
        Assert.Equal(0x0000_11FFu & ~(1u << 2), VmxCapabilities.AllowedZero(0x490));
        foreach (var (plain, truer) in new[] { (0x481u, 0x48Du), (0x482u, 0x48Eu), (0x483u, 0x48Fu), (0x484u, 0x490u) })
        {
            Assert.Equal(VmxCapabilities.AllowedOne(plain), VmxCapabilities.AllowedOne(truer));
            Assert.Equal(0u, VmxCapabilities.AllowedZero(truer) & ~VmxCapabilities.AllowedZero(plain));
        }
    }

    public static TheoryData<uint> ControlMsrs() => new(0x481u, 0x482u, 0x483u, 0x484u, 0x48Bu, 0x48Du, 0x48Eu, 0x48Fu, 0x490u);

    [Theory]
    [MemberData(nameof(ControlMsrs))]
    public void Every_bit_that_must_be_1_may_be_1(uint msr)
    {
        // A.3: a bit that is 1 in bits 31:0 is 1 in bits 63:32 too, or no value could pass.
        Assert.Equal(0u, VmxCapabilities.AllowedZero(msr) & ~VmxCapabilities.AllowedOne(msr));
        Assert.True(VmxCapabilities.IsControlMsr(msr));
        uint minimal = VmxCapabilities.AdjustControls(msr, 0);
        Assert.Equal(VmxCapabilities.AllowedZero(msr), minimal);
        Assert.True(VmxCapabilities.IsValid(msr, minimal));
        Assert.True(VmxCapabilities.IsValid(msr, VmxCapabilities.AdjustControls(msr, uint.MaxValue)));
        Assert.Equal(VmxCapabilities.AllowedOne(msr), VmxCapabilities.AdjustControls(msr, uint.MaxValue));
    }

    [Fact]
    public void AdjustControls_adds_the_default1_bits_and_drops_unsupported_ones()
    {
        uint primary = (uint)(PrimaryProcessorControls.HltExiting | PrimaryProcessorControls.UseIoBitmaps | PrimaryProcessorControls.Cr8LoadExiting);
        uint adjusted = VmxCapabilities.AdjustControls(0x482, primary);
        Assert.Equal(0x0401_E172u | (1u << 7) | (1u << 25), adjusted); // CR8-load exiting (19) must be 0 without Intel 64
        Assert.False(VmxCapabilities.IsValid(0x482, primary));
        Assert.Equal((1u << 19) | 0x0401_E172u, VmxCapabilities.InvalidBits(0x482, primary));
        uint secondary = VmxCapabilities.AdjustControls(0x48B, (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest | SecondaryProcessorControls.EnableVpid));
        Assert.Equal((1u << 1) | (1u << 7), secondary);
        Assert.Equal(0x0000_0016u | 1u, VmxCapabilities.AdjustControls(0x481, (uint)PinBasedControls.ExternalInterruptExiting));
    }

    [Fact]
    public void Clearing_a_default1_bit_is_invalid_without_the_true_msr_and_valid_with_it()
    {
        uint noCr3Exiting = 0x0401_E172u & ~((1u << 15) | (1u << 16));
        Assert.False(VmxCapabilities.IsValid(0x482, noCr3Exiting));
        Assert.True(VmxCapabilities.IsValid(0x48E, noCr3Exiting));
        Assert.False(VmxCapabilities.IsValid(0x48E, noCr3Exiting & ~2u)); // bit 1 stays required
        Assert.Equal(2u, VmxCapabilities.InvalidBits(0x48E, noCr3Exiting & ~2u));
    }

    [Fact]
    public void Supported_controls_are_the_documented_sets()
    {
        Assert.Equal(0x16u | 0x01 | 0x08 | 0x20 | 0x40, VmxCapabilities.AllowedOne(0x481));
        Assert.Equal(0xC6u, VmxCapabilities.AllowedOne(0x48B));  // EPT, descriptor-table exiting, WBINVD exiting, unrestricted guest
        Assert.Equal(0x0003_6DFFu | (1u << 15) | (1u << 22), VmxCapabilities.AllowedOne(0x483));
        Assert.Equal(0x0000_11FFu, VmxCapabilities.AllowedOne(0x484));
        Assert.Equal(0u, VmxCapabilities.AllowedOne(0x483) & (1u << 9)); // host address-space size: 0 without Intel 64
        Assert.Equal(0u, VmxCapabilities.AllowedOne(0x484) & (1u << 9)); // IA-32e mode guest: 0 without Intel 64
        foreach (var bit in new[] { 2, 3, 7, 9, 10, 11, 12, 15, 16, 22, 23, 24, 25, 27, 28, 29, 30, 31 })
            Assert.NotEqual(0u, VmxCapabilities.AllowedOne(0x482) & (1u << bit));
        foreach (var bit in new[] { 17, 19, 20, 21 })
            Assert.Equal(0u, VmxCapabilities.AllowedOne(0x482) & (1u << bit));
    }

    [Fact]
    public void Basic_msr_fields_decode_as_appendix_A1_says()
    {
        ulong basic = VmxCapabilities.Read(0x480);
        Assert.Equal(VmxCapabilities.VmcsRevisionId, (uint)(basic & 0x7FFF_FFFF));
        Assert.Equal(0UL, basic & (1UL << 31));               // bit 31 is always 0
        Assert.Equal(0x1000UL, (basic >> 32) & 0x1FFF);        // VMCS region size, at most 4096
        Assert.Equal(1UL, (basic >> 48) & 1);                  // 32-bit physical addresses only: no Intel 64
        Assert.Equal(6UL, (basic >> 50) & 0xF);                // write-back
        Assert.Equal(1UL, (basic >> 54) & 1);                  // INS/OUTS instruction information
        Assert.Equal(1UL, (basic >> 55) & 1);                  // TRUE MSRs exist
        Assert.Equal(0UL, basic >> 56);
    }

    [Fact]
    public void Misc_msr_reports_the_documented_features()
    {
        ulong misc = VmxCapabilities.Read(0x485);
        Assert.Equal(5UL, misc & 0x1F);                 // preemption timer rate
        Assert.Equal(0UL, misc & (1UL << 5));           // no EFER.LMA save
        Assert.Equal(0b011UL, (misc >> 6) & 7);         // HLT and shutdown, not wait-for-SIPI
        Assert.Equal(4UL, (misc >> 16) & 0x1FF);        // CR3-target count
        Assert.Equal(0UL, (misc >> 25) & 7);            // 512 MSR-list entries
        Assert.Equal(0UL, misc & (1UL << 29));          // VMWRITE to read-only fields not allowed
        Assert.Equal(1UL, (misc >> 30) & 1);            // zero-length injection
        Assert.Equal(0UL, misc >> 32);                  // MSEG revision
        Assert.Equal(VmxCapabilities.PreemptionTimerRate, (int)(misc & 0x1F));
    }

    [Fact]
    public void Fixed_cr_msrs_are_the_SDMs_and_checks_use_them()
    {
        Assert.Equal(0x8000_0021UL, VmxCapabilities.Read(0x486)); // PE, NE, PG
        Assert.Equal(0xFFFF_FFFFUL, VmxCapabilities.Read(0x487));
        Assert.Equal(0x2000UL, VmxCapabilities.Read(0x488));      // VMXE
        Assert.Equal(0x20DFUL, VmxCapabilities.Read(0x489));
        ulong f0 = VmxCapabilities.Read(0x486), f1 = VmxCapabilities.Read(0x487);
        Assert.True(VmxCapabilities.FixedBitsValid(f0, f1, 0x8000_0031));
        Assert.False(VmxCapabilities.FixedBitsValid(f0, f1, 0x0000_0031)); // PG clear
        Assert.False(VmxCapabilities.FixedBitsValid(f0, f1, 0x1_8000_0031)); // beyond FIXED1
        ulong c0 = VmxCapabilities.Read(0x488), c1 = VmxCapabilities.Read(0x489);
        Assert.True(VmxCapabilities.FixedBitsValid(c0, c1, 0x2010));
        Assert.False(VmxCapabilities.FixedBitsValid(c0, c1, 0x0010));      // VMXE clear
        Assert.False(VmxCapabilities.FixedBitsValid(c0, c1, 0x2030));      // PAE: VirtLab's CPU has none
    }

    [Fact]
    public void Vmcs_enum_reports_the_highest_field_index()
    {
        // The VMX-preemption timer value, 0x482E, has index 23 (bits 9:1), the highest of VirtLab's fields.
        Assert.Equal(23UL << 1, VmxCapabilities.Read(0x48A));
        Assert.All(VmcsFieldInfo.All, f => Assert.True(VmcsFieldInfo.DecodeIndex((ushort)f) <= 23));
    }

    [Fact]
    public void Ept_vpid_cap_reports_the_documented_features()
    {
        ulong cap = VmxCapabilities.Read(0x48C);
        Assert.Equal(1UL, cap & 1);                 // execute-only
        Assert.Equal(1UL, (cap >> 6) & 1);          // 4-level walk
        Assert.Equal(1UL, (cap >> 8) & 1);          // UC
        Assert.Equal(1UL, (cap >> 14) & 1);         // WB
        Assert.Equal(1UL, (cap >> 16) & 1);         // 2-MByte pages
        Assert.Equal(0UL, (cap >> 17) & 1);         // no 1-GByte pages
        Assert.Equal(0UL, (cap >> 20) & 1);         // no INVEPT
        Assert.Equal(0UL, (cap >> 21) & 1);         // no accessed/dirty flags
        Assert.Equal(0UL, cap >> 32);               // no VPID
    }

    [Fact]
    public void Every_capability_msr_from_0x480_to_0x490_reads_and_others_do_not()
    {
        for (uint msr = 0x480; msr <= 0x490; msr++)
        {
            Assert.True(VmxCapabilities.TryRead(msr, out _), $"0x{msr:X}");
            Assert.True(Enum.IsDefined((VmxCapabilityMsr)msr));
        }
        Assert.False(VmxCapabilities.TryRead(0x47F, out _));
        Assert.False(VmxCapabilities.TryRead(0x491, out _)); // IA32_VMX_VMFUNC: no VM functions
        var e = Assert.Throws<ArgumentException>(() => VmxCapabilities.Read(0x491));
        Assert.Contains("0x491", e.Message);
    }

    [Theory]
    [InlineData(0x480u)]
    [InlineData(0x485u)]
    [InlineData(0x48Cu)]
    [InlineData(0x10u)]
    public void Control_helpers_reject_msrs_that_are_not_control_msrs(uint msr)
    {
        Assert.False(VmxCapabilities.IsControlMsr(msr));
        var e = Assert.Throws<ArgumentException>(() => VmxCapabilities.AdjustControls(msr, 0));
        Assert.Contains($"0x{msr:X}", e.Message);
        Assert.Throws<ArgumentException>(() => VmxCapabilities.IsValid(msr, 0));
    }

    [Fact]
    public void MsrFor_picks_the_true_msr_when_there_is_one()
    {
        Assert.Equal(VmxCapabilityMsr.TruePinbasedCtls, VmxCapabilities.MsrFor(VmxControlKind.PinBased));
        Assert.Equal(VmxCapabilityMsr.ProcbasedCtls, VmxCapabilities.MsrFor(VmxControlKind.PrimaryProcessorBased, useTrue: false));
        Assert.Equal(VmxCapabilityMsr.ProcbasedCtls2, VmxCapabilities.MsrFor(VmxControlKind.SecondaryProcessorBased));
        Assert.Equal(VmxCapabilityMsr.TrueExitCtls, VmxCapabilities.MsrFor(VmxControlKind.VmExit));
        Assert.Equal(VmxCapabilityMsr.EntryCtls, VmxCapabilities.MsrFor(VmxControlKind.VmEntry, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => VmxCapabilities.MsrFor((VmxControlKind)9));
    }
}
