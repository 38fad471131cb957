using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>
/// Guest physical memory: a 4 GiB address space described by a region map at 4 KiB page
/// granularity. RAM is one host array starting at physical 0; ROM images are separate arrays
/// mapped (and possibly aliased) over any range. Nothing outside RAM/ROM ever touches host memory:
/// unmapped reads return 0xFF, unmapped and ROM writes are dropped, and each is counted.
/// Pages holding decoded code are tracked so that a write to them can invalidate the code cache.
/// </summary>
public sealed class PhysicalMemory
{
    public const int PageShift = 12;
    public const uint PageSize = 1u << PageShift;
    public const uint PageMask = PageSize - 1;
    private const int PageCount = 1 << (32 - PageShift);

    private readonly byte[] _ram;
    private readonly MemoryRegionKind[] _kind = new MemoryRegionKind[PageCount];
    // For ROM pages: the array and the offset of the page's first byte in it.
    private readonly byte[]?[] _romArray = new byte[]?[PageCount];
    private readonly uint[] _romOffset = new uint[PageCount];
    // Per page: WatchCode when it holds decoded instructions (see CodeCache), WatchTraced when a
    // monitor traces writes to it. A write to a watched page leaves the fast path.
    private const byte WatchCode = 1, WatchTraced = 2;
    private readonly byte[] _watch = new byte[PageCount];
    private readonly List<MemoryRegion> _regions = new();

    /// <summary>Raised with the page number when a write hits a page that holds decoded code.</summary>
    public Action<uint>? CodePageWritten;
    /// <summary>Raised with the physical address and size when a write hits a traced page.</summary>
    public Action<uint, int>? TracedPageWritten;

    public PhysicalMemory(uint ramSize)
    {
        if (ramSize == 0 || (ramSize & PageMask) != 0)
            throw new ArgumentOutOfRangeException(nameof(ramSize), ramSize, "RAM size must be a non-zero multiple of 4 KiB.");
        _ram = new byte[ramSize];
        for (uint p = 0; p < ramSize >> PageShift; p++) _kind[p] = MemoryRegionKind.Ram;
        _regions.Add(new MemoryRegion("ram", 0, ramSize, MemoryRegionKind.Ram));
    }

    public uint RamSize => (uint)_ram.Length;
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>Reads of unmapped space (each byte counts once).</summary>
    public long UnmappedReads { get; private set; }
    /// <summary>Writes to unmapped space (each byte counts once).</summary>
    public long UnmappedWrites { get; private set; }
    /// <summary>Writes dropped because they hit ROM (each byte counts once).</summary>
    public long RomWrites { get; private set; }

    public void ResetCounters() { UnmappedReads = 0; UnmappedWrites = 0; RomWrites = 0; }

    /// <summary>The host array behind RAM (physical 0 .. RamSize-1). For the CPU's fast paths.</summary>
    internal byte[] Ram => _ram;

    public MemoryRegionKind KindAt(uint address) => _kind[address >> PageShift];

    /// <summary>Maps a ROM image at <paramref name="baseAddress"/> (page aligned). The image is shared, not copied, between aliases.</summary>
    public void MapRom(string name, uint baseAddress, byte[] image)
    {
        if ((baseAddress & PageMask) != 0 || image.Length == 0 || (image.Length & PageMask) != 0)
            throw new ArgumentException($"ROM '{name}' must be page aligned and a non-zero multiple of 4 KiB (base 0x{baseAddress:X8}, size 0x{image.Length:X}).");
        if ((ulong)baseAddress + (ulong)image.Length > 1UL << 32)
            throw new ArgumentException($"ROM '{name}' at 0x{baseAddress:X8} (size 0x{image.Length:X}) runs past 4 GiB.");
        uint first = baseAddress >> PageShift;
        for (uint i = 0; i < (uint)image.Length >> PageShift; i++)
        {
            _kind[first + i] = MemoryRegionKind.Rom;
            _romArray[first + i] = image;
            _romOffset[first + i] = i << PageShift;
            InvalidateCode(first + i);
        }
        _regions.Add(new MemoryRegion(name, baseAddress, (ulong)image.Length, MemoryRegionKind.Rom));
    }

    private readonly Dictionary<uint, (IMmioDevice Device, uint Base)> _mmio = new();

    /// <summary>Maps a memory-mapped device over [base, base+size) (page aligned): every access there goes to the device.</summary>
    public void MapMmio(string name, uint baseAddress, uint size, IMmioDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if ((baseAddress & PageMask) != 0 || size == 0 || (size & PageMask) != 0 || (ulong)baseAddress + size > 1UL << 32)
            throw new ArgumentException($"MMIO range '{name}' must be page aligned, a non-zero multiple of 4 KiB and below 4 GiB (base 0x{baseAddress:X8}, size 0x{size:X}).");
        for (uint p = baseAddress >> PageShift; p < (uint)(((ulong)baseAddress + size) >> PageShift); p++)
        {
            _kind[p] = MemoryRegionKind.Mmio;
            _romArray[p] = null;
            _mmio[p] = (device, baseAddress);
            InvalidateCode(p);
        }
        _regions.Add(new MemoryRegion(name, baseAddress, size, MemoryRegionKind.Mmio));
    }

    /// <summary>Accesses that went to memory-mapped devices.</summary>
    public long MmioAccesses { get; private set; }

    private uint MmioRead(uint address, int size)
    {
        var (device, b) = _mmio[address >> PageShift];
        MmioAccesses++;
        return device.Read(address - b, size);
    }

    private void MmioWrite(uint address, int size, uint value)
    {
        var (device, b) = _mmio[address >> PageShift];
        MmioAccesses++;
        device.Write(address - b, size, value);
    }

    /// <summary>Removes any mapping of [base, base+size): the range becomes unmapped.</summary>
    public void Unmap(string name, uint baseAddress, uint size)
    {
        if ((baseAddress & PageMask) != 0 || (size & PageMask) != 0)
            throw new ArgumentException("Unmapped ranges must be page aligned.");
        for (uint p = baseAddress >> PageShift; p < (uint)(((ulong)baseAddress + size) >> PageShift); p++)
        {
            _kind[p] = MemoryRegionKind.Unmapped;
            _romArray[p] = null;
            _mmio.Remove(p);
            InvalidateCode(p);
        }
        _regions.Add(new MemoryRegion(name, baseAddress, size, MemoryRegionKind.Unmapped));
    }

    // ---- code page tracking -------------------------------------------------------------

    internal void MarkCodePage(uint page) => _watch[page] |= WatchCode;

    /// <summary>Forgets which pages hold decoded code (after RAM was replaced wholesale and the code cache flushed).</summary>
    internal void ClearCodeMarks()
    {
        for (int i = 0; i < _watch.Length; i++) _watch[i] &= unchecked((byte)~WatchCode);
    }
    internal bool IsCodePage(uint page) => (_watch[page] & WatchCode) != 0;

    /// <summary>Starts or stops reporting guest writes to the page holding <paramref name="address"/> (for shadow paging and write tracing).</summary>
    public void TracePage(uint address, bool traced)
    {
        uint page = address >> PageShift;
        _watch[page] = (byte)(traced ? _watch[page] | WatchTraced : _watch[page] & ~WatchTraced);
    }

    public bool IsTraced(uint address) => (_watch[address >> PageShift] & WatchTraced) != 0;

    private void InvalidateCode(uint page)
    {
        if ((_watch[page] & WatchCode) != 0)
        {
            _watch[page] &= unchecked((byte)~WatchCode);
            CodePageWritten?.Invoke(page);
        }
    }

    private void WatchedWrite(uint page, uint address, int size)
    {
        if ((_watch[page] & WatchTraced) != 0) TracedPageWritten?.Invoke(address, size);
        InvalidateCode(page);
    }

    // ---- byte access (slow path, every kind) ---------------------------------------------

    public byte ReadByte(uint address)
    {
        uint page = address >> PageShift;
        switch (_kind[page])
        {
            case MemoryRegionKind.Ram: return _ram[address];
            case MemoryRegionKind.Rom: return _romArray[page]![_romOffset[page] + (address & PageMask)];
            case MemoryRegionKind.Mmio: return (byte)MmioRead(address, 1);
            default: UnmappedReads++; return 0xFF;
        }
    }

    public void WriteByte(uint address, byte value)
    {
        uint page = address >> PageShift;
        switch (_kind[page])
        {
            case MemoryRegionKind.Ram:
                if (_watch[page] != 0) WatchedWrite(page, address, 1);
                _ram[address] = value;
                break;
            case MemoryRegionKind.Rom: RomWrites++; break;
            case MemoryRegionKind.Mmio: MmioWrite(address, 1, value); break;
            default: UnmappedWrites++; break;
        }
    }

    // ---- sized access: RAM fast path, byte-wise elsewhere and across pages ----------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadUInt16(uint address)
    {
        if (_kind[address >> PageShift] == MemoryRegionKind.Ram && (address & PageMask) <= PageSize - 2)
            return Unsafe.ReadUnaligned<ushort>(ref _ram[address]);
        return ReadUInt16Slow(address);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32(uint address)
    {
        if (_kind[address >> PageShift] == MemoryRegionKind.Ram && (address & PageMask) <= PageSize - 4)
            return Unsafe.ReadUnaligned<uint>(ref _ram[address]);
        return ReadUInt32Slow(address);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt16(uint address, ushort value)
    {
        uint page = address >> PageShift;
        if (_kind[page] == MemoryRegionKind.Ram && (address & PageMask) <= PageSize - 2)
        {
            if (_watch[page] != 0) WatchedWrite(page, address, 2); // one event for the whole access
            Unsafe.WriteUnaligned(ref _ram[address], value);
            return;
        }
        WriteUInt16Slow(address, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint address, uint value)
    {
        uint page = address >> PageShift;
        if (_kind[page] == MemoryRegionKind.Ram && (address & PageMask) <= PageSize - 4)
        {
            if (_watch[page] != 0) WatchedWrite(page, address, 4); // one event for the whole access
            Unsafe.WriteUnaligned(ref _ram[address], value);
            return;
        }
        WriteUInt32Slow(address, value);
    }

    // Sized accesses off the RAM fast path: a memory-mapped device gets the whole access when it lies
    // in one page; everything else (ROM, unmapped, page-crossing) goes byte by byte.
    private bool WholeMmio(uint address, int size) =>
        _kind[address >> PageShift] == MemoryRegionKind.Mmio && (address & PageMask) <= PageSize - (uint)size;

    private ushort ReadUInt16Slow(uint address) =>
        WholeMmio(address, 2) ? (ushort)MmioRead(address, 2) : (ushort)(ReadByte(address) | ReadByte(address + 1) << 8);

    private uint ReadUInt32Slow(uint address) =>
        WholeMmio(address, 4) ? MmioRead(address, 4)
            : ReadByte(address) | (uint)ReadByte(address + 1) << 8 | (uint)ReadByte(address + 2) << 16 | (uint)ReadByte(address + 3) << 24;

    private void WriteUInt16Slow(uint address, ushort value)
    {
        if (WholeMmio(address, 2)) { MmioWrite(address, 2, value); return; }
        WriteByte(address, (byte)value);
        WriteByte(address + 1, (byte)(value >> 8));
    }

    private void WriteUInt32Slow(uint address, uint value)
    {
        if (WholeMmio(address, 4)) { MmioWrite(address, 4, value); return; }
        WriteByte(address, (byte)value);
        WriteByte(address + 1, (byte)(value >> 8));
        WriteByte(address + 2, (byte)(value >> 16));
        WriteByte(address + 3, (byte)(value >> 24));
    }

    /// <summary>Copies bytes into guest memory through the region map (ROM and unmapped bytes are dropped and counted).</summary>
    public void Write(uint address, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++) WriteByte(address + (uint)i, data[i]);
    }

    /// <summary>Reads bytes from guest memory through the region map.</summary>
    public byte[] Read(uint address, int count)
    {
        var result = new byte[count];
        for (int i = 0; i < count; i++) result[i] = ReadByte(address + (uint)i);
        return result;
    }

    /// <summary>Loads an image into RAM, failing (and writing nothing) when any byte would fall outside RAM.</summary>
    public void LoadIntoRam(uint address, ReadOnlySpan<byte> image)
    {
        for (ulong a = address; a < address + (ulong)image.Length; a += PageSize - (a & PageMask))
            if (a > uint.MaxValue || _kind[(uint)a >> PageShift] != MemoryRegionKind.Ram)
                throw new ArgumentException($"Image of {image.Length} bytes at 0x{address:X8} does not fit in RAM (byte 0x{a:X8} is {(a > uint.MaxValue ? "beyond 4 GiB" : _kind[(uint)a >> PageShift].ToString())}).");
        Write(address, image);
    }
}
