namespace VirtLab.Engine.Images;

/// <summary>
/// A validated Multiboot v1 kernel: its header and what to load where. With flags bit 16 the
/// a.out-kludge address fields say which file bytes go where (spec 3.1.3); otherwise the file
/// must be an ELF32 executable whose PT_LOAD segments are loaded at their physical addresses.
/// </summary>
public sealed class MultibootImage
{
    public MultibootHeader Header { get; }
    /// <summary>The parsed ELF file when the kernel was loaded as ELF (flags bit 16 clear), else null.</summary>
    public ElfImage? Elf { get; }
    /// <summary>What to place in physical memory (data plus zero-filled bss).</summary>
    public IReadOnlyList<ImageSegment> Segments { get; }
    /// <summary>Physical address the loader jumps to.</summary>
    public uint Entry { get; }

    private MultibootImage(MultibootHeader header, ElfImage? elf, IReadOnlyList<ImageSegment> segments, uint entry)
    {
        Header = header;
        Elf = elf;
        Segments = segments;
        Entry = entry;
    }

    /// <summary>The highest physical address the kernel occupies, plus one (end of its bss).</summary>
    public ulong End => Segments.Max(s => s.End);

    /// <summary>Finds and checks the header, then the a.out-kludge fields or the ELF file.</summary>
    /// <exception cref="ImageException">The image is not a kernel this loader can boot; the message names the field.</exception>
    public static MultibootImage Parse(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var h = MultibootHeader.Find(file);
        if ((h.Flags & MultibootHeader.FlagVideoMode) != 0)
            throw new ImageException($"Multiboot: header flags 0x{h.Flags:X8} set bit 2 (video mode information), which is not supported: VirtLab has no display adapter.");
        uint unknown = h.Flags & MultibootHeader.RequiredFlagsMask & ~(MultibootHeader.FlagPageAlign | MultibootHeader.FlagMemoryInfo);
        if (unknown != 0)
            throw new ImageException($"Multiboot: header flags 0x{h.Flags:X8} set required bit(s) 0x{unknown:X4} that this loader does not know (Multiboot 0.6.96 defines bits 0-2; a loader must refuse unknown bits 0-15).");
        return h.HasAddressFields ? ParseAddressFields(file, h) : ParseElf(file, h);
    }

    private static MultibootImage ParseAddressFields(byte[] file, MultibootHeader h)
    {
        string at = $"Multiboot: the header at file offset 0x{h.Offset:X} (flags bit 16, a.out kludge)";
        if (h.LoadAddr > h.HeaderAddr)
            throw new ImageException($"{at} has load_addr 0x{h.LoadAddr:X8} above header_addr 0x{h.HeaderAddr:X8}; load_addr must be less than or equal to header_addr.");
        uint before = h.HeaderAddr - h.LoadAddr;
        if (before > (uint)h.Offset)
            throw new ImageException($"{at} has header_addr - load_addr = 0x{before:X}, more than the header's file offset: loading would start before the beginning of the file.");
        uint textOffset = (uint)h.Offset - before;
        uint loadSize;
        if (h.LoadEndAddr == 0) loadSize = (uint)file.Length - textOffset;
        else
        {
            if (h.LoadEndAddr < h.LoadAddr)
                throw new ImageException($"{at} has load_end_addr 0x{h.LoadEndAddr:X8} below load_addr 0x{h.LoadAddr:X8}.");
            loadSize = h.LoadEndAddr - h.LoadAddr;
            if ((ulong)textOffset + loadSize > (ulong)file.Length)
                throw new ImageException($"{at} has load_end_addr 0x{h.LoadEndAddr:X8}: 0x{loadSize:X} bytes from file offset 0x{textOffset:X} run past the end of the {file.Length}-byte file.");
        }
        ulong loadEnd = (ulong)h.LoadAddr + loadSize;
        ulong end = loadEnd;
        if (h.BssEndAddr != 0)
        {
            if (h.BssEndAddr < loadEnd)
                throw new ImageException($"{at} has bss_end_addr 0x{h.BssEndAddr:X8} below the end of the loaded bytes 0x{loadEnd:X8}.");
            end = h.BssEndAddr;
        }
        if (end > 1UL << 32)
            throw new ImageException($"{at} loads 0x{loadSize:X} bytes at load_addr 0x{h.LoadAddr:X8}, past 4 GiB.");
        if (h.EntryAddr < h.LoadAddr || h.EntryAddr >= loadEnd)
            throw new ImageException($"{at} has entry_addr 0x{h.EntryAddr:X8} outside the loaded bytes 0x{h.LoadAddr:X8}-0x{loadEnd - 1:X8}.");
        var segment = new ImageSegment("Multiboot kernel (a.out kludge)", h.LoadAddr, file.AsSpan((int)textOffset, (int)loadSize).ToArray(), (uint)(end - h.LoadAddr));
        return new MultibootImage(h, null, new[] { segment }, h.EntryAddr);
    }

    private static MultibootImage ParseElf(byte[] file, MultibootHeader h)
    {
        ElfImage elf;
        try { elf = ElfImage.Parse(file); }
        catch (ImageException e)
        {
            throw new ImageException($"Multiboot: header flags 0x{h.Flags:X8} do not set bit 16 (address fields), so the kernel must be an ELF32 executable, and it is not: {e.Message}");
        }
        return new MultibootImage(h, elf, elf.Segments.Select(s => s.ToImageSegment()).ToArray(), elf.PhysicalEntry);
    }
}
