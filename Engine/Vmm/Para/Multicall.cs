using static VirtLab.Engine.Vmm.Para.XenErrno;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// multicall (13): a batch of hypercalls in one trap (xen/common/multicall.c). EBX = an array of
/// <c>struct multicall_entry { u32 op; s32 result; u32 args[6]; }</c> (32 bytes each on x86_32),
/// ECX = how many. Each entry's op runs with args[0..4] as EBX..EDI and its result is written back
/// into the entry; the multicall itself returns 0, or -EFAULT when an entry cannot be read or its
/// result written. A multicall inside a multicall is refused (-EINVAL in that entry, as Xen's
/// _MCSF_in_multicall check does), and so is iret, which returns to a frame a batch does not have.
/// A call that shuts the domain down or blocks the VCPU ends the batch.
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>sizeof(struct multicall_entry) for a 32-bit guest.</summary>
    public const uint MulticallEntrySize = 32;

    private int Multicall(HypercallCall c)
    {
        uint list = c.Ebx, count = c.Ecx;
        c.Fields["count"] = count;
        var ops = new List<string>();
        var results = new List<int>();
        int rc = 0;
        for (uint i = 0; i < count; i++)
        {
            uint entry = list + i * MulticallEntrySize;
            var e = _guest.Read(entry, (int)MulticallEntrySize);
            if (e is null) { rc = -EFAULT; break; }
            uint op = BitConverter.ToUInt32(e, 0);
            var sub = new HypercallCall
            {
                Number = op, Ebx = BitConverter.ToUInt32(e, 8), Ecx = BitConverter.ToUInt32(e, 12), Edx = BitConverter.ToUInt32(e, 16),
                Esi = BitConverter.ToUInt32(e, 20), Edi = BitConverter.ToUInt32(e, 24), Frame = c.Frame,
            };
            int result;
            if (op is (uint)Hypercall.Multicall or (uint)Hypercall.Iret) result = -EINVAL;
            else if (op < (uint)Table.Length && Table[op] is { } handler) result = handler(this, sub);
            else result = -ENOSYS;
            ops.Add(HypercallNames.Of(op));
            results.Add(result);
            if (!sub.Stop && !_guest.TryWriteUInt32(entry + 4, (uint)result)) { rc = -EFAULT; break; }
            c.Frame = sub.Frame;
            if (sub.Stop) { c.Stop = true; c.Action = sub.Action; break; }
            if (sub.Block) { c.Block = true; break; }
        }
        c.Fields["ops"] = string.Join(",", ops);
        c.Fields["results"] = string.Join(",", results);
        return rc;
    }
}
