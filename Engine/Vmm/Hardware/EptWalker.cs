namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Translates guest-physical addresses through a 4-level EPT held in host-physical memory (SDM Vol. 3C
/// 28.2.2-28.2.3). Guest-physical addresses are 32 bits wide here, so the PML4 index (bits 47:39) is
/// always 0. Each entry is read as two 32-bit halves from <see cref="PhysicalMemory"/>.
/// <para>At every level, in this order: bits 2:0 = 000b is not present (EPT violation); bits 2:0 = 010b
/// or 110b (writable, not readable) is a misconfiguration; 100b (execute-only) is a misconfiguration
/// when capability bit 0 is clear; a set reserved bit is a misconfiguration (bits 51:32, beyond the
/// 32-bit physical-address width; bits 7:3 of a PML4E; bits 6:3 of a PDPTE or PDE that references a
/// table; bit 7 of a PDPTE, as 1-GByte pages are not supported; bits 20:12 of a PDE that maps a 2-MByte
/// page; bit 7 of a PDE when 2-MByte pages are not supported); a leaf memory type (bits 5:3) of 2, 3 or
/// 7 is a misconfiguration. Only after a complete walk without misconfiguration are the access rights
/// (the AND of bits 2:0 over all levels) checked: a read needs bit 0, a write bit 1, a fetch bit 2.</para>
/// <para>Ignored bits (11:8 without A/D flags and mode-based execute, 63:52 with no #VE) are ignored.</para>
/// </summary>
public sealed class EptWalker
{
    private const ulong RwxMask = 0x7;
    private const ulong LargePageBit = 1UL << 7;
    private const ulong AddressMask = 0xFFFF_F000UL; // bits 31:12 (MAXPHYADDR 32)
    private const ulong TableReservedBits = 0x78;     // bits 6:3 of a PDPTE/PDE referencing a table
    private const ulong Pml4eReservedBits = 0xF8;     // bits 7:3
    private const ulong LargePdeReservedBits = 0x1F_F000; // bits 20:12
    private const uint LargePageSize = 1u << 21;

    private static readonly string[] LevelNames = ["", "EPT PTE", "EPT PDE", "EPT PDPTE", "EPT PML4E"];

    private readonly PhysicalMemory _memory;
    private readonly ulong _cap;

    /// <summary>The EPT pointer the walks start from.</summary>
    public EptPointer Pointer { get; }

    /// <summary>A walker over <paramref name="memory"/> for <paramref name="pointer"/>, with VirtLab's capabilities.</summary>
    /// <exception cref="ArgumentException">See <see cref="EptWalker(PhysicalMemory, EptPointer, ulong)"/>.</exception>
    public EptWalker(PhysicalMemory memory, EptPointer pointer) : this(memory, pointer, EptCapabilities.Default) { }

    /// <summary>A walker over <paramref name="memory"/> for <paramref name="pointer"/> on a processor reporting <paramref name="eptVpidCap"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="memory"/> is null.</exception>
    /// <exception cref="ArgumentException">The pointer is not valid for the capabilities (a default
    /// <see cref="EptPointer"/>, for instance), enables accessed/dirty flags, or the capabilities offer
    /// something this walker does not model (5-level walks, 1-GByte pages, accessed/dirty flags).</exception>
    public EptWalker(PhysicalMemory memory, EptPointer pointer, ulong eptVpidCap)
    {
        ArgumentNullException.ThrowIfNull(memory);
        const ulong unmodelled = EptCapabilities.PageWalkLength5 | EptCapabilities.LargePage1G | EptCapabilities.AccessedDirty;
        if ((eptVpidCap & unmodelled) != 0)
            throw new ArgumentException($"IA32_VMX_EPT_VPID_CAP 0x{eptVpidCap:X16} offers features the EPT walker does not model (bits 7, 17 or 21: 5-level walks, 1-GByte pages, accessed/dirty flags).", nameof(eptVpidCap));
        if (EptPointer.InvalidReason(pointer.Value, eptVpidCap) is { } reason)
            throw new ArgumentException(reason, nameof(pointer));
        _memory = memory;
        _cap = eptVpidCap;
        Pointer = pointer;
    }

    /// <summary>
    /// Translates <paramref name="guestPhysicalAddress"/> for <paramref name="access"/>. The two flags are
    /// copied into an EPT violation's qualification: bit 7 (<paramref name="guestLinearAddressValid"/>, the
    /// guest-linear-address field is valid) and bit 8 (<paramref name="accessToTranslation"/>, the access
    /// was to the translation of that linear address rather than to a guest paging-structure entry).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="access"/> is not a defined kind.</exception>
    /// <exception cref="ArgumentException"><paramref name="accessToTranslation"/> is set without
    /// <paramref name="guestLinearAddressValid"/> (bit 8 is defined only when bit 7 is 1).</exception>
    public EptTranslation Translate(uint guestPhysicalAddress, EptAccessKind access, bool guestLinearAddressValid = false, bool accessToTranslation = false)
    {
        CheckArguments(access, guestLinearAddressValid, accessToTranslation);

        ulong permissions = RwxMask;
        uint table = Pointer.Pml4Address;
        for (int level = 4; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            uint index = level == 4 ? 0 : (guestPhysicalAddress >> shift) & 0x1FF;
            uint entryAddress = table + index * 8;
            ulong entry = _memory.ReadUInt32(entryAddress) | (ulong)_memory.ReadUInt32(entryAddress + 4) << 32;
            ulong rwx = entry & RwxMask;
            permissions &= rwx;

            EptTranslation Stop(EptOutcome outcome, string reason) => new()
            {
                Outcome = outcome, GuestPhysicalAddress = guestPhysicalAddress, Access = access,
                Permissions = (EptPermissions)permissions, Level = level, EntryAddress = entryAddress, Entry = entry,
                ExitQualification = outcome == EptOutcome.Violation ? Qualification(access, (EptPermissions)permissions, guestLinearAddressValid, accessToTranslation) : 0,
                Reason = $"{LevelNames[level]} 0x{entry:X16} at 0x{entryAddress:X8} (guest-physical 0x{guestPhysicalAddress:X8}): {reason}",
            };

            if (rwx == 0)
                return Stop(EptOutcome.Violation, "not present (bits 2:0 = 000b).");
            if ((rwx & 1) == 0 && (rwx & 2) != 0)
                return Stop(EptOutcome.Misconfiguration, $"bits 2:0 = {Bits(rwx)}b, writable but not readable.");
            if (rwx == 4 && (_cap & EptCapabilities.ExecuteOnly) == 0)
                return Stop(EptOutcome.Misconfiguration, "bits 2:0 = 100b, execute-only, which the processor does not support (IA32_VMX_EPT_VPID_CAP bit 0 = 0).");
            if ((entry & EptCapabilities.ReservedAddressBits) != 0)
                return Stop(EptOutcome.Misconfiguration, $"reserved bits 51:{EptCapabilities.PhysicalAddressWidth} (beyond the physical-address width) are set.");

            bool large = (entry & LargePageBit) != 0;
            bool leaf = level == 1;
            switch (level)
            {
                case 4:
                    if ((entry & Pml4eReservedBits) != 0)
                        return Stop(EptOutcome.Misconfiguration, "reserved bits 7:3 are set.");
                    break;
                case 3:
                    if (large)
                        return Stop(EptOutcome.Misconfiguration, "bit 7 (1-GByte page) is set; 1-GByte pages are not supported (IA32_VMX_EPT_VPID_CAP bit 17 = 0), so it is reserved.");
                    if ((entry & TableReservedBits) != 0)
                        return Stop(EptOutcome.Misconfiguration, "reserved bits 6:3 are set.");
                    break;
                case 2:
                    if (large)
                    {
                        if ((_cap & EptCapabilities.LargePage2M) == 0)
                            return Stop(EptOutcome.Misconfiguration, "bit 7 (2-MByte page) is set; 2-MByte pages are not supported (IA32_VMX_EPT_VPID_CAP bit 16 = 0), so it is reserved.");
                        if ((entry & LargePdeReservedBits) != 0)
                            return Stop(EptOutcome.Misconfiguration, "reserved bits 20:12 of a 2-MByte page entry are set.");
                        leaf = true;
                    }
                    else if ((entry & TableReservedBits) != 0)
                        return Stop(EptOutcome.Misconfiguration, "reserved bits 6:3 are set.");
                    break;
            }

            if (!leaf)
            {
                table = (uint)(entry & AddressMask);
                continue;
            }

            int type = (int)((entry >> 3) & 0x7);
            if (!EptMemoryTypes.IsDefined(type))
                return Stop(EptOutcome.Misconfiguration, $"memory type {type} (bits 5:3) is reserved.");

            ulong needed = 1UL << (int)access;
            if ((permissions & needed) == 0)
                return Stop(EptOutcome.Violation, $"{AccessName(access)} not allowed: the walk's access rights are {Rights(permissions)}.");

            uint pageSize = level == 2 ? LargePageSize : PhysicalMemory.PageSize;
            uint frame = (uint)(entry & AddressMask) & ~(pageSize - 1);
            return new EptTranslation
            {
                Outcome = EptOutcome.Translated, GuestPhysicalAddress = guestPhysicalAddress, Access = access,
                HostPhysicalAddress = frame | (guestPhysicalAddress & (pageSize - 1)),
                Permissions = (EptPermissions)permissions, Level = level, EntryAddress = entryAddress, Entry = entry,
                PageSize = pageSize, MemoryType = (EptMemoryType)type, IgnorePat = (entry & (1UL << 6)) != 0,
            };
        }
        throw new InvalidOperationException("unreachable: a PTE is always a leaf");
    }

    /// <summary>
    /// The EPT-violation exit qualification (SDM table 27-7): bit <c>access</c> (0 read, 1 write, 2 fetch),
    /// bits 5:3 the AND of the walk's read/write/execute bits, bit 7 guest-linear-address valid, bit 8 the
    /// access was to the translation of that linear address.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="access"/> is not a defined kind, or
    /// <paramref name="permissions"/> has bits beyond 2:0.</exception>
    /// <exception cref="ArgumentException"><paramref name="accessToTranslation"/> without <paramref name="guestLinearAddressValid"/>.</exception>
    public static ulong Qualification(EptAccessKind access, EptPermissions permissions, bool guestLinearAddressValid, bool accessToTranslation)
    {
        CheckArguments(access, guestLinearAddressValid, accessToTranslation);
        if (((ulong)permissions & ~RwxMask) != 0)
            throw new ArgumentOutOfRangeException(nameof(permissions), permissions, "EPT permissions have only bits 2:0 (read, write, execute)");
        return (1UL << (int)access) | ((ulong)permissions & RwxMask) << 3 | (guestLinearAddressValid ? 1UL << 7 : 0) | (accessToTranslation ? 1UL << 8 : 0);
    }

    private static void CheckArguments(EptAccessKind access, bool guestLinearAddressValid, bool accessToTranslation)
    {
        if (access is not (EptAccessKind.Read or EptAccessKind.Write or EptAccessKind.Fetch))
            throw new ArgumentOutOfRangeException(nameof(access), access, "not an EPT access kind (Read, Write, Fetch)");
        if (accessToTranslation && !guestLinearAddressValid)
            throw new ArgumentException("EPT violation qualification bit 8 (access to the translation of a linear address) is defined only when bit 7 (guest linear address valid) is set.", nameof(accessToTranslation));
    }

    private static string Bits(ulong rwx) => Convert.ToString((int)rwx, 2).PadLeft(3, '0');
    private static string AccessName(EptAccessKind access) => access switch
    {
        EptAccessKind.Read => "data read",
        EptAccessKind.Write => "data write",
        _ => "instruction fetch",
    };
    private static string Rights(ulong p) => p == 0 ? "none" : $"{((p & 1) != 0 ? "R" : "-")}{((p & 2) != 0 ? "W" : "-")}{((p & 4) != 0 ? "X" : "-")}";
}
