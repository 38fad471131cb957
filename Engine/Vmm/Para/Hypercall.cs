namespace VirtLab.Engine.Vmm.Para;

/// <summary>Xen hypercall numbers (xen/include/public/xen.h; ../shared/reference/xen-pv.md). 11 is unused, 25 is 64-bit only.</summary>
public enum Hypercall
{
    SetTrapTable = 0, MmuUpdate = 1, SetGdt = 2, StackSwitch = 3, SetCallbacks = 4, FpuTaskswitch = 5,
    SchedOpCompat = 6, PlatformOp = 7, SetDebugreg = 8, GetDebugreg = 9, UpdateDescriptor = 10,
    MemoryOp = 12, Multicall = 13, UpdateVaMapping = 14, SetTimerOp = 15, EventChannelOpCompat = 16,
    XenVersion = 17, ConsoleIo = 18, PhysdevOpCompat = 19, GrantTableOp = 20, VmAssist = 21,
    UpdateVaMappingOtherdomain = 22, Iret = 23, VcpuOp = 24, MmuextOp = 26, NmiOp = 28, SchedOp = 29,
    CallbackOp = 30, EventChannelOp = 32, PhysdevOp = 33,
}

/// <summary>Xen's names for the hypercalls (the <c>__HYPERVISOR_*</c> suffixes), used as the exit reason.</summary>
public static class HypercallNames
{
    /// <summary>The Xen name of hypercall <paramref name="number"/>, or "hypercall_N" for a number Xen does not define.</summary>
    public static string Of(uint number) => Enum.IsDefined(typeof(Hypercall), (int)Math.Min(number, int.MaxValue)) ? Of((Hypercall)number) : $"hypercall_{number}";

    /// <summary>The Xen name of <paramref name="h"/> (set_trap_table, mmu_update, ...).</summary>
    public static string Of(Hypercall h) => h switch
    {
        Hypercall.SetTrapTable => "set_trap_table", Hypercall.MmuUpdate => "mmu_update", Hypercall.SetGdt => "set_gdt",
        Hypercall.StackSwitch => "stack_switch", Hypercall.SetCallbacks => "set_callbacks", Hypercall.FpuTaskswitch => "fpu_taskswitch",
        Hypercall.SchedOpCompat => "sched_op_compat", Hypercall.PlatformOp => "platform_op", Hypercall.SetDebugreg => "set_debugreg",
        Hypercall.GetDebugreg => "get_debugreg", Hypercall.UpdateDescriptor => "update_descriptor", Hypercall.MemoryOp => "memory_op",
        Hypercall.Multicall => "multicall", Hypercall.UpdateVaMapping => "update_va_mapping", Hypercall.SetTimerOp => "set_timer_op",
        Hypercall.EventChannelOpCompat => "event_channel_op_compat", Hypercall.XenVersion => "xen_version", Hypercall.ConsoleIo => "console_io",
        Hypercall.PhysdevOpCompat => "physdev_op_compat", Hypercall.GrantTableOp => "grant_table_op", Hypercall.VmAssist => "vm_assist",
        Hypercall.UpdateVaMappingOtherdomain => "update_va_mapping_otherdomain", Hypercall.Iret => "iret", Hypercall.VcpuOp => "vcpu_op",
        Hypercall.MmuextOp => "mmuext_op", Hypercall.NmiOp => "nmi_op", Hypercall.SchedOp => "sched_op", Hypercall.CallbackOp => "callback_op",
        Hypercall.EventChannelOp => "event_channel_op", Hypercall.PhysdevOp => "physdev_op",
        _ => $"hypercall_{(int)h}",
    };
}
