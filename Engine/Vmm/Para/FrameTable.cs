namespace VirtLab.Engine.Vmm.Para;

/// <summary>Who a machine frame belongs to (Xen's page_info owner).</summary>
public enum FrameOwner : byte
{
    /// <summary>Not RAM (I/O memory, ROM, unmapped): mappable only with I/O access.</summary>
    None,
    /// <summary>A frame of the domain.</summary>
    Guest,
    /// <summary>A frame of the hypervisor: never mappable by the guest.</summary>
    Xen,
    /// <summary>The shared-info page: Xen's, shared with the domain (share_xen_page_with_guest), so the guest may map it.</summary>
    SharedInfo,
}

/// <summary>The use a frame is typed for (Xen's PGT_* types): a frame has one type while its type count is non-zero.</summary>
public enum PageType : byte { None, Writable, L1, L2, SegDesc }

/// <summary>Per-frame ownership, type, type count and pin (Xen's frame table, struct page_info).</summary>
internal sealed class FrameTable
{
    private readonly FrameOwner[] _owner;
    private readonly PageType[] _type;
    private readonly int[] _count;
    private readonly bool[] _pinned;

    public FrameTable(int frames)
    {
        _owner = new FrameOwner[frames];
        _type = new PageType[frames];
        _count = new int[frames];
        _pinned = new bool[frames];
    }

    public int Count => _owner.Length;
    public FrameOwner Owner(uint mfn) => mfn < _owner.Length ? _owner[mfn] : FrameOwner.None;
    public void SetOwner(uint mfn, FrameOwner owner) => _owner[mfn] = owner;
    public PageType Type(uint mfn) => mfn < _type.Length && _count[mfn] > 0 ? _type[mfn] : PageType.None;
    public int TypeCount(uint mfn) => mfn < _count.Length ? _count[mfn] : 0;
    public bool Pinned(uint mfn) => mfn < _pinned.Length && _pinned[mfn];
    public void SetPinned(uint mfn, bool pinned) => _pinned[mfn] = pinned;

    /// <summary>Takes a reference of type <paramref name="type"/>; false on a type conflict. Returns in <paramref name="first"/> whether the type count went from 0 to 1 (the frame must then be validated).</summary>
    public bool TryGet(uint mfn, PageType type, out bool first)
    {
        first = false;
        if (_count[mfn] > 0 && _type[mfn] != type) return false;
        first = _count[mfn] == 0;
        _type[mfn] = type;
        _count[mfn]++;
        return true;
    }

    /// <summary>Drops a reference; returns true when the count reached 0 (the frame's entries must then be released).</summary>
    public bool Put(uint mfn)
    {
        if (_count[mfn] == 0) throw new InvalidOperationException($"type count of frame 0x{mfn:X} underflows");
        return --_count[mfn] == 0;
    }

    /// <summary>Undoes the reference a failed validation took (count back to 0, type cleared).</summary>
    public void Abandon(uint mfn) { _count[mfn] = 0; _type[mfn] = PageType.None; }
}
