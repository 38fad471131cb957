using Iced.Intel;

namespace VirtLab.Engine;

/// <summary>
/// Feeds Iced's decoder from guest memory at CS:offset: ends at the CS limit (so an instruction
/// crossing it does not decode) and, with paging, translates each page (a fetch from a page that
/// is not present or not accessible ends the bytes too, and records the #PF to raise).
/// </summary>
internal sealed class GuestCodeReader : CodeReader
{
    private readonly Cpu _cpu;
    public uint CsBase, Offset, Limit, OffsetMask;
    public bool PastLimit;
    /// <summary>Set when a byte's page could not be fetched: the linear address and #PF error code.</summary>
    public bool PageFaulted;
    public uint FaultLinear, FaultCode;
    /// <summary>Access kind of the fetch (user when CPL 3).</summary>
    public byte Access;
    private uint _page = uint.MaxValue, _frame;

    public GuestCodeReader(Cpu cpu) => _cpu = cpu;

    /// <summary>Forgets the cached page translation (a new block, perhaps under new page tables).</summary>
    public void ResetTranslation() => _page = uint.MaxValue;

    public override int ReadByte()
    {
        uint off = Offset & OffsetMask;
        if (off > Limit || (Offset > OffsetMask)) { PastLimit = true; return -1; }
        if (PageFaulted) return -1;
        uint linear = CsBase + off;
        if (linear >> 12 != _page)
        {
            if (!_cpu.TryTranslate(linear, Access, out uint physical, out uint code))
            {
                PageFaulted = true; FaultLinear = linear; FaultCode = code & 0x7FFF_FFFF;
                return -1;
            }
            _page = linear >> 12;
            _frame = physical & ~0xFFFu;
        }
        Offset++;
        return _cpu.Memory.ReadByte(_frame | (linear & 0xFFF));
    }
}
