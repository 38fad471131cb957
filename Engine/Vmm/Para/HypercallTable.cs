using static VirtLab.Engine.Vmm.Para.XenErrno;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>One hypercall in progress: its arguments, the frame it returns to, what the handler reports.</summary>
internal sealed class HypercallCall
{
    public uint Number, Ebx, Ecx, Edx, Esi, Edi;
    /// <summary>The guest state the hypercall returns to (iret replaces it).</summary>
    public GuestFrame Frame;
    /// <summary>Decoded arguments and outputs for the exit record.</summary>
    public Dictionary<string, object> Fields = new();
    /// <summary>What happened, when more than "returned N" (shutdown, block, not implemented).</summary>
    public string? Action;
    /// <summary>EAX is not a result (iret restores the guest's EAX).</summary>
    public bool KeepEax;
    /// <summary>The VCPU blocks (sched_op block with nothing pending).</summary>
    public bool Block;
    /// <summary>The domain stopped (shutdown or crash): nothing returns to the guest.</summary>
    public bool Stop;
}

/// <summary>
/// The hypercall table (xen/arch/x86/pv/hypercall.c, hypercall-defs.c): one handler per Xen
/// hypercall number. EAX = number; EBX, ECX, EDX, ESI, EDI = arguments; the result goes back in
/// EAX, a negative Xen errno on error; an unknown number (or one VirtLab does not implement) is -ENOSYS.
/// </summary>
public sealed partial class ParaMonitor
{
    private static readonly Func<ParaMonitor, HypercallCall, int>?[] Table = BuildTable();

    private static Func<ParaMonitor, HypercallCall, int>?[] BuildTable()
    {
        var t = new Func<ParaMonitor, HypercallCall, int>?[64];
        t[(int)Hypercall.SetTrapTable] = (m, c) => m.SetTrapTable(c);
        t[(int)Hypercall.MmuUpdate] = (m, c) => m.MmuUpdate(c);
        t[(int)Hypercall.SetGdt] = (m, c) => m.SetGdt(c);
        t[(int)Hypercall.StackSwitch] = (m, c) => m.StackSwitch(c);
        t[(int)Hypercall.SetCallbacks] = (m, c) => m.SetCallbacks(c);
        t[(int)Hypercall.FpuTaskswitch] = (m, c) => m.FpuTaskswitch(c);
        t[(int)Hypercall.SchedOpCompat] = (m, c) => m.SchedOperation(c, compat: true);
        t[(int)Hypercall.UpdateDescriptor] = (m, c) => m.UpdateDescriptor(c);
        t[(int)Hypercall.UpdateVaMapping] = (m, c) => m.UpdateVaMapping(c);
        t[(int)Hypercall.SetTimerOp] = (m, c) => m.SetTimerOp(c);
        t[(int)Hypercall.XenVersion] = (m, c) => m.XenVersion(c);
        t[(int)Hypercall.ConsoleIo] = (m, c) => m.ConsoleIo(c);
        t[(int)Hypercall.Iret] = (m, c) => m.IretHypercall(c);
        t[(int)Hypercall.VcpuOp] = (m, c) => m.VcpuOperation(c);
        t[(int)Hypercall.MmuextOp] = (m, c) => m.MmuextOperation(c);
        t[(int)Hypercall.SchedOp] = (m, c) => m.SchedOperation(c, compat: false);
        t[(int)Hypercall.EventChannelOp] = (m, c) => m.EventChannelOperation(c);
        t[(int)Hypercall.PhysdevOp] = (m, c) => m.PhysdevOperation(c);
        t[(int)Hypercall.Multicall] = (m, c) => m.Multicall(c);
        return t;
    }

    /// <summary>Runs the hypercall in EAX for the guest at <paramref name="frame"/> (EIP after its int 0x82). False when nothing returns to the guest.</summary>
    private bool DoHypercall(ref GuestFrame frame)
    {
        var cpu = Cpu;
        var c = new HypercallCall { Number = cpu.Eax, Ebx = cpu.Ebx, Ecx = cpu.Ecx, Edx = cpu.Edx, Esi = cpu.Esi, Edi = cpu.Edi, Frame = frame };
        c.Fields["number"] = c.Number;
        c.Fields["ebx"] = c.Ebx; c.Fields["ecx"] = c.Ecx; c.Fields["edx"] = c.Edx; c.Fields["esi"] = c.Esi; c.Fields["edi"] = c.Edi;
        var handler = c.Number < (uint)Table.Length ? Table[c.Number] : null;
        int exitsBefore = _exits.Count;
        int rc;
        if (handler is null)
        {
            rc = -ENOSYS;
            if (Enum.IsDefined(typeof(Hypercall), (int)Math.Min(c.Number, 64))) c.Action = $"{HypercallNames.Of(c.Number)} is not implemented in VirtLab: returned -ENOSYS";
        }
        else rc = handler(this, c);
        if (!c.KeepEax && !c.Stop) cpu.Eax = (uint)rc;
        c.Fields["result"] = rc;
        var at = frame;
        at.Eip -= 2; // the int 0x82
        Record(VmExitKind.Hypercall, HypercallNames.Of(c.Number), (int)Math.Min(c.Number, int.MaxValue), at, "int 0x82", c.Fields,
            c.Action ?? (rc < 0 ? $"returned -{Name(rc)}" : $"returned {rc}"), ParaCosts.Hypercall, new byte[] { 0xCD, XenLayout.HypercallVector });
        if (_exits.Count == exitsBefore + 2) MoveLastExitBeforePrevious(); // a crash inside the hypercall comes after the hypercall's own record
        if (c.Stop) return false;
        frame = c.Frame;
        if (c.Block) { Block(frame); return false; }
        return true;
    }

}
