namespace VirtLab.Engine;

/// <summary>What backs a 4 KiB page of guest physical address space.</summary>
public enum MemoryRegionKind : byte
{
    /// <summary>Nothing: reads return 0xFF bytes, writes are dropped; both are counted.</summary>
    Unmapped = 0,
    /// <summary>Read/write guest RAM.</summary>
    Ram = 1,
    /// <summary>Read-only memory: reads return the image, writes are dropped and counted.</summary>
    Rom = 2,
    /// <summary>Memory-mapped I/O: reads and writes go to an <see cref="IMmioDevice"/>, whole (a dword access is one device access).</summary>
    Mmio = 3,
}
