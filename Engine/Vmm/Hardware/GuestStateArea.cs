namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The guest-state area (SDM Vol. 3C 24.4): saved from the processor on every VM exit (27.3) and
/// loaded into it on every VM entry (26.3.2). VirtLab's guest runs on the engine's <see cref="Cpu"/>,
/// so "the processor" here is that CPU: an exit copies its state into the VMCS, an entry copies the
/// VMCS back, field by field, touching only what differs (loading an unchanged value has no effect).
/// Access rights use the VMCS format: descriptor bytes 5-6 without limit bits 19:16, bit 16 = unusable.
/// </summary>
internal static class GuestStateArea
{
    /// <summary>Activity states (SDM 24.4.2).</summary>
    internal const ulong Active = 0, Hlt = 1;
    /// <summary>Interruptibility-state bits (SDM 24.4.2, table 24-3).</summary>
    internal const ulong BlockingBySti = 1, BlockingByMovSs = 2;

    private static readonly (SegmentRegister Reg, VmcsField Selector, VmcsField Base, VmcsField Limit, VmcsField Rights)[] Segments =
    {
        (SegmentRegister.ES, VmcsField.GuestEsSelector, VmcsField.GuestEsBase, VmcsField.GuestEsLimit, VmcsField.GuestEsArBytes),
        (SegmentRegister.CS, VmcsField.GuestCsSelector, VmcsField.GuestCsBase, VmcsField.GuestCsLimit, VmcsField.GuestCsArBytes),
        (SegmentRegister.SS, VmcsField.GuestSsSelector, VmcsField.GuestSsBase, VmcsField.GuestSsLimit, VmcsField.GuestSsArBytes),
        (SegmentRegister.DS, VmcsField.GuestDsSelector, VmcsField.GuestDsBase, VmcsField.GuestDsLimit, VmcsField.GuestDsArBytes),
        (SegmentRegister.FS, VmcsField.GuestFsSelector, VmcsField.GuestFsBase, VmcsField.GuestFsLimit, VmcsField.GuestFsArBytes),
        (SegmentRegister.GS, VmcsField.GuestGsSelector, VmcsField.GuestGsBase, VmcsField.GuestGsLimit, VmcsField.GuestGsArBytes),
    };

    /// <summary>VMCS access rights of a segment register's cache.</summary>
    internal static uint AccessRights(in SegmentCache s) => (uint)(s.Rights & 0xF0FF) | (s.Unusable ? 0x1_0000u : 0);

    private static SegmentCache FromVmcs(Vmcs v, VmcsField sel, VmcsField b, VmcsField lim, VmcsField ar)
    {
        uint rights = (uint)v.Get(ar);
        return new SegmentCache
        {
            Selector = (ushort)v.Get(sel), Base = (uint)v.Get(b), Limit = (uint)v.Get(lim),
            Rights = (ushort)(rights & 0xF0FF), Unusable = (rights & 0x1_0000) != 0,
        };
    }

    private static bool Same(in SegmentCache a, in SegmentCache b) =>
        a.Selector == b.Selector && a.Base == b.Base && a.Limit == b.Limit && (a.Rights & 0xF0FF) == (b.Rights & 0xF0FF) && a.Unusable == b.Unusable;

    /// <summary>Saves the CPU's state as the guest state at an exit whose guest RIP is <paramref name="rip"/> (the instruction, or the next one to run).</summary>
    internal static void Save(Cpu cpu, Vmcs v, uint rip)
    {
        v.SetQuiet(VmcsField.GuestCr0, cpu.Cr0);
        v.SetQuiet(VmcsField.GuestCr3, cpu.Cr3);
        v.SetQuiet(VmcsField.GuestCr4, cpu.Cr4);
        v.SetQuiet(VmcsField.GuestDr7, cpu.Dr[7]);
        v.SetQuiet(VmcsField.GuestRsp, cpu.R[4]);
        v.SetQuiet(VmcsField.GuestRip, rip);
        v.SetQuiet(VmcsField.GuestRflags, cpu.GetEFlags());
        foreach (var (reg, sel, b, lim, ar) in Segments)
        {
            ref readonly var s = ref cpu.Segments[(int)reg];
            v.SetQuiet(sel, s.Selector); v.SetQuiet(b, s.Base); v.SetQuiet(lim, s.Limit); v.SetQuiet(ar, AccessRights(s));
        }
        v.SetQuiet(VmcsField.GuestLdtrSelector, cpu.Ldtr.Selector); v.SetQuiet(VmcsField.GuestLdtrBase, cpu.Ldtr.Base);
        v.SetQuiet(VmcsField.GuestLdtrLimit, cpu.Ldtr.Limit); v.SetQuiet(VmcsField.GuestLdtrArBytes, AccessRights(cpu.Ldtr));
        v.SetQuiet(VmcsField.GuestTrSelector, cpu.Tr.Selector); v.SetQuiet(VmcsField.GuestTrBase, cpu.Tr.Base);
        v.SetQuiet(VmcsField.GuestTrLimit, cpu.Tr.Limit); v.SetQuiet(VmcsField.GuestTrArBytes, AccessRights(cpu.Tr));
        v.SetQuiet(VmcsField.GuestGdtrBase, cpu.GdtrBase); v.SetQuiet(VmcsField.GuestGdtrLimit, cpu.GdtrLimit);
        v.SetQuiet(VmcsField.GuestIdtrBase, cpu.IdtrBase); v.SetQuiet(VmcsField.GuestIdtrLimit, cpu.IdtrLimit);
        v.SetQuiet(VmcsField.GuestSysenterCs, cpu.Msrs.SysenterCsValue);
        v.SetQuiet(VmcsField.GuestSysenterEsp, (uint)cpu.Msrs.SysenterEspValue);
        v.SetQuiet(VmcsField.GuestSysenterEip, (uint)cpu.Msrs.SysenterEipValue);
        // One shadow flag in the engine: after STI it blocks with IF = 1, after MOV SS / POP SS either way;
        // IF = 0 can only be MOV SS blocking (STI sets IF), which is also what the entry checks demand.
        v.SetQuiet(VmcsField.GuestInterruptibilityInfo, !cpu.InterruptShadow ? 0 : cpu.GetIF() ? BlockingBySti : BlockingByMovSs);
        v.SetQuiet(VmcsField.GuestActivityState, cpu.Halted ? Hlt : Active);
    }

    /// <summary>Loads the guest state into the CPU (VM entry), changing only what differs from the CPU's state.</summary>
    internal static void Load(Vmcs v, Cpu cpu)
    {
        cpu.LoadControlRegisters((uint)v.Get(VmcsField.GuestCr0), (uint)v.Get(VmcsField.GuestCr3), (uint)v.Get(VmcsField.GuestCr4));
        uint dr7 = (uint)v.Get(VmcsField.GuestDr7);
        if (cpu.Dr[7] != dr7) cpu.WriteDebugRegister(7, dr7);
        uint flags = (uint)v.Get(VmcsField.GuestRflags);
        if (cpu.GetEFlags() != flags) cpu.SetEFlags(flags);
        foreach (var (reg, sel, b, lim, ar) in Segments)
        {
            var s = FromVmcs(v, sel, b, lim, ar);
            if (!Same(cpu.Segments[(int)reg], s)) cpu.SetSegment(reg, s);
        }
        var ldtr = FromVmcs(v, VmcsField.GuestLdtrSelector, VmcsField.GuestLdtrBase, VmcsField.GuestLdtrLimit, VmcsField.GuestLdtrArBytes);
        if (!Same(cpu.Ldtr, ldtr)) cpu.Ldtr = ldtr;
        var tr = FromVmcs(v, VmcsField.GuestTrSelector, VmcsField.GuestTrBase, VmcsField.GuestTrLimit, VmcsField.GuestTrArBytes);
        if (!Same(cpu.Tr, tr)) cpu.Tr = tr;
        cpu.GdtrBase = (uint)v.Get(VmcsField.GuestGdtrBase); cpu.GdtrLimit = (ushort)v.Get(VmcsField.GuestGdtrLimit);
        cpu.IdtrBase = (uint)v.Get(VmcsField.GuestIdtrBase); cpu.IdtrLimit = (ushort)v.Get(VmcsField.GuestIdtrLimit);
        cpu.Msrs.SysenterCsValue = v.Get(VmcsField.GuestSysenterCs);
        cpu.Msrs.SysenterEspValue = v.Get(VmcsField.GuestSysenterEsp);
        cpu.Msrs.SysenterEipValue = v.Get(VmcsField.GuestSysenterEip);
        cpu.R[4] = (uint)v.Get(VmcsField.GuestRsp);
        cpu.Eip = (uint)v.Get(VmcsField.GuestRip);
        cpu.InterruptShadow = (v.Get(VmcsField.GuestInterruptibilityInfo) & (BlockingBySti | BlockingByMovSs)) != 0;
        cpu.Halted = v.Get(VmcsField.GuestActivityState) == Hlt;
    }
}
