using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// VMREAD/VMWRITE rules of the VMCS (SDM Vol. 3C 31.3 VMREAD/VMWRITE, 24.11.2): width truncation, the high
/// access of 64-bit fields, error 12 for unsupported encodings and error 13 for read-only fields when
/// IA32_VMX_MISC bit 29 is 0.
/// </summary>
public class VmcsTests
{
    [Fact]
    public void A_new_vmcs_reads_zero_everywhere_and_enumerates_every_field()
    {
        var vmcs = new Vmcs();
        var all = vmcs.Fields().ToArray();
        Assert.Equal(Enum.GetValues<VmcsField>().Length, all.Length);
        Assert.All(all, f => Assert.Equal(0UL, f.Value));
        Assert.Equal(VmcsFieldInfo.All, all.Select(f => f.Field).ToArray());
        var rip = all.Single(f => f.Field == VmcsField.GuestRip);
        Assert.Equal(("guest_rip", 0x681Eu, VmcsFieldWidth.Natural, VmcsFieldType.GuestState, VmcsFieldAccess.Full), (rip.Name, rip.Encoding, rip.Width, rip.Type, rip.Access));
    }

    [Theory]
    [InlineData(VmcsField.GuestCsSelector, 0x1234_5678_9ABCUL, 0x9ABCUL)]      // 16-bit: high bits ignored
    [InlineData(VmcsField.GuestCsLimit, 0xFFFF_FFFF_FFFF_FFFFUL, 0xFFFF_FFFFUL)] // 32-bit
    [InlineData(VmcsField.GuestRip, 0x1_0000_1000UL, 0x1000UL)]               // natural width is 32 bits without Intel 64
    [InlineData(VmcsField.TscOffset, 0xFEDC_BA98_7654_3210UL, 0xFEDC_BA98_7654_3210UL)] // 64-bit full access
    public void Write_truncates_to_the_field_width(VmcsField field, ulong written, ulong read)
    {
        var vmcs = new Vmcs();
        vmcs.Write(field, written);
        Assert.Equal(read, vmcs.Read(field));
    }

    [Fact]
    public void The_high_encoding_of_a_64_bit_field_reads_and_writes_its_upper_32_bits()
    {
        var vmcs = new Vmcs();
        vmcs.Write(VmcsField.EptPointer, 0x1122_3344_5566_7788UL);
        Assert.Equal(0x1122_3344UL, vmcs.Read(VmcsField.EptPointerHigh));
        vmcs.Write(VmcsField.EptPointerHigh, 0xAABB_CCDD_EEFF_0011UL); // high bits of the value beyond 32 are ignored
        Assert.Equal(0xEEFF_0011_5566_7788UL, vmcs.Read(VmcsField.EptPointer));
        Assert.Equal(0xEEFF_0011UL, vmcs.Read(0x201Bu));
        vmcs.Write(VmcsField.EptPointer, 0x0000_0000_0000_601EUL); // a full write replaces both halves
        Assert.Equal(0UL, vmcs.Read(VmcsField.EptPointerHigh));
        Assert.Equal(0x601EUL, vmcs.Read("ept_pointer"));
    }

    [Fact]
    public void Fields_enumeration_shows_both_halves_of_a_64_bit_field()
    {
        var vmcs = new Vmcs();
        vmcs.Write(VmcsField.VmcsLinkPointer, ulong.MaxValue);
        var values = vmcs.Fields().ToDictionary(f => f.Name, f => f.Value);
        Assert.Equal("vmcs_link_pointer_high (0x2801) = 0xFFFFFFFF", vmcs.Fields().Single(f => f.Field == VmcsField.VmcsLinkPointerHigh).ToString());
        Assert.Equal(ulong.MaxValue, values["vmcs_link_pointer"]);
        Assert.Equal(0xFFFF_FFFFUL, values["vmcs_link_pointer_high"]);
    }

    [Fact]
    public void Read_and_write_by_name_accept_both_spellings()
    {
        var vmcs = new Vmcs();
        vmcs.Write("GuestRip", 0x7C00);
        Assert.Equal(0x7C00UL, vmcs.Read("guest_rip"));
        vmcs.Write("cr0_guest_host_mask", 0x8000_0001);
        Assert.Equal(0x8000_0001UL, vmcs.Read(VmcsField.Cr0GuestHostMask));
        vmcs.Write(0x4000u, 0x16);
        Assert.Equal(0x16UL, vmcs.Read("PinBasedVmExecControl"));
    }

    public static TheoryData<VmcsField> ReadOnlyFields() => new(Enum.GetValues<VmcsField>().Where(f => VmcsFieldInfo.Of(f).Type == VmcsFieldType.ReadOnlyData));

    [Theory]
    [MemberData(nameof(ReadOnlyFields))]
    public void A_vmm_write_to_a_read_only_field_fails_with_error_13_and_changes_nothing(VmcsField field)
    {
        var vmcs = new Vmcs();
        vmcs.WriteExitInformation(field, 0x1234);
        var e = Assert.Throws<VmxException>(() => vmcs.Write(field, 0x5678));
        Assert.Equal(VmxInstructionError.VmwriteReadOnlyVmcsComponent, e.Error);
        Assert.Equal(13u, (uint)e.Error);
        Assert.Contains(VmcsFieldInfo.Of(field).CanonicalName, e.Message);
        Assert.Equal(0x1234UL, vmcs.Read(field));
        Assert.False(vmcs.TryWrite(field, 1, out var error));
        Assert.Equal(VmxInstructionError.VmwriteReadOnlyVmcsComponent, error);
    }

    [Fact]
    public void Read_only_by_name_and_by_encoding_fail_the_same_way()
    {
        var vmcs = new Vmcs();
        Assert.Equal(VmxInstructionError.VmwriteReadOnlyVmcsComponent, Assert.Throws<VmxException>(() => vmcs.Write("exit_qualification", 1)).Error);
        Assert.Equal(VmxInstructionError.VmwriteReadOnlyVmcsComponent, Assert.Throws<VmxException>(() => vmcs.Write(0x4402u, 1)).Error);
    }

    [Fact]
    public void The_exit_path_writes_read_only_fields_with_width_masking()
    {
        var vmcs = new Vmcs();
        vmcs.WriteExitInformation(VmcsField.VmExitReason, 0x1_8000_0021UL);
        Assert.Equal(0x8000_0021UL, vmcs.Read(VmcsField.VmExitReason));
        vmcs.WriteExitInformation(VmcsField.GuestPhysicalAddressHigh, 0x1);
        vmcs.WriteExitInformation(VmcsField.GuestPhysicalAddress, 0xB8000);
        Assert.Equal(0xB8000UL, vmcs.Read(VmcsField.GuestPhysicalAddress));
    }

    [Fact]
    public void Vmcap_misc_bit_29_is_clear_so_read_only_fields_stay_read_only()
    {
        Assert.Equal(0UL, VmxCapabilities.Read(0x485) & VmxCapabilities.MiscVmwriteAnyField);
    }

    [Theory]
    [InlineData(0x0000u)]      // VPID: a real field VirtLab does not model
    [InlineData(0x2C00u)]      // HOST_IA32_PAT
    [InlineData(0x6801u)]      // a natural-width field has no high access
    [InlineData(0x1800u)]      // bit 12 reserved
    [InlineData(0x0001_0800u)] // bits 31:15 must be 0
    [InlineData(0x8800u)]      // bit 15 reserved
    public void Unsupported_encodings_fail_with_error_12_on_read_and_write(uint encoding)
    {
        var vmcs = new Vmcs();
        var r = Assert.Throws<VmxException>(() => vmcs.Read(encoding));
        Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, r.Error);
        Assert.Contains($"0x{encoding:X8}", r.Message);
        Assert.Contains("VMREAD", r.Message);
        var w = Assert.Throws<VmxException>(() => vmcs.Write(encoding, 0));
        Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, w.Error);
        Assert.Contains("VMWRITE", w.Message);
        if (encoding <= 0xFFFF)
        {
            Assert.False(vmcs.TryRead((VmcsField)encoding, out _, out var e1));
            Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, e1);
            Assert.False(vmcs.TryWrite((VmcsField)encoding, 0, out var e2));
            Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, e2);
            Assert.Throws<VmxException>(() => vmcs.WriteExitInformation((VmcsField)encoding, 0));
        }
    }

    [Fact]
    public void Reserved_encoding_bits_are_named_in_the_error()
    {
        var vmcs = new Vmcs();
        Assert.Contains("bit 12 is reserved", Assert.Throws<VmxException>(() => vmcs.Read(0x1800u)).Message);
        Assert.Contains("bits 31:15 must be 0", Assert.Throws<VmxException>(() => vmcs.Read(0x0001_0800u)).Message);
    }

    [Fact]
    public void Unknown_names_fail_with_error_12_on_read_and_write()
    {
        var vmcs = new Vmcs();
        Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, Assert.Throws<VmxException>(() => vmcs.Read("guest_eip")).Error);
        Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, Assert.Throws<VmxException>(() => vmcs.Write("nope", 0)).Error);
    }

    [Fact]
    public void TryRead_returns_the_value_on_success()
    {
        var vmcs = new Vmcs();
        vmcs.Write(VmcsField.ExceptionBitmap, 1u << 14);
        Assert.True(vmcs.TryRead(VmcsField.ExceptionBitmap, out ulong v, out var e));
        Assert.Equal(1UL << 14, v);
        Assert.Equal(VmxInstructionError.None, e);
        Assert.True(vmcs.TryWrite(VmcsField.ExceptionBitmap, 0, out e));
        Assert.Equal(VmxInstructionError.None, e);
    }

    [Theory]
    // SDM Vol. 3C table 31-1 (VM-instruction error numbers); Linux enum vm_instruction_error_number agrees.
    [InlineData(VmxInstructionError.VmcallInVmxRootOperation, 1)]
    [InlineData(VmxInstructionError.VmclearInvalidAddress, 2)]
    [InlineData(VmxInstructionError.VmclearVmxonPointer, 3)]
    [InlineData(VmxInstructionError.VmlaunchNonClearVmcs, 4)]
    [InlineData(VmxInstructionError.VmresumeNonLaunchedVmcs, 5)]
    [InlineData(VmxInstructionError.VmresumeAfterVmxoff, 6)]
    [InlineData(VmxInstructionError.EntryInvalidControlField, 7)]
    [InlineData(VmxInstructionError.EntryInvalidHostStateField, 8)]
    [InlineData(VmxInstructionError.VmptrldInvalidAddress, 9)]
    [InlineData(VmxInstructionError.VmptrldVmxonPointer, 10)]
    [InlineData(VmxInstructionError.VmptrldIncorrectVmcsRevisionId, 11)]
    [InlineData(VmxInstructionError.UnsupportedVmcsComponent, 12)]
    [InlineData(VmxInstructionError.VmwriteReadOnlyVmcsComponent, 13)]
    [InlineData(VmxInstructionError.VmxonInVmxRootOperation, 15)]
    [InlineData(VmxInstructionError.EntryInvalidExecutiveVmcsPointer, 16)]
    [InlineData(VmxInstructionError.EntryNonLaunchedExecutiveVmcs, 17)]
    [InlineData(VmxInstructionError.EntryExecutiveVmcsPointerNotVmxonPointer, 18)]
    [InlineData(VmxInstructionError.VmcallNonClearVmcs, 19)]
    [InlineData(VmxInstructionError.VmcallInvalidVmExitControlFields, 20)]
    [InlineData(VmxInstructionError.VmcallIncorrectMsegRevisionId, 22)]
    [InlineData(VmxInstructionError.VmxoffUnderDualMonitorTreatment, 23)]
    [InlineData(VmxInstructionError.VmcallInvalidSmmMonitorFeatures, 24)]
    [InlineData(VmxInstructionError.EntryInvalidExecutionControlFieldsInExecutiveVmcs, 25)]
    [InlineData(VmxInstructionError.EntryEventsBlockedByMovSs, 26)]
    [InlineData(VmxInstructionError.InvalidOperandToInveptInvvpid, 28)]
    public void Vm_instruction_error_numbers_are_the_SDMs(VmxInstructionError error, uint number)
    {
        Assert.Equal(number, (uint)error);
    }

    [Fact]
    public void Every_vm_instruction_error_is_in_the_table_above()
    {
        // 25 numbers from table 31-1 (14, 21 and 27 are not defined) plus None.
        Assert.Equal(26, Enum.GetValues<VmxInstructionError>().Length);
        Assert.DoesNotContain(Enum.GetValues<VmxInstructionError>(), e => (uint)e is 14 or 21 or 27);
    }
}
