using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>
/// 32-bit paging (SDM Vol. 3A 4.3): a two-level walk from CR3 through a page directory and page
/// tables, 4 MiB pages with CR4.PSE, global pages with CR4.PGE, accessed/dirty bits, U/S and R/W
/// with CR0.WP, and #PF with CR2 and the error code of SDM 4.7. Translations are cached in a
/// direct-mapped TLB (4096 entries by linear page number); an entry remembers which of the four
/// kinds of access (supervisor/user x read/write) it allows, and allows writes only once the
/// page's dirty bit is set, so the first write through a clean entry walks again and sets D.
/// The TLB is flushed by MOV CR3 (except global entries), INVLPG (one page), and any change of
/// CR0.PG/WP or CR4.PSE/PGE; like a real TLB it may serve a stale entry after the guest edits a
/// page table without flushing.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>The four kinds of access a TLB entry may allow (bit per kind).</summary>
    internal const byte AccessSupervisorRead = 1, AccessSupervisorWrite = 2, AccessUserRead = 4, AccessUserWrite = 8;
    /// <summary>Instruction fetches (a kind of their own only for the second level: 32-bit paging has no execute-disable).</summary>
    internal const byte AccessSupervisorFetch = 16, AccessUserFetch = 32;
    private const byte AnyRead = AccessSupervisorRead | AccessUserRead, AnyWrite = AccessSupervisorWrite | AccessUserWrite, AnyFetch = AccessSupervisorFetch | AccessUserFetch;
    /// <summary>Marks a translation failure that is a second-level (EPT) violation, not a #PF, in a fault code.</summary>
    internal const uint SecondLevelFault = 0x4000_0000;

    public const uint Cr4VME = 1, Cr4PVI = 2, Cr4TSD = 4, Cr4DE = 8, Cr4PSE = 0x10, Cr4PGE = 0x80;

    /// <summary>#PF error code bits (SDM Vol. 3A 4.7).</summary>
    public const uint PfPresent = 1, PfWrite = 2, PfUser = 4;

    private const int TlbBits = 12, TlbSize = 1 << TlbBits;

    private struct TlbEntry
    {
        public uint Page;     // linear page number
        public uint Frame;    // physical address of the page
        public byte Allowed;  // Access* bits; 0 = invalid
        public bool Global;
    }

    private readonly TlbEntry[] _tlb = new TlbEntry[TlbSize];
    /// <summary>True when linear addresses are translated at all: guest paging or a second level.</summary>
    private bool _paging;
    /// <summary>CR0.PG and PE: the guest's own paging.</summary>
    private bool _guestPaging;
    private ISecondLevelTranslation? _secondLevel;

    /// <summary>
    /// The second-level translation a monitor installs (EPT), or null. Installing or removing one flushes
    /// the TLB; a monitor whose tables change calls <see cref="FlushTlb"/> (INVEPT).
    /// </summary>
    public ISecondLevelTranslation? SecondLevel
    {
        get => _secondLevel;
        set
        {
            if (ReferenceEquals(_secondLevel, value)) return;
            _secondLevel = value;
            FlushTlb();
            UpdatePagingState();
            _breakBlock = true;
        }
    }
    /// <summary>The access kinds of an ordinary data access at the current privilege level (CPL 3 = user).</summary>
    private byte _accessRead = AccessSupervisorRead, _accessWrite = AccessSupervisorWrite, _accessFetch = AccessSupervisorFetch;

    /// <summary>TLB fills since reset (page walks that succeeded): a figure for the Bench and tests.</summary>
    public long PageWalks { get; private set; }
    /// <summary>True when CR0.PG (and PE) are set.</summary>
    public bool PagingEnabled => _guestPaging;

    /// <summary>Recomputes the paging switch and the user/supervisor access kinds after CR0, CPL or VM changes.</summary>
    private void UpdatePagingState()
    {
        _guestPaging = (Cr0 & (Cr0PG | Cr0PE)) == (Cr0PG | Cr0PE);
        _paging = _guestPaging || _secondLevel is not null;
        _alignmentCheck = (Cr0 & Cr0AM) != 0 && (_flags & AC) != 0 && _cpl == 3;
        bool user = _cpl == 3;
        _accessRead = user ? AccessUserRead : AccessSupervisorRead;
        _accessWrite = user ? AccessUserWrite : AccessSupervisorWrite;
        _accessFetch = user ? AccessUserFetch : AccessSupervisorFetch;
    }

    /// <summary>Drops every TLB entry, or every non-global one (MOV CR3 with CR4.PGE).</summary>
    public void FlushTlb(bool keepGlobal = false)
    {
        if (!keepGlobal || (Cr4 & Cr4PGE) == 0) { Array.Clear(_tlb); return; }
        for (int i = 0; i < _tlb.Length; i++)
            if (!_tlb[i].Global) _tlb[i].Allowed = 0;
    }

    /// <summary>INVLPG: drops the entry of one linear page, global or not.</summary>
    public void InvalidatePage(uint linear)
    {
        ref var e = ref _tlb[(linear >> 12) & (TlbSize - 1)];
        if (e.Page == linear >> 12) e.Allowed = 0;
    }

    /// <summary>MOV to CR3: loads the page-directory base and flushes the non-global TLB entries.</summary>
    internal void WriteCr3(uint value)
    {
        Cr3 = value;
        FlushTlb(keepGlobal: true);
        _breakBlock = true;
    }

    /// <summary>Linear to physical for one access; faults with #PF. Without paging the address is unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Translate(uint linear, byte access)
    {
        if (!_paging) return linear;
        ref var e = ref _tlb[(linear >> 12) & (TlbSize - 1)];
        if (e.Page == linear >> 12 && (e.Allowed & access) != 0) return e.Frame | (linear & 0xFFF);
        return Walk(linear, access, raise: true, out _);
    }

    /// <summary>Translation that reports the #PF error code instead of raising it (for instruction fetch and debuggers).</summary>
    internal bool TryTranslate(uint linear, byte access, out uint physical, out uint faultCode)
    {
        faultCode = 0;
        if (!_paging) { physical = linear; return true; }
        ref var e = ref _tlb[(linear >> 12) & (TlbSize - 1)];
        if (e.Page == linear >> 12 && (e.Allowed & access) != 0) { physical = e.Frame | (linear & 0xFFF); return true; }
        physical = Walk(linear, access, raise: false, out faultCode);
        return faultCode == 0;
    }

    /// <summary>
    /// Translates a linear address as a supervisor read would, for debuggers: no accessed or dirty
    /// bit is set, no TLB entry is filled or used, nothing faults. False when the address is not
    /// mapped. Without paging the address is returned unchanged.
    /// </summary>
    public bool TryTranslateForDebugger(uint linear, out uint physical)
    {
        physical = linear;
        if (!_guestPaging) return true;
        uint pde = Memory.ReadUInt32((Cr3 & 0xFFFF_F000) | ((linear >> 20) & 0xFFC));
        if ((pde & 1) == 0) return false;
        if ((pde & 0x80) != 0 && (Cr4 & Cr4PSE) != 0) { physical = (pde & 0xFFC0_0000) | (linear & 0x003F_FFFF); return true; }
        uint pte = Memory.ReadUInt32((pde & 0xFFFF_F000) | ((linear >> 10) & 0xFFC));
        if ((pte & 1) == 0) return false;
        physical = (pte & 0xFFFF_F000) | (linear & 0xFFF);
        return true;
    }

    /// <summary>CR2 as it was before the last #PF wrote it: a VM exit on #PF happens before delivery, so CR2 keeps this value (SDM Vol. 3C 27.1).</summary>
    public uint Cr2BeforeFault { get; internal set; }

    /// <summary>Raises #PF for <paramref name="linear"/>: CR2 = the address, error code as given (SDM Vol. 3A 4.7, 6.15).</summary>
    internal CpuException PageFault(uint linear, uint errorCode)
    {
        Cr2BeforeFault = Cr2;
        Cr2 = linear;
        return CpuException.PF(errorCode);
    }

    /// <summary>
    /// Walks the tables for one access. Permissions combine both levels (U/S and R/W both needed);
    /// a supervisor write to a read-only page is allowed unless CR0.WP. Accessed bits (and the dirty
    /// bit on a write) are set only when the access is allowed, as Bochs and the 386 do.
    /// </summary>
    private uint Walk(uint linear, byte access, bool raise, out uint faultCode)
    {
        bool write = (access & AnyWrite) != 0;
        bool user = (access & (AccessUserRead | AccessUserWrite | AccessUserFetch)) != 0;
        var kind = write ? GuestPhysicalAccess.Write : (access & AnyFetch) != 0 ? GuestPhysicalAccess.Fetch : GuestPhysicalAccess.Read;
        faultCode = 0;
        byte second = 7; // R, W, X of the final page at the second level
        bool cacheable = true;
        uint frame, leaf = 0;
        byte allowed;
        if (!_guestPaging)
        {
            // Only the second level: the linear address is the guest-physical address.
            if (!SecondLevelTranslate(linear, kind, linear, true, raise, out uint host, out second, out cacheable)) return SecondLevelFail(out faultCode);
            frame = host & 0xFFFF_F000;
            allowed = AccessSupervisorRead | AccessUserRead | AccessSupervisorWrite | AccessUserWrite | AccessSupervisorFetch | AccessUserFetch;
        }
        else
        {
            uint code = (write ? PfWrite : 0) | (user ? PfUser : 0);
            uint pdeAddress = (Cr3 & 0xFFFF_F000) | ((linear >> 20) & 0xFFC);
            if (!SecondLevelTranslate(pdeAddress, GuestPhysicalAccess.Read, linear, false, raise, out uint pdeHost, out _, out _)) return SecondLevelFail(out faultCode);
            uint pde = Memory.ReadUInt32(pdeHost);
            if ((pde & 1) == 0) return Fail(linear, code, raise, out faultCode);
            bool large = (pde & 0x80) != 0 && (Cr4 & Cr4PSE) != 0;
            uint leafHost, rw, us;
            if (large)
            {
                leaf = pde; leafHost = pdeHost;
                frame = (pde & 0xFFC0_0000) | (linear & 0x003F_F000);
                rw = pde & 2; us = pde & 4;
            }
            else
            {
                uint leafAddress = (pde & 0xFFFF_F000) | ((linear >> 10) & 0xFFC);
                if (!SecondLevelTranslate(leafAddress, GuestPhysicalAccess.Read, linear, false, raise, out leafHost, out _, out _)) return SecondLevelFail(out faultCode);
                leaf = Memory.ReadUInt32(leafHost);
                if ((leaf & 1) == 0) return Fail(linear, code, raise, out faultCode);
                frame = leaf & 0xFFFF_F000;
                rw = pde & leaf & 2; us = pde & leaf & 4;
            }
            bool wp = (Cr0 & Cr0WP) != 0;
            if (user && us == 0) return Fail(linear, code | PfPresent, raise, out faultCode);
            if (write && rw == 0 && (user || wp)) return Fail(linear, code | PfPresent, raise, out faultCode);

            // The final page at the second level comes before the accessed/dirty updates.
            if (_secondLevel is not null)
            {
                if (!SecondLevelTranslate(frame, kind, linear, true, raise, out uint host, out second, out cacheable)) return SecondLevelFail(out faultCode);
                frame = host & 0xFFFF_F000;
            }
            // Accessed and dirty bits (SDM 4.8): the directory entry's A, then the leaf's A (and D on a write).
            if (!large && (pde & 0x20) == 0) Memory.WriteUInt32(pdeHost, pde | 0x20);
            uint newLeaf = leaf | 0x20 | (write ? 0x40u : 0);
            if (newLeaf != leaf) Memory.WriteUInt32(leafHost, newLeaf);
            bool dirty = (newLeaf & 0x40) != 0;

            allowed = AccessSupervisorRead | AccessSupervisorFetch;
            if (dirty && (rw != 0 || !wp)) allowed |= AccessSupervisorWrite;
            if (us != 0) allowed |= AccessUserRead | AccessUserFetch;
            if (dirty && us != 0 && rw != 0) allowed |= AccessUserWrite;
            leaf = newLeaf;
        }
        if ((second & 1) == 0) allowed &= unchecked((byte)~AnyRead);
        if ((second & 2) == 0) allowed &= unchecked((byte)~AnyWrite);
        if ((second & 4) == 0) allowed &= unchecked((byte)~AnyFetch);
        if (cacheable)
        {
            ref var e = ref _tlb[(linear >> 12) & (TlbSize - 1)];
            e.Page = linear >> 12;
            e.Frame = frame;
            e.Allowed = allowed;
            e.Global = _guestPaging && (Cr4 & Cr4PGE) != 0 && (leaf & 0x100) != 0;
        }
        PageWalks++;
        return frame | (linear & 0xFFF);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SecondLevelTranslate(uint guestPhysical, GuestPhysicalAccess kind, uint linear, bool final, bool raise, out uint host, out byte permissions, out bool cacheable)
    {
        if (_secondLevel is null) { host = guestPhysical; permissions = 7; cacheable = true; return true; }
        return _secondLevel.Translate(guestPhysical, kind, linear, final, raise, out host, out permissions, out cacheable);
    }

    private static uint SecondLevelFail(out uint faultCode)
    {
        faultCode = SecondLevelFault | 0x8000_0000;
        return 0;
    }

    private uint Fail(uint linear, uint code, bool raise, out uint faultCode)
    {
        if (raise) throw PageFault(linear, code);
        faultCode = code | 0x8000_0000; // non-zero marker even for error code 0 (a not-present supervisor read)
        return 0;
    }
}
