namespace VirtLab.Engine;

/// <summary>Segment registers in the order of their ModRM/sreg encoding (SDM Vol. 2, table 3-6).</summary>
public enum SegmentRegister : byte { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }

/// <summary>
/// The visible selector and the hidden descriptor cache of one segment register (SDM Vol. 3A 3.4.3).
/// In real mode base = selector &lt;&lt; 4 and the limit stays what it was (0xFFFF after reset).
/// </summary>
public struct SegmentCache
{
    public ushort Selector;
    public uint Base;
    /// <summary>Effective limit in bytes (granularity already applied).</summary>
    public uint Limit;
    /// <summary>Access rights as in descriptor bytes 5-6: type (0-3), S (4), DPL (5-6), P (7), AVL (12), D/B (14), G (15).</summary>
    public ushort Rights;
    /// <summary>A null selector loaded in protected mode: every access faults with #GP(0).</summary>
    public bool Unusable;
    // The offsets a read (MinOffset..MaxOffset) and a write (WriteMinOffset..WriteMaxOffset) may touch,
    // derived from Limit, expand-down, Unusable and the type by UpdateBounds(); an empty range
    // (min > max) makes every such access fault.
    internal uint MinOffset, MaxOffset, WriteMinOffset, WriteMaxOffset;

    /// <summary>
    /// Recomputes the valid offset ranges: [0, limit] expand-up, [limit+1, 0xFFFF or 0xFFFFFFFF]
    /// expand-down data (SDM Vol. 3A 5.3), none when unusable. With <paramref name="typeChecks"/>
    /// (protected mode, SDM 5.4.1) writes need a writable data segment and reads a data or readable
    /// code segment; in real and virtual-8086 mode the type is not checked.
    /// </summary>
    public void UpdateBounds(bool typeChecks = true)
    {
        if (Unusable) { MinOffset = WriteMinOffset = 0xFFFF_FFFF; MaxOffset = WriteMaxOffset = 0; return; }
        bool expandDown = (Rights & 0x1C) == 0x14; // data segment (S=1, bit 3 = 0) with E (bit 2)
        if (expandDown) { MinOffset = Limit + 1; MaxOffset = Big ? 0xFFFF_FFFF : 0xFFFF; }
        else { MinOffset = 0; MaxOffset = Limit; }
        WriteMinOffset = MinOffset; WriteMaxOffset = MaxOffset;
        if (!typeChecks) return;
        bool code = (Rights & 0x08) != 0;
        bool readable = !code || (Rights & 0x02) != 0;
        bool writable = !code && (Rights & 0x02) != 0;
        if (!writable) { WriteMinOffset = 0xFFFF_FFFF; WriteMaxOffset = 0; }
        if (!readable) { MinOffset = 0xFFFF_FFFF; MaxOffset = 0; }
    }

    public readonly bool Big => (Rights & 0x4000) != 0;
    public readonly int Dpl => (Rights >> 5) & 3;
    public readonly bool Present => (Rights & 0x80) != 0;
    public readonly int Type => Rights & 0xF;

    public override readonly string ToString() => $"{Selector:X4} base={Base:X8} limit={Limit:X8} rights={Rights:X4}";
}
