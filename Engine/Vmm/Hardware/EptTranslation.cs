namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>How an EPT walk ended.</summary>
public enum EptOutcome
{
    /// <summary>The access is allowed: <see cref="EptTranslation.HostPhysicalAddress"/> is valid.</summary>
    Translated,
    /// <summary>An EPT violation (basic exit reason 48): <see cref="EptTranslation.ExitQualification"/> is valid.</summary>
    Violation,
    /// <summary>An EPT misconfiguration (basic exit reason 49): no exit qualification.</summary>
    Misconfiguration,
}

/// <summary>
/// The result of translating one guest-physical address through the EPT (SDM Vol. 3C 28.2.3):
/// the host-physical address and the leaf's attributes, or the EPT violation with its exit
/// qualification, or the EPT misconfiguration, each with the entry where the walk stopped.
/// </summary>
public sealed record EptTranslation
{
    /// <summary>How the walk ended.</summary>
    public required EptOutcome Outcome { get; init; }
    /// <summary>The guest-physical address translated (the VMCS guest-physical address field on an exit).</summary>
    public required uint GuestPhysicalAddress { get; init; }
    /// <summary>The access that used the address.</summary>
    public required EptAccessKind Access { get; init; }
    /// <summary>The host-physical address; 0 unless <see cref="Outcome"/> is <see cref="EptOutcome.Translated"/>.</summary>
    public uint HostPhysicalAddress { get; init; }
    /// <summary>The AND of bits 2:0 over every entry read by the walk (including a not-present last one).</summary>
    public EptPermissions Permissions { get; init; }
    /// <summary>Level of the last entry read: 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE.</summary>
    public int Level { get; init; }
    /// <summary>Host-physical address of the last entry read.</summary>
    public uint EntryAddress { get; init; }
    /// <summary>The value of the last entry read.</summary>
    public ulong Entry { get; init; }
    /// <summary>Size of the page mapped by the leaf (4 KiB or 2 MiB); 0 when the walk did not reach a leaf.</summary>
    public uint PageSize { get; init; }
    /// <summary>The leaf's memory type (bits 5:3).</summary>
    public EptMemoryType MemoryType { get; init; }
    /// <summary>The leaf's ignore-PAT bit (bit 6).</summary>
    public bool IgnorePat { get; init; }
    /// <summary>The EPT-violation exit qualification (SDM table 27-7); 0 for the other outcomes.</summary>
    public ulong ExitQualification { get; init; }
    /// <summary>Why the access failed, naming the entry, its address and the rule; null when translated.</summary>
    public string? Reason { get; init; }

    /// <summary>The basic exit reason the outcome causes, or null when translated.</summary>
    public VmExitReason? ExitReason => Outcome switch
    {
        EptOutcome.Violation => VmExitReason.EptViolation,
        EptOutcome.Misconfiguration => VmExitReason.EptMisconfig,
        _ => null,
    };
}
