using VirtLab.Engine.Assembly;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// Labs/include/xen.inc assembles byte for byte the same with nasm and with VirtLab's assembler,
/// and its numbers are the reference sheet's (xen-pv.md), emitted as dwords and compared with
/// values typed from the sheet.
/// </summary>
public class XenIncludeTests
{
    private static string IncludeDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Labs", "include");

    private const string Uses = @"bits 32
%include ""xen.inc""
    HYPERVISOR_console_io CONSOLEIO_write, 5, msg
    HYPERVISOR_xen_version XENVER_version, 0
    HYPERVISOR_sched_op SCHEDOP_shutdown, reason
    HYPERVISOR_set_trap_table traps
    HYPERVISOR_stack_switch FLAT_KERNEL_SS, 0x9000
    HYPERVISOR_set_callbacks FLAT_KERNEL_CS, msg, FLAT_KERNEL_CS, msg
    HYPERVISOR_mmu_update msg, 1, 0, DOMID_SELF
    HYPERVISOR_mmuext_op msg, 1, 0, DOMID_SELF
    HYPERVISOR_update_va_mapping 0x40000, 0x41003, UVMF_INVLPG
    HYPERVISOR_multicall msg, 1
    HYPERVISOR_set_timer_op 1000, 0
    HYPERVISOR_event_channel_op EVTCHNOP_send, msg
    HYPERVISOR_vcpu_op VCPUOP_is_up, 0, 0
    HYPERVISOR_fpu_taskswitch 1
    HYPERVISOR_physdev_op PHYSDEVOP_set_iopl, msg
    XEN_CLI ebx
    XEN_STI ebx
    XEN_CPUID
traps:
    TRAP_INFO 14, TI_MASK_EVENTS, msg
    TRAP_INFO_END
msg: db ""hello""
reason: dd SHUTDOWN_poweroff
";

    [Fact]
    public void Nasm_and_the_engines_assembler_agree()
    {
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-xeninc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "uses.asm");
            File.WriteAllText(src, Uses);
            byte[] nasm = ExternalTools.Assemble(src, IncludeDir, dir);
            var ours = Assembler.Assemble(Uses, new AssemblerOptions { SourceName = "uses.asm", Bitness = 32, IncludePaths = new[] { IncludeDir } });
            Assert.Equal(nasm, ours.Bytes);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Its_numbers_are_the_reference_sheets()
    {
        // name -> value, typed from ../shared/reference/xen-pv.md
        var expected = new (string Name, uint Value)[]
        {
            ("__HYPERVISOR_set_trap_table", 0), ("__HYPERVISOR_mmu_update", 1), ("__HYPERVISOR_set_gdt", 2), ("__HYPERVISOR_stack_switch", 3),
            ("__HYPERVISOR_set_callbacks", 4), ("__HYPERVISOR_fpu_taskswitch", 5), ("__HYPERVISOR_sched_op_compat", 6), ("__HYPERVISOR_update_descriptor", 10),
            ("__HYPERVISOR_memory_op", 12), ("__HYPERVISOR_multicall", 13), ("__HYPERVISOR_update_va_mapping", 14), ("__HYPERVISOR_set_timer_op", 15),
            ("__HYPERVISOR_xen_version", 17), ("__HYPERVISOR_console_io", 18), ("__HYPERVISOR_iret", 23), ("__HYPERVISOR_vcpu_op", 24),
            ("__HYPERVISOR_mmuext_op", 26), ("__HYPERVISOR_sched_op", 29), ("__HYPERVISOR_event_channel_op", 32), ("HYPERCALL_VECTOR", 0x82),
            ("XEN_EPERM", 1), ("XEN_ENOENT", 2), ("XEN_EFAULT", 14), ("XEN_EBUSY", 16), ("XEN_EINVAL", 22), ("XEN_ENOSYS", 38),
            ("FLAT_KERNEL_CS", 0xE019), ("FLAT_KERNEL_DS", 0xE021), ("FLAT_USER_CS", 0xE02B), ("FLAT_USER_DS", 0xE033),
            ("FIRST_RESERVED_GDT_ENTRY", 7168), ("DOMID_SELF", 0x7FF0), ("SCHEDOP_block", 1), ("SCHEDOP_shutdown", 2), ("SHUTDOWN_crash", 3),
            ("EVTCHNOP_bind_virq", 1), ("EVTCHNOP_send", 4), ("EVTCHNOP_unmask", 9), ("MMUEXT_PIN_L1_TABLE", 0), ("MMUEXT_UNPIN_TABLE", 4),
            ("MMUEXT_NEW_BASEPTR", 5), ("MMUEXT_TLB_FLUSH_LOCAL", 6), ("MMUEXT_INVLPG_LOCAL", 7), ("MMUEXT_SET_LDT", 13), ("UVMF_INVLPG", 2), ("UVMF_ALL", 4),
            ("start_info_shared_info", 36), ("start_info_pt_base", 60), ("start_info_nr_pt_frames", 64), ("start_info_mfn_list", 68),
            ("start_info_cmd_line", 80), ("start_info_size", 1112), ("vcpu_info_evtchn_upcall_mask", 1), ("vcpu_info_evtchn_pending_sel", 4),
            ("vcpu_info_arch_cr2", 8), ("vcpu_info_time", 32), ("shared_info_evtchn_pending", 2048), ("shared_info_evtchn_mask", 2176),
            ("trap_info_size", 8), ("mmuext_op_size", 12), ("mmu_update_size", 16),
        };
        string src = "bits 32\n%include \"xen.inc\"\n" + string.Concat(expected.Select(e => $"dd {e.Name}\n"));
        var ours = Assembler.Assemble(src, new AssemblerOptions { SourceName = "numbers.asm", Bitness = 32, IncludePaths = new[] { IncludeDir } });
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Value == BitConverter.ToUInt32(ours.Bytes, i * 4), $"{expected[i].Name} = {BitConverter.ToUInt32(ours.Bytes, i * 4)}, the sheet says {expected[i].Value}");
        // and the engine's enum agrees with the include file
        Assert.Equal(18, (int)VirtLab.Engine.Vmm.Para.Hypercall.ConsoleIo);
        Assert.Equal(1, (int)VirtLab.Engine.Vmm.Para.Hypercall.MmuUpdate);
        Assert.Equal(26, (int)VirtLab.Engine.Vmm.Para.Hypercall.MmuextOp);
    }

    [Fact]
    public void Hypercall_enum_matches_the_reference_table()
    {
        var table = new Dictionary<int, string>
        {
            [0] = "set_trap_table", [1] = "mmu_update", [2] = "set_gdt", [3] = "stack_switch", [4] = "set_callbacks", [5] = "fpu_taskswitch",
            [6] = "sched_op_compat", [7] = "platform_op", [8] = "set_debugreg", [9] = "get_debugreg", [10] = "update_descriptor", [12] = "memory_op",
            [13] = "multicall", [14] = "update_va_mapping", [15] = "set_timer_op", [16] = "event_channel_op_compat", [17] = "xen_version",
            [18] = "console_io", [19] = "physdev_op_compat", [20] = "grant_table_op", [21] = "vm_assist", [22] = "update_va_mapping_otherdomain",
            [23] = "iret", [24] = "vcpu_op", [26] = "mmuext_op", [28] = "nmi_op", [29] = "sched_op", [30] = "callback_op", [32] = "event_channel_op", [33] = "physdev_op",
        };
        foreach (var (nr, name) in table) Assert.Equal(name, VirtLab.Engine.Vmm.Para.HypercallNames.Of((uint)nr));
        Assert.Equal(table.Count, Enum.GetValues<VirtLab.Engine.Vmm.Para.Hypercall>().Length);
        Assert.Equal("hypercall_11", VirtLab.Engine.Vmm.Para.HypercallNames.Of(11u));
    }
}
