using VirtLab.Engine;

namespace VirtLab.Cmdlets;

/// <summary>Side-effect-free access to guest physical memory for the memory cmdlets (no unmapped-read counts, no ROM-write counts).</summary>
internal static class GuestMemoryAccess
{
    /// <summary>Reads <paramref name="count"/> bytes; a byte with nothing mapped behind it is null. Stops at 4 GiB.</summary>
    public static byte?[] Read(PhysicalMemory memory, uint address, int count)
    {
        long available = 0x1_0000_0000L - address;
        if (count > available) count = (int)available;
        var result = new byte?[count];
        for (int i = 0; i < count; i++)
        {
            uint a = address + (uint)i;
            result[i] = memory.KindAt(a) == MemoryRegionKind.Unmapped ? null : memory.ReadByte(a);
        }
        return result;
    }

    /// <summary>The first address in [address, address+count) that is not RAM, with its kind, or null when all of it is RAM.</summary>
    public static (uint Address, MemoryRegionKind Kind)? FirstNonRam(PhysicalMemory memory, uint address, int count)
    {
        for (long a = address; a < (long)address + count; a++)
        {
            if (a > uint.MaxValue) return (uint.MaxValue, MemoryRegionKind.Unmapped);
            var kind = memory.KindAt((uint)a);
            if (kind != MemoryRegionKind.Ram) return ((uint)a, kind);
        }
        return null;
    }

    /// <summary>Rows of 16 bytes starting at <paramref name="address"/>.</summary>
    public static IEnumerable<GuestMemoryRow> Rows(uint address, byte?[] bytes)
    {
        for (int i = 0; i < bytes.Length; i += 16)
            yield return new GuestMemoryRow(address + (uint)i, bytes.AsSpan(i, Math.Min(16, bytes.Length - i)).ToArray());
    }
}
