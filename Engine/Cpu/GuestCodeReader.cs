using Iced.Intel;

namespace VirtLab.Engine;

/// <summary>Feeds Iced's decoder from guest memory at CS:offset, ending at the CS limit (so an instruction crossing it does not decode).</summary>
internal sealed class GuestCodeReader : CodeReader
{
    private readonly PhysicalMemory _memory;
    public uint CsBase, Offset, Limit, OffsetMask;
    public bool PastLimit;

    public GuestCodeReader(PhysicalMemory memory) => _memory = memory;

    public override int ReadByte()
    {
        uint off = Offset & OffsetMask;
        if (off > Limit || (Offset > OffsetMask)) { PastLimit = true; return -1; }
        Offset++;
        return _memory.ReadByte(CsBase + off);
    }
}
