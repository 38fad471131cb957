namespace VirtLab.Engine.Images;

/// <summary>
/// Everything a loader is about to write into guest memory. <see cref="Validate"/> checks that each
/// piece lies in RAM and that no two pieces overlap; only then does <see cref="Apply"/> write, so a
/// rejected image leaves memory untouched.
/// </summary>
internal sealed class LoadPlan
{
    private readonly List<ImageSegment> _pieces = new();

    public IReadOnlyList<ImageSegment> Pieces => _pieces;

    public void Add(ImageSegment piece)
    {
        if ((uint)piece.Data.Length > piece.MemorySize)
            throw new ArgumentException($"{piece.Name}: {piece.Data.Length} data bytes do not fit in its memory size 0x{piece.MemorySize:X}.");
        _pieces.Add(piece);
    }

    /// <summary>Throws <see cref="ImageException"/> naming the first piece outside RAM or the first overlapping pair.</summary>
    public void Validate(PhysicalMemory memory)
    {
        foreach (var p in _pieces)
        {
            if (p.MemorySize == 0) continue;
            if (p.End > 1UL << 32)
                throw new ImageException($"{p.Name} at 0x{p.Address:X8} (size 0x{p.MemorySize:X}) runs past 4 GiB.");
            for (ulong a = p.Address; a < p.End; a += PhysicalMemory.PageSize - (a & PhysicalMemory.PageMask))
            {
                var kind = memory.KindAt((uint)a);
                if (kind != MemoryRegionKind.Ram)
                    throw new ImageException(
                        $"{p.Name} at 0x{p.Address:X8}-0x{p.End - 1:X8} is outside RAM: byte 0x{a:X8} is {kind} " +
                        $"(RAM is 0x00000000-0x{memory.RamSize - 1:X8}).");
            }
        }
        for (int i = 0; i < _pieces.Count; i++)
            for (int j = i + 1; j < _pieces.Count; j++)
            {
                ImageSegment a = _pieces[i], b = _pieces[j];
                if (a.MemorySize == 0 || b.MemorySize == 0) continue;
                if (a.Address < b.End && b.Address < a.End)
                    throw new ImageException(
                        $"{a.Name} (0x{a.Address:X8}-0x{a.End - 1:X8}) overlaps {b.Name} (0x{b.Address:X8}-0x{b.End - 1:X8}).");
            }
    }

    /// <summary>Writes every piece (data, then zero fill). Call only after <see cref="Validate"/>.</summary>
    public void Apply(PhysicalMemory memory)
    {
        foreach (var p in _pieces)
        {
            if (p.MemorySize == 0) continue;
            memory.LoadIntoRam(p.Address, p.Data);
            uint zeros = p.MemorySize - (uint)p.Data.Length;
            uint at = p.Address + (uint)p.Data.Length;
            var chunk = new byte[Math.Min(zeros, 64u * 1024)];
            while (zeros > 0)
            {
                uint n = Math.Min(zeros, (uint)chunk.Length);
                memory.LoadIntoRam(at, chunk.AsSpan(0, (int)n));
                at += n;
                zeros -= n;
            }
        }
    }
}
