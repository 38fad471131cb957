using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// How the built-in VMM fills a fresh VMCS before VMLAUNCH, as KVM's vmx_vcpu_setup does for a 32-bit
/// guest: controls from the settings adjusted to the TRUE capability MSRs, the I/O and MSR bitmaps and
/// the EPT in the VMM's own memory, a host-state area that passes the checks of 26.2.2-26.2.4, and
/// the guest state taken from the CPU as the lab built it.
/// </summary>
internal static class VmcsSetup
{
    /// <summary>Layout of the VMM's memory: VMCS region, I/O bitmaps A and B, MSR bitmaps, then EPT paging structures.</summary>
    internal const uint IoBitmapA = 0x1000, IoBitmapB = 0x2000, MsrBitmap = 0x3000, EptArea = 0x1_0000;

    /// <summary>The CR3-target value fields, in order.</summary>
    internal static readonly VmcsField[] Cr3TargetFields = { VmcsField.Cr3TargetValue0, VmcsField.Cr3TargetValue1, VmcsField.Cr3TargetValue2, VmcsField.Cr3TargetValue3 };

    private const uint Cr0PE = 1, Cr0NE = 0x20, Cr0PG = 0x8000_0000, Cr4Vmxe = 0x2000;

    internal static void Build(HardwareMonitor monitor, Cpu cpu)
    {
        var s = monitor.Settings;
        var v = monitor.Vmcs;
        var host = monitor.HostMemory;

        uint pin = VmxCapabilities.AdjustControls((uint)VmxCapabilities.MsrFor(VmxControlKind.PinBased), s.PinBased);
        uint primary = VmxCapabilities.AdjustControls((uint)VmxCapabilities.MsrFor(VmxControlKind.PrimaryProcessorBased), s.Primary);
        uint secondary = VmxCapabilities.AdjustControls((uint)VmxCapabilities.MsrFor(VmxControlKind.SecondaryProcessorBased), s.Secondary);
        uint exit = VmxCapabilities.AdjustControls((uint)VmxCapabilities.MsrFor(VmxControlKind.VmExit), s.ExitControls);
        uint entry = VmxCapabilities.AdjustControls((uint)VmxCapabilities.MsrFor(VmxControlKind.VmEntry), s.EntryControls);
        foreach (var (control, on) in s.Controls)
        {
            uint Apply(uint field) => on ? field | control.Mask : field & ~control.Mask;
            switch (control.Kind)
            {
                case VmxControlKind.PinBased: pin = Apply(pin); break;
                case VmxControlKind.PrimaryProcessorBased: primary = Apply(primary); break;
                case VmxControlKind.SecondaryProcessorBased: secondary = Apply(secondary); break;
                case VmxControlKind.VmExit: exit = Apply(exit); break;
                default: entry = Apply(entry); break;
            }
        }
        v.Set(VmcsField.PinBasedVmExecControl, pin);
        v.Set(VmcsField.CpuBasedVmExecControl, primary);
        v.Set(VmcsField.SecondaryVmExecControl, secondary);
        v.Set(VmcsField.VmExitControls, exit);
        v.Set(VmcsField.VmEntryControls, entry);
        v.Set(VmcsField.ExceptionBitmap, s.ExceptionBitmap);
        v.Set(VmcsField.PageFaultErrorCodeMask, s.PageFaultErrorCodeMask);
        v.Set(VmcsField.PageFaultErrorCodeMatch, s.PageFaultErrorCodeMatch);
        v.Set(VmcsField.Cr3TargetCount, (uint)s.Cr3Targets.Count);
        for (int i = 0; i < Math.Min(4, s.Cr3Targets.Count); i++) v.Set(Cr3TargetFields[i], s.Cr3Targets[i]);
        v.Set(VmcsField.TscOffset, s.TscOffset);
        v.Set(VmcsField.VmxPreemptionTimerValue, s.PreemptionTimer);
        v.Set(VmcsField.VmcsLinkPointer, ulong.MaxValue); // no shadow VMCS (26.3.1.5)

        // Bitmaps: one bit per port / MSR, in the VMM's memory.
        v.Set(VmcsField.IoBitmapA, IoBitmapA);
        v.Set(VmcsField.IoBitmapB, IoBitmapB);
        foreach (ushort port in s.IoBitmapPorts)
        {
            uint a = (port < 0x8000 ? IoBitmapA : IoBitmapB) + (uint)((port & 0x7FFF) >> 3);
            host.WriteByte(a, (byte)(host.ReadByte(a) | 1 << (port & 7)));
        }
        v.Set(VmcsField.MsrBitmap, MsrBitmap);
        SetMsrBits(host, s.MsrReadExits, 0);
        SetMsrBits(host, s.MsrWriteExits, 2048);

        if ((secondary & (uint)SecondaryProcessorControls.EnableEpt) != 0 && monitor.EptRegions is { } regions)
        {
            var builder = new EptBuilder(host, EptArea, HardwareMonitor.HostMemorySize - EptArea) { TablesInSeparateMemory = true };
            foreach (var r in regions) builder.Add(r);
            v.Set(VmcsField.EptPointer, builder.Build().Value);
        }

        // Host state: a flat 32-bit ring-0 VMM with paging (26.2.2-26.2.4); nothing runs on it, it only has to be valid.
        v.Set(VmcsField.HostCr0, Cr0PG | Cr0NE | 0x10 | Cr0PE);
        v.Set(VmcsField.HostCr3, 0);
        v.Set(VmcsField.HostCr4, Cr4Vmxe);
        v.Set(VmcsField.HostCsSelector, 0x08);
        foreach (var f in new[] { VmcsField.HostSsSelector, VmcsField.HostDsSelector, VmcsField.HostEsSelector, VmcsField.HostFsSelector, VmcsField.HostGsSelector })
            v.Set(f, 0x10);
        v.Set(VmcsField.HostTrSelector, 0x18);
        v.Set(VmcsField.HostRip, 0xC000_0000);
        v.Set(VmcsField.HostRsp, 0xC000_8000);

        // Guest state: the CPU as it is. The VMM owns CR0.NE and CR4.VMXE (fixed to 1 in VMX operation,
        // 23.8) and, without unrestricted guest, PE and PG; the guest reads its own values from the shadows.
        GuestStateArea.Save(cpu, v, cpu.Eip);
        bool unrestricted = (primary & (uint)PrimaryProcessorControls.ActivateSecondaryControls) != 0
            && (secondary & (uint)SecondaryProcessorControls.UnrestrictedGuest) != 0;
        uint cr0Mask = Cr0NE | (unrestricted ? 0 : Cr0PE | Cr0PG) | s.Cr0Mask;
        v.Set(VmcsField.Cr0GuestHostMask, cr0Mask);
        v.Set(VmcsField.Cr0ReadShadow, cpu.Cr0);
        v.Set(VmcsField.GuestCr0, cpu.Cr0 | Cr0NE);
        v.Set(VmcsField.Cr4GuestHostMask, Cr4Vmxe | s.Cr4Mask);
        v.Set(VmcsField.Cr4ReadShadow, cpu.Cr4);
        v.Set(VmcsField.GuestCr4, cpu.Cr4 | Cr4Vmxe);

        foreach (var (field, value) in s.RawFields) v.Write(field, value);
    }

    private static void SetMsrBits(PhysicalMemory host, IEnumerable<uint> msrs, uint offset)
    {
        foreach (uint msr in msrs)
        {
            uint low = msr <= 0x1FFF ? msr : msr is >= 0xC000_0000 and <= 0xC000_1FFF ? msr - 0xC000_0000 : uint.MaxValue;
            if (low == uint.MaxValue) continue; // outside both ranges: always exits
            uint a = MsrBitmap + offset + (msr <= 0x1FFF ? 0 : 1024u) + (low >> 3);
            host.WriteByte(a, (byte)(host.ReadByte(a) | 1 << (int)(low & 7)));
        }
    }

    /// <summary>The default EPT of a lab guest: every RAM and ROM region of its memory map mapped to itself with the region's permissions (MMIO and holes unmapped: their accesses exit).</summary>
    internal static IReadOnlyList<EptRegion> FromMemoryMap(GuestDefinition guest)
    {
        var list = new List<EptRegion>();
        foreach (var r in guest.Memory)
        {
            if (r.Kind is not (LabRegionKind.Ram or LabRegionKind.Rom)) continue;
            list.Add(EptRegion.Identity(r.Base, r.Size, ToEpt(r.Permissions)));
            // A ROM ending at 1 MiB is also mapped below 4 GiB (the reset vector), as the lab's machine maps it.
            if (r.Kind == LabRegionKind.Rom && r.End == 0x10_0000)
                list.Add(EptRegion.Identity((uint)(0x1_0000_0000UL - r.Size), r.Size, ToEpt(r.Permissions)));
        }
        return list;
    }

    /// <summary>The default EPT of a bare machine: every page of RAM or ROM mapped to itself, RWX, in runs (MMIO and unmapped pages left out: their accesses exit).</summary>
    internal static IReadOnlyList<EptRegion> FromMachine(PhysicalMemory memory)
    {
        var list = new List<EptRegion>();
        const ulong pages = 1UL << 20;
        ulong start = 0;
        bool inRun = false;
        for (ulong p = 0; p <= pages; p++)
        {
            bool mapped = p < pages && memory.KindAt((uint)(p << 12)) is MemoryRegionKind.Ram or MemoryRegionKind.Rom;
            if (mapped && !inRun) { start = p; inRun = true; }
            else if (!mapped && inRun)
            {
                list.Add(EptRegion.Identity((uint)(start << 12), (uint)((p - start) << 12), EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute));
                inRun = false;
            }
        }
        return list;
    }

    private static EptPermissions ToEpt(RegionPermissions p) =>
        (p.HasFlag(RegionPermissions.Read) ? EptPermissions.Read : 0) | (p.HasFlag(RegionPermissions.Write) ? EptPermissions.Write : 0)
        | (p.HasFlag(RegionPermissions.Execute) ? EptPermissions.Execute : 0);
}
