namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// An EPT pointer (EPTP, VMCS field 0x201A; SDM Vol. 3C 25.6.11) and the checks VM entry makes on it
/// (SDM 26.2.1.1): bits 2:0 the memory type of the EPT paging structures, which must be one the
/// capability MSR reports (UC if IA32_VMX_EPT_VPID_CAP bit 8, WB if bit 14); bits 5:3 the page-walk
/// length minus 1, which must be 3 (a 4-level walk; bit 6 of the capability); bit 6 enables accessed
/// and dirty flags and must be 0 unless capability bit 21 is 1; bits 11:7 are reserved (bit 7, the
/// supervisor shadow-stack control of recent editions, is not supported); bits 31:12 hold the
/// 4-KByte-aligned physical address of the EPT PML4 table; bits 63:32 lie beyond the physical-address
/// width (<see cref="EptCapabilities.PhysicalAddressWidth"/>) and must be 0.
/// </summary>
public readonly struct EptPointer : IEquatable<EptPointer>
{
    private const ulong MemoryTypeMask = 0x7;
    private const int WalkLengthShift = 3;
    private const ulong WalkLengthMask = 0x7UL << WalkLengthShift;
    private const ulong AccessedDirtyBit = 1UL << 6;
    private const ulong ReservedLowBits = 0xF80; // bits 11:7

    /// <summary>The raw 64-bit value.</summary>
    public ulong Value { get; }

    private EptPointer(ulong value) => Value = value;

    /// <summary>Bits 2:0: the memory type used to access the EPT paging structures.</summary>
    public EptMemoryType MemoryType => (EptMemoryType)(Value & MemoryTypeMask);
    /// <summary>Bits 5:3 plus 1: the number of levels of the EPT walk (4).</summary>
    public int PageWalkLength => (int)((Value & WalkLengthMask) >> WalkLengthShift) + 1;
    /// <summary>Bit 6: accessed and dirty flags enabled.</summary>
    public bool AccessedDirtyEnabled => (Value & AccessedDirtyBit) != 0;
    /// <summary>Bits 31:12: the host-physical address of the EPT PML4 table.</summary>
    public uint Pml4Address => (uint)Value & ~PhysicalMemory.PageMask;

    /// <summary>
    /// Why <paramref name="value"/> is not a valid EPT pointer for a processor reporting
    /// <paramref name="eptVpidCap"/> (IA32_VMX_EPT_VPID_CAP), or null when it is valid. The first failing
    /// check is reported, in the order memory type, walk length, A/D enable, reserved bits 11:7,
    /// bits beyond the physical-address width.
    /// </summary>
    public static string? InvalidReason(ulong value, ulong eptVpidCap)
    {
        ulong type = value & MemoryTypeMask;
        bool typeOk = (type == (ulong)EptMemoryType.Uncacheable && (eptVpidCap & EptCapabilities.MemoryTypeUncacheable) != 0)
                   || (type == (ulong)EptMemoryType.WriteBack && (eptVpidCap & EptCapabilities.MemoryTypeWriteBack) != 0);
        if (!typeOk)
            return $"EPT pointer 0x{value:X16}: memory type {type} (bits 2:0) is not supported; the capability MSR allows {SupportedTypes(eptVpidCap)}.";
        ulong walk = (value & WalkLengthMask) >> WalkLengthShift;
        if (walk != 3 || (eptVpidCap & EptCapabilities.PageWalkLength4) == 0)
            return $"EPT pointer 0x{value:X16}: page-walk length minus 1 (bits 5:3) is {walk}; only 3 (a 4-level walk) is supported.";
        if ((value & AccessedDirtyBit) != 0 && (eptVpidCap & EptCapabilities.AccessedDirty) == 0)
            return $"EPT pointer 0x{value:X16}: bit 6 enables accessed and dirty flags, which the capability MSR (bit 21) does not support.";
        if ((value & ReservedLowBits) != 0)
            return $"EPT pointer 0x{value:X16}: reserved bits 11:7 are not zero (0x{value & ReservedLowBits:X}).";
        if (value >> EptCapabilities.PhysicalAddressWidth != 0)
            return $"EPT pointer 0x{value:X16}: bits 63:{EptCapabilities.PhysicalAddressWidth} are beyond the physical-address width and must be zero.";
        return null;
    }

    /// <summary><see cref="InvalidReason(ulong, ulong)"/> for VirtLab's capabilities (<see cref="EptCapabilities.Default"/>).</summary>
    public static string? InvalidReason(ulong value) => InvalidReason(value, EptCapabilities.Default);

    /// <summary>Parses <paramref name="value"/>; on failure <paramref name="reason"/> says why.</summary>
    public static bool TryParse(ulong value, ulong eptVpidCap, out EptPointer pointer, out string? reason)
    {
        reason = InvalidReason(value, eptVpidCap);
        pointer = reason is null ? new EptPointer(value) : default;
        return reason is null;
    }

    /// <summary>Parses <paramref name="value"/> against VirtLab's capabilities.</summary>
    /// <exception cref="ArgumentException">The value fails a VM-entry check; the message names which.</exception>
    public static EptPointer Parse(ulong value) => Parse(value, EptCapabilities.Default);

    /// <summary>Parses <paramref name="value"/> against <paramref name="eptVpidCap"/>.</summary>
    /// <exception cref="ArgumentException">The value fails a VM-entry check; the message names which.</exception>
    public static EptPointer Parse(ulong value, ulong eptVpidCap) =>
        TryParse(value, eptVpidCap, out var pointer, out var reason) ? pointer : throw new ArgumentException(reason, nameof(value));

    /// <summary>An EPT pointer to the PML4 table at <paramref name="pml4Address"/>, 4-level walk, no A/D flags.</summary>
    /// <exception cref="ArgumentException">The address is not 4-KByte aligned, or the type is not UC or WB.</exception>
    public static EptPointer Create(uint pml4Address, EptMemoryType memoryType = EptMemoryType.WriteBack)
    {
        if ((pml4Address & PhysicalMemory.PageMask) != 0)
            throw new ArgumentException($"EPT PML4 table address 0x{pml4Address:X8} is not 4-KByte aligned.", nameof(pml4Address));
        return Parse(pml4Address | (3UL << WalkLengthShift) | (ulong)memoryType);
    }

    private static string SupportedTypes(ulong cap)
    {
        var types = new List<string>();
        if ((cap & EptCapabilities.MemoryTypeUncacheable) != 0) types.Add("0 (uncacheable)");
        if ((cap & EptCapabilities.MemoryTypeWriteBack) != 0) types.Add("6 (write-back)");
        return types.Count == 0 ? "none" : string.Join(" and ", types);
    }

    /// <inheritdoc/>
    public bool Equals(EptPointer other) => Value == other.Value;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EptPointer other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();
    /// <summary>Equal raw values.</summary>
    public static bool operator ==(EptPointer left, EptPointer right) => left.Equals(right);
    /// <summary>Different raw values.</summary>
    public static bool operator !=(EptPointer left, EptPointer right) => !left.Equals(right);
    /// <inheritdoc/>
    public override string ToString() => $"EPTP 0x{Value:X16} (PML4 at 0x{Pml4Address:X8}, {MemoryType}, {PageWalkLength}-level)";
}
