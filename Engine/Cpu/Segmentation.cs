namespace VirtLab.Engine;

/// <summary>
/// Protected-mode segment loads from the GDT (SDM Vol. 3A 3.4-3.5, 5.4-5.6): the checks a flat
/// ring-0 system meets. The LDT, call gates, conforming-code privilege rules across rings and task
/// segments come with issue 3; until then a selector that needs them raises #GP(selector).
/// </summary>
public sealed partial class Cpu
{
    /// <summary>Reads the 8-byte descriptor of a GDT selector, or raises #GP(selector) when it lies outside the GDT or names the LDT.</summary>
    internal (uint Lo, uint Hi) ReadDescriptor(ushort selector, uint ext = 0)
    {
        uint error = (selector & 0xFFFCu) | ext;
        if ((selector & 4) != 0) throw CpuException.GP(error); // LDT: issue 3
        uint index = (uint)selector & 0xFFF8;
        if (index + 7 > GdtrLimit) throw CpuException.GP(error);
        return (ReadSystem32(GdtrBase + index), ReadSystem32(GdtrBase + index + 4));
    }

    /// <summary>Builds a descriptor cache from raw descriptor words (granularity applied).</summary>
    internal static SegmentCache CacheFromDescriptor(ushort selector, uint lo, uint hi)
    {
        uint limit = (lo & 0xFFFF) | (hi & 0x000F_0000);
        if ((hi & 0x0080_0000) != 0) limit = (limit << 12) | 0xFFF;
        return new SegmentCache
        {
            Selector = selector,
            Base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000),
            Limit = limit,
            Rights = (ushort)((hi >> 8) & 0xF0FF),
        };
    }

    /// <summary>Sets the accessed bit of a descriptor in memory, as the processor does on a load (SDM Vol. 3A 3.4.5.1).</summary>
    private void SetAccessed(ushort selector, uint hi)
    {
        if ((hi & 0x100) == 0) WriteSystem32(GdtrBase + (selector & 0xFFF8u) + 4, hi | 0x100);
    }

    /// <summary>MOV/POP/LDS... to a data segment register or SS, by the mode's rules.</summary>
    public void LoadSegment(SegmentRegister s, ushort selector)
    {
        if (!ProtectedMode || Virtual8086) { LoadSegmentReal(s, selector); return; }
        if (s == SegmentRegister.CS) throw CpuException.UD();
        uint error = selector & 0xFFFCu;
        int rpl = selector & 3;
        if ((selector & 0xFFFC) == 0)
        {
            if (s == SegmentRegister.SS) throw CpuException.GP(0);
            Segments[(int)s] = new SegmentCache { Selector = selector, Unusable = true };
            Segments[(int)s].UpdateBounds();
            return;
        }
        var (lo, hi) = ReadDescriptor(selector);
        var cache = CacheFromDescriptor(selector, lo, hi);
        bool system = (cache.Rights & 0x10) == 0;
        bool code = (cache.Rights & 0x08) != 0;
        bool writable = !code && (cache.Rights & 0x02) != 0;
        bool readable = !code || (cache.Rights & 0x02) != 0;
        bool conforming = code && (cache.Rights & 0x04) != 0;
        if (s == SegmentRegister.SS)
        {
            // SDM: SS needs a writable data segment with RPL = CPL and DPL = CPL; not present is #SS.
            if (system || !writable || rpl != Cpl || cache.Dpl != Cpl) throw CpuException.GP(error);
            if (!cache.Present) throw CpuException.SS(error);
        }
        else
        {
            if (system || !readable) throw CpuException.GP(error);
            if (!conforming && (cache.Dpl < Cpl || cache.Dpl < rpl)) throw CpuException.GP(error);
            if (!cache.Present) throw CpuException.NP(error);
        }
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        SetSegment(s, cache);
    }

    /// <summary>The code descriptor a far transfer or gate names, checked for type and presence (privilege rules beyond CPL 0: issue 3).</summary>
    internal SegmentCache ReadCodeDescriptorForTransfer(ushort selector, uint ext = 0)
    {
        uint error = (selector & 0xFFFCu) | ext;
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(ext);
        var (lo, hi) = ReadDescriptor(selector, ext);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if ((cache.Rights & 0x18) != 0x18) throw CpuException.GP(error); // not a code segment (gates and TSSs: issue 3)
        if (!cache.Present) throw CpuException.NP(error);
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        cache.UpdateBounds();
        return cache;
    }

    /// <summary>Far JMP/CALL/RET target in protected mode: a code segment at CPL (conforming: DPL ≤ CPL), RPL ignored for conforming; CS.RPL := CPL.</summary>
    internal void LoadCodeSegmentFar(ushort selector, uint offset)
    {
        if (!ProtectedMode || Virtual8086)
        {
            LoadSegmentReal(SegmentRegister.CS, selector);
            Eip = offset;
            return;
        }
        var cache = ReadCodeDescriptorForTransfer(selector);
        bool conforming = (cache.Rights & 0x04) != 0;
        int rpl = selector & 3;
        if (conforming ? cache.Dpl > Cpl : (cache.Dpl != Cpl || rpl > Cpl)) throw CpuException.GP(selector & 0xFFFCu);
        if (offset > cache.Limit) throw CpuException.GP(0);
        cache.Selector = (ushort)((selector & 0xFFFC) | Cpl);
        SetSegment(SegmentRegister.CS, cache);
        Eip = offset;
    }
}
