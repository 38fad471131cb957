namespace VirtLab.Engine;

/// <summary>Saving and restoring the CPU's state for <see cref="MachineCheckpoint"/>.</summary>
public sealed partial class Cpu
{
    internal sealed class State
    {
        public uint[] R = null!; public uint Eip; public SegmentCache[] Segments = null!; public SegmentCache Ldtr, Tr;
        public uint Cr0, Cr2, Cr3, Cr4; public uint[] Dr = null!; public uint GdtrBase, IdtrBase; public ushort GdtrLimit, IdtrLimit;
        public uint EFlags; public int Cpl; public ulong TscOffset; public ulong SysenterCs, SysenterEsp, SysenterEip, MiscEnable;
        public bool Halted, ShutDown, InterruptShadow; public long Retired, Faults, Idle, External, TaskSwitches, NextDeviceEvent;
    }

    internal State SaveState() => new()
    {
        R = (uint[])R.Clone(), Eip = Eip, Segments = (SegmentCache[])Segments.Clone(), Ldtr = Ldtr, Tr = Tr,
        Cr0 = Cr0, Cr2 = Cr2, Cr3 = Cr3, Cr4 = Cr4, Dr = (uint[])Dr.Clone(), GdtrBase = GdtrBase, IdtrBase = IdtrBase, GdtrLimit = GdtrLimit, IdtrLimit = IdtrLimit,
        EFlags = GetEFlags(), Cpl = _cpl, TscOffset = TscOffset,
        SysenterCs = Msrs.SysenterCsValue, SysenterEsp = Msrs.SysenterEspValue, SysenterEip = Msrs.SysenterEipValue, MiscEnable = Msrs.MiscEnableValue,
        Halted = Halted, ShutDown = ShutDown, InterruptShadow = _interruptShadow,
        Retired = InstructionsRetired, Faults = FaultsDelivered, Idle = IdleTime, External = ExternalInterrupts, TaskSwitches = TaskSwitches, NextDeviceEvent = _nextDeviceEvent,
    };

    internal void RestoreState(State s)
    {
        Array.Copy(s.R, R, R.Length);
        Eip = s.Eip;
        Array.Copy(s.Segments, Segments, Segments.Length);
        Ldtr = s.Ldtr; Tr = s.Tr;
        Cr0 = s.Cr0; Cr2 = s.Cr2; Cr3 = s.Cr3; Cr4 = s.Cr4;
        Array.Copy(s.Dr, Dr, Dr.Length);
        GdtrBase = s.GdtrBase; IdtrBase = s.IdtrBase; GdtrLimit = s.GdtrLimit; IdtrLimit = s.IdtrLimit;
        _flags = (s.EFlags | 2) & ~0x8028u & 0x003F_7FD7; _lazyMask = 0;
        _cpl = s.Cpl; TscOffset = s.TscOffset;
        Msrs.SysenterCsValue = s.SysenterCs; Msrs.SysenterEspValue = s.SysenterEsp; Msrs.SysenterEipValue = s.SysenterEip; Msrs.MiscEnableValue = s.MiscEnable;
        Halted = s.Halted; ShutDown = s.ShutDown; _interruptShadow = s.InterruptShadow;
        InstructionsRetired = s.Retired; FaultsDelivered = s.Faults; IdleTime = s.Idle; ExternalInterrupts = s.External; TaskSwitches = s.TaskSwitches;
        _nextDeviceEvent = s.NextDeviceEvent;
        UpdatePagingState();
        ArmBreakpoints();
        FlushTlb();
        FlushCodeCache();
        _currentBlock = null;
        Monitor?.OnStateRestored(this);
    }
}
