namespace VirtLab.Engine.Assembly;

/// <summary>A growable byte buffer.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data = new byte[256];
    public int Length { get; private set; }

    public void Clear() => Length = 0;

    private void Ensure(int extra)
    {
        if (Length + extra <= _data.Length) return;
        int size = Math.Max(_data.Length * 2, Length + extra);
        Array.Resize(ref _data, size);
    }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_data.AsSpan(Length));
        Length += bytes.Length;
    }

    public void Fill(byte value, long count)
    {
        if (count <= 0) return;
        if (count > int.MaxValue - Length) throw new InvalidOperationException("section larger than 2 GiB");
        Ensure((int)count);
        _data.AsSpan(Length, (int)count).Fill(value);
        Length += (int)count;
    }

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);
}

/// <summary>A section of the flat binary: its attributes, its bytes in the current pass, and where the last layout put it.</summary>
internal sealed class SectionState
{
    public SectionState(string name, int index)
    {
        Name = name;
        Index = index;
        NoBits = name == ".bss";
    }

    public readonly string Name;
    public readonly int Index;
    public SectionStmt? Declaration;
    public long? Start, VStart;
    public long Align = 4;
    public string? Follows, VFollows;
    public bool NoBits;

    /// <summary>Size in this pass (bytes emitted or reserved).</summary>
    public long Size;
    public readonly ByteBuffer Data = new();

    /// <summary>Layout from the previous pass (what labels are computed with).</summary>
    public long LayoutStart, LayoutVStart;

    public void ResetPass()
    {
        Size = 0;
        Data.Clear();
    }
}

/// <summary>Places sections as nasm's bin format does and builds the image.</summary>
internal static class SectionLayout
{
    private static long AlignUp(long v, long a) => a <= 1 ? v : (v + a - 1) / a * a;

    /// <summary>
    /// Computes start/vstart of every section: a section with start= is there; one with follows= comes after that
    /// section; any other comes after the previous progbits section in definition order (the first at the origin),
    /// aligned to its align= (default 4). nobits sections follow all progbits ones. vstart defaults to start.
    /// </summary>
    public static void Place(List<SectionState> sections, long org, Action<SectionState, string> error)
    {
        long prevEnd = org;
        bool first = true;
        foreach (var s in sections)
        {
            if (s.NoBits) continue;
            long start;
            if (s.Start is long st) start = st;
            else if (s.Follows is not null)
            {
                var f = sections.FirstOrDefault(x => x.Name == s.Follows);
                if (f is null) { error(s, $"follows={s.Follows}: there is no section {s.Follows}"); start = prevEnd; }
                else start = AlignUp(f.LayoutStart + f.Size, s.Align);
            }
            else start = first ? org : AlignUp(prevEnd, s.Align);
            s.LayoutStart = start;
            prevEnd = start + s.Size;
            first = false;
        }
        foreach (var s in sections)
        {
            if (s.NoBits) continue;
            if (s.VStart is long vs) s.LayoutVStart = vs;
            else if (s.VFollows is not null)
            {
                var f = sections.FirstOrDefault(x => x.Name == s.VFollows);
                if (f is null) { error(s, $"vfollows={s.VFollows}: there is no section {s.VFollows}"); s.LayoutVStart = s.LayoutStart; }
                else s.LayoutVStart = AlignUp(f.LayoutVStart + f.Size, s.Align);
            }
            else s.LayoutVStart = s.LayoutStart;
        }
        // nobits sections (.bss) come after the last progbits section, in its address space (as nasm)
        var last = sections.Where(s => !s.NoBits).OrderBy(s => s.LayoutStart).ThenBy(s => s.Index).LastOrDefault();
        long pos = last is null ? org : last.LayoutStart + last.Size;
        long vpos = last is null ? org : last.LayoutVStart + last.Size;
        foreach (var s in sections)
        {
            if (!s.NoBits) continue;
            s.LayoutStart = s.Start ?? AlignUp(pos, s.Align);
            s.LayoutVStart = s.VStart ?? (s.Start is long st2 ? st2 : AlignUp(vpos, s.Align));
            pos = s.LayoutStart + s.Size;
            vpos = s.LayoutVStart + s.Size;
        }
    }

    /// <summary>The file image: origin at offset 0, sections at start - origin, gaps zero; checks overlaps.</summary>
    public static byte[] Build(List<SectionState> sections, long org, Action<SectionState, string> error)
    {
        var used = sections.Where(s => !s.NoBits && s.Size > 0).OrderBy(s => s.LayoutStart).ToList();
        for (int i = 0; i < used.Count; i++)
        {
            var s = used[i];
            if (s.LayoutStart < org)
                error(s, $"section {s.Name} starts at 0x{s.LayoutStart:X}, below the origin 0x{org:X}");
            if (i > 0 && used[i - 1].LayoutStart + used[i - 1].Size > s.LayoutStart)
                error(s, $"sections {used[i - 1].Name} (0x{used[i - 1].LayoutStart:X}-0x{used[i - 1].LayoutStart + used[i - 1].Size - 1:X}) and {s.Name} (from 0x{s.LayoutStart:X}) overlap");
        }
        long end = used.Select(s => s.LayoutStart + s.Size).DefaultIfEmpty(org).Max();
        long length = end - org;
        if (length > 256L * 1024 * 1024) { error(used.LastOrDefault() ?? sections[0], $"the image would be {length} bytes (over 256 MiB)"); return Array.Empty<byte>(); }
        var image = new byte[Math.Max(0, length)];
        foreach (var s in used)
        {
            long off = s.LayoutStart - org;
            if (off < 0) continue;
            s.Data.Span.CopyTo(image.AsSpan((int)off));
        }
        return image;
    }
}
