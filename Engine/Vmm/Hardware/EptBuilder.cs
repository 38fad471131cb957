namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Builds a 4-level EPT (SDM Vol. 3C 28.2.2) in an area of host RAM the VMM owns, from a list of
/// non-overlapping guest-physical regions. Each region is mapped with 2-MByte pages wherever a 2-MByte
/// guest block lies wholly inside it and its host address is 2-MByte aligned (and the capability MSR
/// offers 2-MByte pages), with 4-KByte pages elsewhere. Guest-physical addresses outside every region
/// have no present entry, so any access to them is an EPT violation. Non-leaf entries grant read, write
/// and execute, so the leaf entries alone decide the rights.
/// <para>Layout of the area: the PML4 table first (the EPT pointer's address), then the PDPT, then one
/// page directory per 1-GByte guest block used, then one page table per 2-MByte block that needs
/// 4-KByte pages, in ascending guest-address order.</para>
/// </summary>
public sealed class EptBuilder
{
    private const uint LargePageSize = 1u << 21;
    private const ulong TablePointerRights = (ulong)EptPermissions.All;

    private readonly PhysicalMemory _memory;
    private readonly ulong _cap;
    private readonly List<EptRegion> _regions = new();

    /// <summary>First host-physical byte of the table area.</summary>
    public uint AreaBase { get; }
    /// <summary>Size of the table area in bytes.</summary>
    public uint AreaSize { get; }
    /// <summary>The regions added so far, in the order added.</summary>
    public IReadOnlyList<EptRegion> Regions => _regions;

    /// <summary>
    /// True when the tables live in memory the guest's host-physical addresses never reach (the
    /// HardwareMonitor's own memory): the check that a region does not map the table area is then moot.
    /// </summary>
    public bool TablesInSeparateMemory { get; init; }

    /// <summary>A builder for VirtLab's capabilities; see <see cref="EptBuilder(PhysicalMemory, uint, uint, ulong)"/>.</summary>
    public EptBuilder(PhysicalMemory memory, uint areaBase, uint areaSize) : this(memory, areaBase, areaSize, EptCapabilities.Default) { }

    /// <summary>A builder that writes its tables into <paramref name="areaSize"/> bytes of RAM at <paramref name="areaBase"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="memory"/> is null.</exception>
    /// <exception cref="ArgumentException">The area is empty, not 4-KByte aligned, runs past 4 GiB or is not entirely RAM.</exception>
    public EptBuilder(PhysicalMemory memory, uint areaBase, uint areaSize, ulong eptVpidCap)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (areaSize == 0 || (areaSize & PhysicalMemory.PageMask) != 0 || (areaBase & PhysicalMemory.PageMask) != 0)
            throw new ArgumentException($"EPT table area 0x{areaBase:X8} size 0x{areaSize:X}: base and size must be non-zero multiples of 4 KiB.", nameof(areaSize));
        if ((ulong)areaBase + areaSize > 1UL << 32)
            throw new ArgumentException($"EPT table area 0x{areaBase:X8} size 0x{areaSize:X} runs past 4 GiB.", nameof(areaSize));
        for (ulong a = areaBase; a < (ulong)areaBase + areaSize; a += PhysicalMemory.PageSize)
            if (memory.KindAt((uint)a) != MemoryRegionKind.Ram)
                throw new ArgumentException($"EPT table area 0x{areaBase:X8} size 0x{areaSize:X}: page 0x{a:X8} is {memory.KindAt((uint)a)}, not RAM.", nameof(areaBase));
        _memory = memory;
        _cap = eptVpidCap;
        AreaBase = areaBase;
        AreaSize = areaSize;
    }

    /// <summary>Adds an identity-mapped region.</summary>
    /// <exception cref="ArgumentException">See <see cref="Add(EptRegion)"/>.</exception>
    public EptBuilder AddIdentity(uint baseAddress, uint size, EptPermissions permissions, EptMemoryType memoryType = EptMemoryType.WriteBack) =>
        Add(EptRegion.Identity(baseAddress, size, permissions, memoryType));

    /// <summary>Adds a region after checking it.</summary>
    /// <exception cref="ArgumentException">The region is empty or not 4-KByte aligned, runs past 4 GiB on
    /// either side, has rights that would be not present or a misconfiguration (none; write without read;
    /// execute-only without capability bit 0; bits beyond 2:0), a reserved memory type, overlaps an earlier
    /// region's guest range, or maps host memory holding the EPT tables.</exception>
    public EptBuilder Add(EptRegion region)
    {
        string what = $"EPT region {region}";
        if (region.Size == 0 || ((region.GuestBase | region.HostBase | region.Size) & PhysicalMemory.PageMask) != 0)
            throw new ArgumentException($"{what}: guest base, host base and size must be non-zero multiples of 4 KiB.", nameof(region));
        if (region.GuestEnd > 1UL << 32)
            throw new ArgumentException($"{what}: the guest-physical range runs past 4 GiB.", nameof(region));
        if (region.HostEnd > 1UL << 32)
            throw new ArgumentException($"{what}: the host-physical range runs past 4 GiB.", nameof(region));
        var p = region.Permissions;
        if (((uint)p & ~(uint)EptPermissions.All) != 0)
            throw new ArgumentException($"{what}: permissions 0x{(uint)p:X} have bits beyond read (0), write (1) and execute (2).", nameof(region));
        if (p == EptPermissions.None)
            throw new ArgumentException($"{what}: no read, write or execute right; leave the range out instead (an unlisted range is not present).", nameof(region));
        if ((p & EptPermissions.Write) != 0 && (p & EptPermissions.Read) == 0)
            throw new ArgumentException($"{what}: write without read is an EPT misconfiguration.", nameof(region));
        if (p == EptPermissions.Execute && (_cap & EptCapabilities.ExecuteOnly) == 0)
            throw new ArgumentException($"{what}: execute-only entries are not supported (IA32_VMX_EPT_VPID_CAP bit 0 = 0).", nameof(region));
        if (!EptMemoryTypes.IsDefined((int)region.MemoryType))
            throw new ArgumentException($"{what}: memory type {(int)region.MemoryType} is reserved (valid: 0, 1, 4, 5, 6).", nameof(region));
        foreach (var other in _regions)
            if (region.GuestBase < other.GuestEnd && other.GuestBase < region.GuestEnd)
                throw new ArgumentException($"{what} overlaps {other} in guest-physical space.", nameof(region));
        if (!TablesInSeparateMemory && region.HostBase < (ulong)AreaBase + AreaSize && AreaBase < region.HostEnd)
            throw new ArgumentException($"{what} maps host memory of the EPT table area 0x{AreaBase:X8}-0x{(ulong)AreaBase + AreaSize - 1:X8}; the guest must not reach its own EPT.", nameof(region));
        _regions.Add(region);
        return this;
    }

    /// <summary>The number of 4-KByte tables <see cref="Build"/> writes for the current regions.</summary>
    public int TablesNeeded
    {
        get
        {
            var (directories, pageTables) = Plan();
            return 2 + directories.Count + pageTables.Count;
        }
    }

    /// <summary>
    /// Zeroes the tables the regions need, writes them into the area and returns the EPT pointer to the
    /// PML4 table (4-level walk, no A/D flags, <paramref name="structureMemoryType"/> for the structures).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tables do not fit in the area.</exception>
    /// <exception cref="ArgumentException"><paramref name="structureMemoryType"/> is not one the capability MSR allows (UC, WB).</exception>
    public EptPointer Build(EptMemoryType structureMemoryType = EptMemoryType.WriteBack)
    {
        var (directories, pageTables) = Plan();
        int needed = 2 + directories.Count + pageTables.Count;
        uint available = AreaSize >> PhysicalMemory.PageShift;
        if (needed > available)
            throw new InvalidOperationException(
                $"EPT tables for {_regions.Count} region(s) need {needed} pages ({needed * 4} KiB: PML4, PDPT, {directories.Count} page directories, {pageTables.Count} page tables) but the area at 0x{AreaBase:X8} holds {available} ({AreaSize / 1024} KiB).");
        var pointer = EptPointer.Parse(AreaBase | 3UL << 3 | (ulong)structureMemoryType, _cap);

        uint next = AreaBase;
        uint Allocate()
        {
            uint table = next;
            next += PhysicalMemory.PageSize;
            for (uint i = 0; i < PhysicalMemory.PageSize; i += 4) _memory.WriteUInt32(table + i, 0);
            return table;
        }
        uint pml4 = Allocate();
        uint pdpt = Allocate();
        WriteEntry(pml4, pdpt | TablePointerRights);
        var directoryAt = new Dictionary<uint, uint>();
        foreach (uint gb in directories)
        {
            uint pd = Allocate();
            directoryAt[gb] = pd;
            WriteEntry(pdpt + gb * 8, pd | TablePointerRights);
        }
        var pageTableAt = new Dictionary<uint, uint>();
        foreach (uint block in pageTables)
        {
            uint pt = Allocate();
            pageTableAt[block] = pt;
            WriteEntry(directoryAt[block >> 9] + (block & 0x1FF) * 8, pt | TablePointerRights);
        }

        foreach (var r in _regions)
        {
            ulong leafBits = (ulong)r.Permissions | (ulong)r.MemoryType << 3;
            foreach (var (guest, host, large) in Pages(r))
            {
                if (large)
                    WriteEntry(directoryAt[guest >> 30] + ((guest >> 21) & 0x1FF) * 8, host | leafBits | 1UL << 7);
                else
                    WriteEntry(pageTableAt[guest >> 21] + ((guest >> 12) & 0x1FF) * 8, host | leafBits);
            }
        }
        return pointer;
    }

    // The 1-GByte blocks that need a page directory and the 2-MByte blocks that need a page table, sorted.
    private (SortedSet<uint> Directories, SortedSet<uint> PageTables) Plan()
    {
        var directories = new SortedSet<uint>();
        var pageTables = new SortedSet<uint>();
        foreach (var r in _regions)
        {
            directories.UnionWith(Enumerable.Range((int)(r.GuestBase >> 30), (int)((r.GuestEnd - 1) >> 30) - (int)(r.GuestBase >> 30) + 1).Select(i => (uint)i));
            foreach (var (guest, _, large) in Pages(r))
                if (!large) pageTables.Add(guest >> 21);
        }
        return (directories, pageTables);
    }

    // The leaf pages of a region: a 2-MByte page where the guest block is wholly inside and the host is aligned.
    private IEnumerable<(uint Guest, uint Host, bool Large)> Pages(EptRegion r)
    {
        bool largeOk = (_cap & EptCapabilities.LargePage2M) != 0;
        ulong guest = r.GuestBase;
        ulong host = r.HostBase;
        while (guest < r.GuestEnd)
        {
            bool large = largeOk && guest % LargePageSize == 0 && host % LargePageSize == 0 && r.GuestEnd - guest >= LargePageSize;
            yield return ((uint)guest, (uint)host, large);
            uint step = large ? LargePageSize : PhysicalMemory.PageSize;
            guest += step;
            host += step;
        }
    }

    private void WriteEntry(uint address, ulong value)
    {
        _memory.WriteUInt32(address, (uint)value);
        _memory.WriteUInt32(address + 4, (uint)(value >> 32));
    }
}
