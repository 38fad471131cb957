using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// VMCS field encodings, widths and types against SDM Vol. 3C appendix B, transcribed section by
/// section with the names of Linux's <c>enum vmcs_field</c> (arch/x86/include/asm/vmx.h), whose numbers
/// match the SDM. Every member of <see cref="VmcsField"/> must appear in exactly one section.
/// </summary>
public class VmcsFieldTests
{
    private sealed record Section(string Appendix, VmcsFieldWidth Width, VmcsFieldType Type, (string Name, uint Encoding)[] Fields);

    private static readonly Section[] AppendixB =
    [
        new("B.1.2 16-bit guest-state", VmcsFieldWidth.Bits16, VmcsFieldType.GuestState,
        [
            ("guest_es_selector", 0x0800), ("guest_cs_selector", 0x0802), ("guest_ss_selector", 0x0804), ("guest_ds_selector", 0x0806),
            ("guest_fs_selector", 0x0808), ("guest_gs_selector", 0x080A), ("guest_ldtr_selector", 0x080C), ("guest_tr_selector", 0x080E),
        ]),
        new("B.1.3 16-bit host-state", VmcsFieldWidth.Bits16, VmcsFieldType.HostState,
        [
            ("host_es_selector", 0x0C00), ("host_cs_selector", 0x0C02), ("host_ss_selector", 0x0C04), ("host_ds_selector", 0x0C06),
            ("host_fs_selector", 0x0C08), ("host_gs_selector", 0x0C0A), ("host_tr_selector", 0x0C0C),
        ]),
        new("B.2.1 64-bit control", VmcsFieldWidth.Bits64, VmcsFieldType.Control,
        [
            ("io_bitmap_a", 0x2000), ("io_bitmap_a_high", 0x2001), ("io_bitmap_b", 0x2002), ("io_bitmap_b_high", 0x2003),
            ("msr_bitmap", 0x2004), ("msr_bitmap_high", 0x2005), ("vm_exit_msr_store_addr", 0x2006), ("vm_exit_msr_store_addr_high", 0x2007),
            ("vm_exit_msr_load_addr", 0x2008), ("vm_exit_msr_load_addr_high", 0x2009), ("vm_entry_msr_load_addr", 0x200A),
            ("vm_entry_msr_load_addr_high", 0x200B), ("executive_vmcs_pointer", 0x200C), ("executive_vmcs_pointer_high", 0x200D),
            ("tsc_offset", 0x2010), ("tsc_offset_high", 0x2011), ("ept_pointer", 0x201A), ("ept_pointer_high", 0x201B),
        ]),
        new("B.2.2 64-bit read-only data", VmcsFieldWidth.Bits64, VmcsFieldType.ReadOnlyData,
        [
            ("guest_physical_address", 0x2400), ("guest_physical_address_high", 0x2401),
        ]),
        new("B.2.3 64-bit guest-state", VmcsFieldWidth.Bits64, VmcsFieldType.GuestState,
        [
            ("vmcs_link_pointer", 0x2800), ("vmcs_link_pointer_high", 0x2801), ("guest_ia32_debugctl", 0x2802), ("guest_ia32_debugctl_high", 0x2803),
            ("guest_pdptr0", 0x280A), ("guest_pdptr0_high", 0x280B), ("guest_pdptr1", 0x280C), ("guest_pdptr1_high", 0x280D),
            ("guest_pdptr2", 0x280E), ("guest_pdptr2_high", 0x280F), ("guest_pdptr3", 0x2810), ("guest_pdptr3_high", 0x2811),
        ]),
        new("B.3.1 32-bit control", VmcsFieldWidth.Bits32, VmcsFieldType.Control,
        [
            ("pin_based_vm_exec_control", 0x4000), ("cpu_based_vm_exec_control", 0x4002), ("exception_bitmap", 0x4004),
            ("page_fault_error_code_mask", 0x4006), ("page_fault_error_code_match", 0x4008), ("cr3_target_count", 0x400A),
            ("vm_exit_controls", 0x400C), ("vm_exit_msr_store_count", 0x400E), ("vm_exit_msr_load_count", 0x4010),
            ("vm_entry_controls", 0x4012), ("vm_entry_msr_load_count", 0x4014), ("vm_entry_intr_info_field", 0x4016),
            ("vm_entry_exception_error_code", 0x4018), ("vm_entry_instruction_len", 0x401A), ("secondary_vm_exec_control", 0x401E),
        ]),
        new("B.3.2 32-bit read-only data", VmcsFieldWidth.Bits32, VmcsFieldType.ReadOnlyData,
        [
            ("vm_instruction_error", 0x4400), ("vm_exit_reason", 0x4402), ("vm_exit_intr_info", 0x4404), ("vm_exit_intr_error_code", 0x4406),
            ("idt_vectoring_info_field", 0x4408), ("idt_vectoring_error_code", 0x440A), ("vm_exit_instruction_len", 0x440C),
            ("vmx_instruction_info", 0x440E),
        ]),
        new("B.3.3 32-bit guest-state", VmcsFieldWidth.Bits32, VmcsFieldType.GuestState,
        [
            ("guest_es_limit", 0x4800), ("guest_cs_limit", 0x4802), ("guest_ss_limit", 0x4804), ("guest_ds_limit", 0x4806),
            ("guest_fs_limit", 0x4808), ("guest_gs_limit", 0x480A), ("guest_ldtr_limit", 0x480C), ("guest_tr_limit", 0x480E),
            ("guest_gdtr_limit", 0x4810), ("guest_idtr_limit", 0x4812), ("guest_es_ar_bytes", 0x4814), ("guest_cs_ar_bytes", 0x4816),
            ("guest_ss_ar_bytes", 0x4818), ("guest_ds_ar_bytes", 0x481A), ("guest_fs_ar_bytes", 0x481C), ("guest_gs_ar_bytes", 0x481E),
            ("guest_ldtr_ar_bytes", 0x4820), ("guest_tr_ar_bytes", 0x4822), ("guest_interruptibility_info", 0x4824),
            ("guest_activity_state", 0x4826), ("guest_smbase", 0x4828), ("guest_sysenter_cs", 0x482A), ("vmx_preemption_timer_value", 0x482E),
        ]),
        new("B.3.4 32-bit host-state", VmcsFieldWidth.Bits32, VmcsFieldType.HostState,
        [
            ("host_ia32_sysenter_cs", 0x4C00),
        ]),
        new("B.4.1 natural-width control", VmcsFieldWidth.Natural, VmcsFieldType.Control,
        [
            ("cr0_guest_host_mask", 0x6000), ("cr4_guest_host_mask", 0x6002), ("cr0_read_shadow", 0x6004), ("cr4_read_shadow", 0x6006),
            ("cr3_target_value0", 0x6008), ("cr3_target_value1", 0x600A), ("cr3_target_value2", 0x600C), ("cr3_target_value3", 0x600E),
        ]),
        new("B.4.2 natural-width read-only data", VmcsFieldWidth.Natural, VmcsFieldType.ReadOnlyData,
        [
            ("exit_qualification", 0x6400), ("io_rcx", 0x6402), ("io_rsi", 0x6404), ("io_rdi", 0x6406), ("io_rip", 0x6408),
            ("guest_linear_address", 0x640A),
        ]),
        new("B.4.3 natural-width guest-state", VmcsFieldWidth.Natural, VmcsFieldType.GuestState,
        [
            ("guest_cr0", 0x6800), ("guest_cr3", 0x6802), ("guest_cr4", 0x6804), ("guest_es_base", 0x6806), ("guest_cs_base", 0x6808),
            ("guest_ss_base", 0x680A), ("guest_ds_base", 0x680C), ("guest_fs_base", 0x680E), ("guest_gs_base", 0x6810),
            ("guest_ldtr_base", 0x6812), ("guest_tr_base", 0x6814), ("guest_gdtr_base", 0x6816), ("guest_idtr_base", 0x6818),
            ("guest_dr7", 0x681A), ("guest_rsp", 0x681C), ("guest_rip", 0x681E), ("guest_rflags", 0x6820),
            ("guest_pending_dbg_exceptions", 0x6822), ("guest_sysenter_esp", 0x6824), ("guest_sysenter_eip", 0x6826),
        ]),
        new("B.4.4 natural-width host-state", VmcsFieldWidth.Natural, VmcsFieldType.HostState,
        [
            ("host_cr0", 0x6C00), ("host_cr3", 0x6C02), ("host_cr4", 0x6C04), ("host_fs_base", 0x6C06), ("host_gs_base", 0x6C08),
            ("host_tr_base", 0x6C0A), ("host_gdtr_base", 0x6C0C), ("host_idtr_base", 0x6C0E), ("host_ia32_sysenter_esp", 0x6C10),
            ("host_ia32_sysenter_eip", 0x6C12), ("host_rsp", 0x6C14), ("host_rip", 0x6C16),
        ]),
    ];

    public static TheoryData<string, uint, VmcsFieldWidth, VmcsFieldType> TableRows()
    {
        var data = new TheoryData<string, uint, VmcsFieldWidth, VmcsFieldType>();
        foreach (var s in AppendixB)
            foreach (var (name, enc) in s.Fields) data.Add(name, enc, s.Width, s.Type);
        return data;
    }

    [Theory]
    [MemberData(nameof(TableRows))]
    public void Each_SDM_field_has_its_encoding_name_width_and_type(string name, uint encoding, VmcsFieldWidth width, VmcsFieldType type)
    {
        Assert.True(VmcsFieldInfo.TryParse(name, out var field), $"{name} not found");
        var info = VmcsFieldInfo.Of(field);
        Assert.Equal(encoding, info.Encoding);
        Assert.Equal(name, info.CanonicalName);
        Assert.Equal(width, info.Width);
        Assert.Equal(type, info.Type);
        Assert.Equal(name.EndsWith("_high") ? VmcsFieldAccess.High : VmcsFieldAccess.Full, info.Access);
        Assert.Equal(type == VmcsFieldType.ReadOnlyData, info.IsReadOnly);
    }

    [Fact]
    public void The_table_spot_checks_at_least_sixty_fields_and_covers_every_enum_member_exactly_once()
    {
        var rows = AppendixB.SelectMany(s => s.Fields).ToArray();
        Assert.True(rows.Length >= 60, $"only {rows.Length} rows");
        Assert.Equal(rows.Length, rows.Select(r => r.Encoding).Distinct().Count());
        var fromTable = rows.Select(r => r.Encoding).Order().ToArray();
        var fromEnum = Enum.GetValues<VmcsField>().Select(f => (uint)f).Order().ToArray();
        Assert.Equal(fromTable, fromEnum);
        Assert.Equal(fromEnum, VmcsFieldInfo.All.Select(f => (uint)f).ToArray());
    }

    [Fact]
    public void Every_member_has_the_reserved_bits_clear_and_64_bit_fields_come_in_full_high_pairs()
    {
        foreach (var f in Enum.GetValues<VmcsField>())
        {
            uint e = (uint)f;
            Assert.True((e & 0x9000) == 0, $"{f}: bits 12 and 15 must be 0 (SDM 24.11.2)");
            var info = VmcsFieldInfo.Of(f);
            if (info.Width == VmcsFieldWidth.Bits64)
            {
                Assert.True(VmcsFieldInfo.IsSupported(e ^ 1), $"{f} lacks its other half");
                Assert.Equal((VmcsField)(e & ~1u), info.FullField);
            }
            else Assert.Equal(VmcsFieldAccess.Full, info.Access); // only 64-bit fields have a high access
        }
    }

    [Theory]
    // Decoding bits of encodings that are not VirtLab fields too (SDM 24.11.2): VPID 0x0000 is 16-bit control index 0,
    // VM-function controls high 0x2019 is a 64-bit control high access of index 12, HOST_IA32_PAT 0x2C00 is 64-bit host.
    [InlineData(0x0000u, VmcsFieldWidth.Bits16, VmcsFieldType.Control, VmcsFieldAccess.Full, 0)]
    [InlineData(0x2019u, VmcsFieldWidth.Bits64, VmcsFieldType.Control, VmcsFieldAccess.High, 12)]
    [InlineData(0x2C00u, VmcsFieldWidth.Bits64, VmcsFieldType.HostState, VmcsFieldAccess.Full, 0)]
    [InlineData(0x482Eu, VmcsFieldWidth.Bits32, VmcsFieldType.GuestState, VmcsFieldAccess.Full, 23)]
    [InlineData(0x640Au, VmcsFieldWidth.Natural, VmcsFieldType.ReadOnlyData, VmcsFieldAccess.Full, 5)]
    public void Decoding_follows_the_encoding_bit_layout(uint encoding, VmcsFieldWidth width, VmcsFieldType type, VmcsFieldAccess access, int index)
    {
        Assert.Equal(width, VmcsFieldInfo.DecodeWidth(encoding));
        Assert.Equal(type, VmcsFieldInfo.DecodeType(encoding));
        Assert.Equal(access, VmcsFieldInfo.DecodeAccess(encoding));
        Assert.Equal(index, VmcsFieldInfo.DecodeIndex(encoding));
    }

    [Theory]
    [InlineData("GuestCr0", VmcsField.GuestCr0)]
    [InlineData("guest_cr0", VmcsField.GuestCr0)]
    [InlineData("GUEST_CR0", VmcsField.GuestCr0)]
    [InlineData("guest-cr0", VmcsField.GuestCr0)]
    [InlineData("  guest_rip ", VmcsField.GuestRip)]
    [InlineData("PinBasedVmExecControl", VmcsField.PinBasedVmExecControl)]
    [InlineData("pin_based_vm_exec_control", VmcsField.PinBasedVmExecControl)]
    [InlineData("IoBitmapAHigh", VmcsField.IoBitmapAHigh)]
    [InlineData("io_bitmap_a_high", VmcsField.IoBitmapAHigh)]
    [InlineData("0x681e", VmcsField.GuestRip)]
    [InlineData("0x201B", VmcsField.EptPointerHigh)]
    public void Names_resolve_in_both_spellings_and_as_hex_encodings(string name, VmcsField expected)
    {
        Assert.True(VmcsFieldInfo.TryParse(name, out var f));
        Assert.Equal(expected, f);
        Assert.Equal(expected, VmcsFieldInfo.Parse(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("guest_cr2")]
    [InlineData("virtual_processor_id")] // a real SDM field (0x0000) VirtLab does not support: VPID is not modelled
    [InlineData("0x0000")]
    [InlineData("0x6801")] // high access of a natural-width field does not exist
    [InlineData("0xZZ")]
    public void Unknown_names_fail_with_error_12(string name)
    {
        Assert.False(VmcsFieldInfo.TryParse(name, out _));
        var e = Assert.Throws<VmxException>(() => VmcsFieldInfo.Parse(name));
        Assert.Equal(VmxInstructionError.UnsupportedVmcsComponent, e.Error);
        Assert.Contains("error 12", e.Message);
    }

    [Fact]
    public void A_misspelt_name_suggests_the_nearest_field()
    {
        var e = Assert.Throws<VmxException>(() => VmcsFieldInfo.Parse("guest_rpi"));
        Assert.Contains("did you mean 'guest_rip'", e.Message);
    }

    [Fact]
    public void Of_rejects_a_value_outside_the_enum()
    {
        var e = Assert.Throws<ArgumentException>(() => VmcsFieldInfo.Of((VmcsField)0x0002));
        Assert.Contains("0x0002", e.Message);
    }

    [Fact]
    public void Access_widths_follow_a_32_bit_processor()
    {
        Assert.Equal(16, VmcsFieldInfo.Of(VmcsField.GuestCsSelector).AccessBits);
        Assert.Equal(32, VmcsFieldInfo.Of(VmcsField.GuestCsLimit).AccessBits);
        Assert.Equal(64, VmcsFieldInfo.Of(VmcsField.EptPointer).AccessBits);
        Assert.Equal(32, VmcsFieldInfo.Of(VmcsField.EptPointerHigh).AccessBits);
        Assert.Equal(32, VmcsFieldInfo.Of(VmcsField.GuestRip).AccessBits); // natural width: no Intel 64
        Assert.Equal("guest_rip (0x681E)", VmcsFieldInfo.Of(VmcsField.GuestRip).ToString());
    }
}
