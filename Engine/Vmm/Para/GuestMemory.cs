namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// The hypervisor's view of the guest's virtual memory (Xen's copy_from_guest / copy_to_guest): a
/// walk of the guest's current page tables, refused (EFAULT) above HYPERVISOR_VIRT_START (access_ok),
/// where an entry is not present, and for writes where either level is read-only (Xen runs with CR0.WP).
/// No accessed or dirty bit is set and no TLB entry is filled.
/// </summary>
internal sealed class GuestMemory
{
    private readonly Machine _machine;

    public GuestMemory(Machine machine) { _machine = machine; }

    private PhysicalMemory Memory => _machine.Memory;

    /// <summary>Translates one guest linear address, or returns false (the hypercall fails with -EFAULT).</summary>
    public bool TryTranslate(uint linear, bool write, out uint physical)
    {
        physical = 0;
        if (linear >= XenLayout.HypervisorVirtStart) return false; // access_ok: the hole is never guest memory
        uint pde = Memory.ReadUInt32((_machine.Cpu.Cr3 & 0xFFFF_F000) | ((linear >> 20) & 0xFFC));
        if ((pde & XenLayout.PtePresent) == 0) return false;
        uint pte = Memory.ReadUInt32((pde & 0xFFFF_F000) | ((linear >> 10) & 0xFFC));
        if ((pte & XenLayout.PtePresent) == 0) return false;
        if (write && (pde & pte & XenLayout.PteRw) == 0) return false;
        physical = (pte & 0xFFFF_F000) | (linear & 0xFFF);
        return true;
    }

    /// <summary>Reads <paramref name="count"/> bytes, or null when any of them is out of the guest's reach.</summary>
    public byte[]? Read(uint linear, int count)
    {
        var result = new byte[count];
        for (int done = 0; done < count;)
        {
            uint a = linear + (uint)done;
            if (a < linear) return null; // wrapped past 4 GiB
            if (!TryTranslate(a, false, out uint p)) return null;
            int chunk = (int)Math.Min((uint)(count - done), 0x1000 - (a & 0xFFF));
            Memory.Read(p, chunk).CopyTo(result, done);
            done += chunk;
        }
        return result;
    }

    public bool TryReadUInt32(uint linear, out uint value)
    {
        value = 0;
        var b = Read(linear, 4);
        if (b is null) return false;
        value = BitConverter.ToUInt32(b, 0);
        return true;
    }

    public bool TryReadUInt64(uint linear, out ulong value)
    {
        value = 0;
        var b = Read(linear, 8);
        if (b is null) return false;
        value = BitConverter.ToUInt64(b, 0);
        return true;
    }

    /// <summary>Writes all of <paramref name="data"/>, or nothing when any byte is out of reach (every page is checked first).</summary>
    public bool Write(uint linear, ReadOnlySpan<byte> data)
    {
        var pages = new List<(uint Physical, int Offset, int Count)>();
        for (int done = 0; done < data.Length;)
        {
            uint a = linear + (uint)done;
            if (a < linear || !TryTranslate(a, true, out uint p)) return false;
            int chunk = (int)Math.Min((uint)(data.Length - done), 0x1000 - (a & 0xFFF));
            pages.Add((p, done, chunk));
            done += chunk;
        }
        foreach (var (p, offset, count) in pages) Memory.Write(p, data.Slice(offset, count));
        return true;
    }

    public bool TryWriteUInt32(uint linear, uint value) => Write(linear, BitConverter.GetBytes(value));
}
