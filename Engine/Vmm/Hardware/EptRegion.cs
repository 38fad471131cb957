namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// One guest-physical range an <see cref="EptBuilder"/> maps: <see cref="Size"/> bytes at
/// <see cref="GuestBase"/> onto host-physical <see cref="HostBase"/> (equal for an identity map), with
/// the access rights and leaf memory type of every page in it. Bases and size are multiples of 4 KiB.
/// </summary>
/// <param name="GuestBase">First guest-physical address.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="HostBase">Host-physical address <paramref name="GuestBase"/> maps to.</param>
/// <param name="Permissions">Read/write/execute rights of the leaf entries.</param>
/// <param name="MemoryType">Memory type of the leaf entries (bits 5:3).</param>
public readonly record struct EptRegion(uint GuestBase, uint Size, uint HostBase, EptPermissions Permissions, EptMemoryType MemoryType = EptMemoryType.WriteBack)
{
    /// <summary>An identity-mapped region (host-physical = guest-physical).</summary>
    public static EptRegion Identity(uint baseAddress, uint size, EptPermissions permissions, EptMemoryType memoryType = EptMemoryType.WriteBack) =>
        new(baseAddress, size, baseAddress, permissions, memoryType);

    /// <summary>One past the last guest-physical byte (64-bit: a region may end at 4 GiB).</summary>
    public ulong GuestEnd => (ulong)GuestBase + Size;
    /// <summary>One past the last host-physical byte.</summary>
    public ulong HostEnd => (ulong)HostBase + Size;

    /// <inheritdoc/>
    public override string ToString() =>
        $"guest 0x{GuestBase:X8}-0x{GuestEnd - 1:X8} -> host 0x{HostBase:X8} {Permissions} {MemoryType}";
}
