namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// The guest state the hypervisor returns to (what the ring-0 entry frame holds: EIP, CS, EFLAGS,
/// ESP, SS). Every entry into the hypervisor produces one; the handlers edit it (advance EIP,
/// redirect to a guest handler); <see cref="ParaMonitor"/> leaves through a real IRET with it.
/// </summary>
internal struct GuestFrame
{
    public uint Eip;
    public ushort Cs;
    public uint EFlags;
    public uint Esp;
    public ushort Ss;

    /// <summary>The guest ring the frame returns to (the RPL of CS).</summary>
    public readonly int Ring => Cs & 3;

    public override readonly string ToString() => $"{Cs:X4}:{Eip:X8} ss:esp {Ss:X4}:{Esp:X8} eflags {EFlags:X8}";
}
