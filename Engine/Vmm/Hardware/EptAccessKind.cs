namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The kind of access that uses a guest-physical address, as the EPT violation exit qualification
/// reports it (SDM Vol. 3C 28.2.3.2 and table 27-7: bit 0 data read, bit 1 data write, bit 2
/// instruction fetch). Reads of guest paging structures are data reads; writes of their accessed and
/// dirty flags are data writes.
/// </summary>
public enum EptAccessKind
{
    /// <summary>A data read (qualification bit 0).</summary>
    Read = 0,
    /// <summary>A data write (qualification bit 1).</summary>
    Write = 1,
    /// <summary>An instruction fetch (qualification bit 2).</summary>
    Fetch = 2,
}
