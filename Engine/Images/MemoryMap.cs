namespace VirtLab.Engine.Images;

/// <summary>One range of a BIOS-style (E820 / Multiboot mmap) memory map.</summary>
/// <param name="Type">1 = available RAM, 2 = reserved (Multiboot spec 3.3, "mmap_*").</param>
public sealed record MemoryMapEntry(ulong Base, ulong Length, uint Type)
{
    public const uint Available = 1, Reserved = 2;
}

/// <summary>
/// The memory map of a <see cref="PhysicalMemory"/> as a boot loader reports it: maximal runs of
/// RAM pages are available, runs of ROM pages reserved, unmapped space omitted.
/// </summary>
public static class MemoryMap
{
    /// <summary>The map, in address order.</summary>
    public static IReadOnlyList<MemoryMapEntry> Of(PhysicalMemory memory)
    {
        var entries = new List<MemoryMapEntry>();
        const ulong pages = 1UL << (32 - PhysicalMemory.PageShift);
        ulong runStart = 0;
        var runKind = memory.KindAt(0);
        for (ulong p = 1; p <= pages; p++)
        {
            var kind = p < pages ? memory.KindAt((uint)(p << PhysicalMemory.PageShift)) : (MemoryRegionKind)0xFF;
            if (kind == runKind) continue;
            if (runKind != MemoryRegionKind.Unmapped)
                entries.Add(new MemoryMapEntry(runStart << PhysicalMemory.PageShift, (p - runStart) << PhysicalMemory.PageShift,
                    runKind == MemoryRegionKind.Ram ? MemoryMapEntry.Available : MemoryMapEntry.Reserved));
            runStart = p;
            runKind = kind;
        }
        return entries;
    }

    /// <summary>Bytes of RAM contiguous from <paramref name="start"/> (0 when that address is not RAM).</summary>
    public static ulong ContiguousRam(PhysicalMemory memory, uint start)
    {
        ulong a = start & ~PhysicalMemory.PageMask;
        while (a < 1UL << 32 && memory.KindAt((uint)a) == MemoryRegionKind.Ram) a += PhysicalMemory.PageSize;
        return a > start ? a - start : 0;
    }
}
