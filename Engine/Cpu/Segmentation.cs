namespace VirtLab.Engine;

/// <summary>
/// Protected-mode descriptors (SDM Vol. 3A 3.4-3.5, 5.4-5.8): selectors into the GDT or the LDT,
/// descriptor loads into the segment registers with every check and the fault each raises, the
/// LDTR and TR registers, and the helpers far transfers, gates and task switches share.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>LDTR: selector and the cached LDT descriptor (base, limit); <see cref="SegmentCache.Unusable"/> after a null load.</summary>
    public SegmentCache Ldtr;
    /// <summary>TR: selector and the cached TSS descriptor (type 1/3 16-bit, 9/B 32-bit).</summary>
    public SegmentCache Tr;

    // Descriptor type field values for system descriptors (S = 0), SDM table 3-2.
    internal const int TypeTss16Available = 1, TypeLdt = 2, TypeTss16Busy = 3, TypeCallGate16 = 4, TypeTaskGate = 5,
        TypeInterruptGate16 = 6, TypeTrapGate16 = 7, TypeTss32Available = 9, TypeTss32Busy = 0xB, TypeCallGate32 = 0xC,
        TypeInterruptGate32 = 0xE, TypeTrapGate32 = 0xF;

    /// <summary>Linear address of a selector's descriptor, or false when it lies outside its table (or names the LDT after a null LLDT).</summary>
    internal bool TryDescriptorAddress(ushort selector, out uint address)
    {
        uint index = (uint)selector & 0xFFF8;
        address = 0;
        if ((selector & 4) != 0)
        {
            // The reset LDTR (selector 0, base 0, limit FFFFh, present: SDM table 9-1) is usable; a null LLDT is not.
            if (Ldtr.Unusable || index + 7 > Ldtr.Limit) return false;
            address = Ldtr.Base + index;
        }
        else
        {
            if (index + 7 > GdtrLimit) return false;
            address = GdtrBase + index;
        }
        return true;
    }

    /// <summary>Reads the 8-byte descriptor of a selector, or raises #GP(selector | ext) (or the given vector) when it lies outside its table.</summary>
    internal (uint Lo, uint Hi) ReadDescriptor(ushort selector, uint ext = 0, ExceptionVector onError = ExceptionVector.GP)
    {
        if (!TryDescriptorAddress(selector, out uint address))
            throw new CpuException(onError, (selector & 0xFFFCu) | ext);
        return (ReadSystem32(address), ReadSystem32(address + 4));
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

    /// <summary>Sets the accessed bit of a segment descriptor in memory, as the processor does on a load (SDM Vol. 3A 3.4.5.1).</summary>
    private void SetAccessed(ushort selector, uint hi)
    {
        if ((hi & 0x100) != 0) return;
        if (TryDescriptorAddress(selector, out uint address)) WriteSystem32(address + 4, hi | 0x100);
    }

    internal static bool IsSystem(ushort rights) => (rights & 0x10) == 0;
    internal static bool IsCode(ushort rights) => (rights & 0x18) == 0x18;
    internal static bool IsData(ushort rights) => (rights & 0x18) == 0x10;
    internal static bool IsConforming(ushort rights) => (rights & 0x1C) == 0x1C;
    internal static bool IsWritableData(ushort rights) => (rights & 0x1A) == 0x12;
    internal static bool IsReadable(ushort rights) => IsData(rights) || (rights & 0x1A) == 0x1A;

    /// <summary>MOV/POP/LDS... to a data segment register or SS, by the mode's rules (SDM MOV, "Loading a segment register in protected mode").</summary>
    public void LoadSegment(SegmentRegister s, ushort selector)
    {
        if (!ProtectedMode || Virtual8086) { LoadSegmentReal(s, selector); return; }
        if (s == SegmentRegister.CS) throw CpuException.UD();
        uint error = selector & 0xFFFCu;
        int rpl = selector & 3;
        if ((selector & 0xFFFC) == 0)
        {
            if (s == SegmentRegister.SS) throw CpuException.GP(0);
            LoadNullSegment(s, selector);
            return;
        }
        var (lo, hi) = ReadDescriptor(selector);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if (s == SegmentRegister.SS)
        {
            // SS needs a writable data segment with RPL = CPL and DPL = CPL; not present is #SS(selector).
            if (rpl != Cpl || !IsWritableData(cache.Rights) || cache.Dpl != Cpl) throw CpuException.GP(error);
            if (!cache.Present) throw CpuException.SS(error);
        }
        else
        {
            // Data or readable code; data and non-conforming code need DPL >= max(CPL, RPL).
            if (!IsReadable(cache.Rights)) throw CpuException.GP(error);
            if (!IsConforming(cache.Rights) && (cache.Dpl < Cpl || cache.Dpl < rpl)) throw CpuException.GP(error);
            if (!cache.Present) throw CpuException.NP(error);
        }
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        SetSegment(s, cache);
    }

    /// <summary>A null selector in DS ES FS GS: loads, and every access through it faults with #GP(0).</summary>
    internal void LoadNullSegment(SegmentRegister s, ushort selector)
    {
        Segments[(int)s] = new SegmentCache { Selector = selector, Unusable = true };
        Segments[(int)s].UpdateBounds();
    }

    /// <summary>
    /// After a return to an outer level (RET far, IRET): DS ES FS GS holding data or non-conforming
    /// code with DPL below the new CPL are loaded with the null selector (SDM RET/IRET, "FOR each
    /// of segment register ES, FS, GS, and DS").
    /// </summary>
    internal void NullInaccessibleDataSegments()
    {
        foreach (var s in new[] { SegmentRegister.ES, SegmentRegister.DS, SegmentRegister.FS, SegmentRegister.GS })
        {
            ref var seg = ref Segments[(int)s];
            if (seg.Unusable) continue;
            if (!IsConforming(seg.Rights) && seg.Dpl < _cpl) LoadNullSegment(s, 0);
        }
    }

    /// <summary>The code descriptor a far transfer names, checked for type and presence; errors carry <paramref name="ext"/>.</summary>
    internal SegmentCache ReadCodeDescriptorForTransfer(ushort selector, uint ext = 0)
    {
        uint error = (selector & 0xFFFCu) | ext;
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(ext);
        var (lo, hi) = ReadDescriptor(selector, ext);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if (!IsCode(cache.Rights)) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.NP(error);
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        cache.UpdateBounds();
        return cache;
    }

    /// <summary>Loads CS with a checked code descriptor at privilege <paramref name="cpl"/> (CS.RPL := CPL) and sets EIP.</summary>
    internal void CommitCodeSegment(SegmentCache cache, int cpl, uint offset)
    {
        cache.Selector = (ushort)((cache.Selector & 0xFFFC) | cpl);
        SetSegment(SegmentRegister.CS, cache);
        Eip = offset;
    }

    /// <summary>Far JMP/CALL/RET target in real or virtual-8086 mode, or a same-privilege protected-mode code segment (conforming: DPL ≤ CPL; otherwise DPL = CPL and RPL ≤ CPL).</summary>
    internal void LoadCodeSegmentFar(ushort selector, uint offset)
    {
        if (!ProtectedMode || Virtual8086)
        {
            LoadSegmentReal(SegmentRegister.CS, selector);
            Eip = offset;
            return;
        }
        var cache = ReadCodeDescriptorForTransfer(selector);
        bool conforming = IsConforming(cache.Rights);
        int rpl = selector & 3;
        if (conforming ? cache.Dpl > Cpl : (cache.Dpl != Cpl || rpl > Cpl)) throw CpuException.GP(selector & 0xFFFCu);
        if (offset > cache.Limit) throw CpuException.GP(0);
        CommitCodeSegment(cache, Cpl, offset);
    }

    /// <summary>
    /// The stack segment for an inner privilege level (gates, task switches): null #TS(ext),
    /// outside its table, RPL or DPL ≠ the level, or not writable data #TS(selector), not present
    /// #SS(selector) (SDM CALL and INT n, "new stack segment" checks).
    /// </summary>
    internal SegmentCache CheckStackSegmentForLevel(ushort selector, int level, uint ext)
    {
        uint error = (selector & 0xFFFCu) | ext;
        if ((selector & 0xFFFC) == 0) throw CpuException.TS(ext);
        var (lo, hi) = ReadDescriptor(selector, ext, ExceptionVector.TS);
        var cache = CacheFromDescriptor(selector, lo, hi);
        if ((selector & 3) != level || cache.Dpl != level || !IsWritableData(cache.Rights)) throw CpuException.TS(error);
        if (!cache.Present) throw new CpuException(ExceptionVector.SS, error);
        SetAccessed(selector, hi);
        cache.Rights |= 1;
        cache.UpdateBounds(typeChecks: true);
        return cache;
    }

    /// <summary>SS:ESP for privilege level <paramref name="level"/> from the current TSS (32-bit: ESPn at 4+8n, SSn at 8+8n; 16-bit: SPn at 2+4n, SSn at 4+4n). Outside the TSS limit: #TS(TSS selector).</summary>
    internal (ushort Ss, uint Esp) StackFromTss(int level, uint ext)
    {
        bool tss32 = (Tr.Rights & 8) != 0;
        uint error = (Tr.Selector & 0xFFFCu) | ext;
        if (tss32)
        {
            uint at = (uint)level * 8 + 4;
            if (at + 5 > Tr.Limit) throw CpuException.TS(error);
            return (ReadSystem16(Tr.Base + at + 4), ReadSystem32(Tr.Base + at));
        }
        else
        {
            uint at = (uint)level * 4 + 2;
            if (at + 3 > Tr.Limit) throw CpuException.TS(error);
            return (ReadSystem16(Tr.Base + at + 2), ReadSystem16(Tr.Base + at));
        }
    }
}
