namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The access rights of an EPT paging-structure entry, bits 2:0 (SDM Vol. 3C 28.2.2): bit 0 read,
/// bit 1 write, bit 2 execute. All three clear means the entry is not present.
/// </summary>
[Flags]
public enum EptPermissions : byte
{
    /// <summary>No access: the entry is not present.</summary>
    None = 0,
    /// <summary>Bit 0: reads allowed.</summary>
    Read = 1,
    /// <summary>Bit 1: writes allowed (never without <see cref="Read"/>: that is a misconfiguration).</summary>
    Write = 2,
    /// <summary>Bit 2: instruction fetches allowed (alone only when execute-only entries are supported).</summary>
    Execute = 4,
    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
    /// <summary>Read and execute.</summary>
    ReadExecute = Read | Execute,
    /// <summary>Read, write and execute.</summary>
    All = Read | Write | Execute,
}
