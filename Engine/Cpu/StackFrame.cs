namespace VirtLab.Engine;

/// <summary>
/// Pushes onto a stack that is not loaded yet (the inner stack of a gate or interrupt, the stack
/// of a new task): limit checks against the new SS descriptor (#SS(selector | ext) on overflow)
/// and writes with the new privilege level's page permissions. Nothing in the CPU's registers
/// changes until the caller commits <see cref="Esp"/> and the segment.
/// </summary>
internal struct StackFrame
{
    private readonly Cpu _cpu;
    public readonly SegmentCache Segment;
    private readonly byte _access;
    private readonly uint _error;
    public uint Esp;

    public StackFrame(Cpu cpu, SegmentCache segment, uint esp, int level, uint error)
    {
        _cpu = cpu; Segment = segment; Esp = esp; _error = error;
        _access = level == 3 ? Cpu.AccessUserWrite : Cpu.AccessSupervisorWrite;
    }

    public void Push(int size, uint value)
    {
        uint mask = Segment.Big ? 0xFFFF_FFFF : 0xFFFF;
        uint sp = (Esp - (uint)size) & mask;
        if (sp < Segment.WriteMinOffset || sp > Segment.WriteMaxOffset || Segment.WriteMaxOffset - sp < (uint)size - 1)
            throw new CpuException(ExceptionVector.SS, _error);
        uint linear = Segment.Base + sp;
        if (size == 4) _cpu.WriteLinear32(linear, value, _access);
        else _cpu.WriteLinear16(linear, (ushort)value, _access);
        Esp = (Esp & ~mask) | sp;
    }
}
