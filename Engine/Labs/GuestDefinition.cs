namespace VirtLab.Engine.Labs;

/// <summary>One guest of a lab: its start state, memory map with resolved contents, rings, devices, technique settings and expectations.</summary>
public sealed class GuestDefinition
{
    /// <summary>Default instruction budget when the lab gives none.</summary>
    public const long DefaultMaxInstructions = 100_000_000;

    /// <summary>The guest's name, unique in its lab.</summary>
    public required string Name { get; init; }
    /// <summary>Free text (<c>description:</c>).</summary>
    public string? Description { get; init; }
    /// <summary>The default mode (<c>mode:</c>, default native).</summary>
    public GuestMode Mode { get; init; } = GuestMode.Native;
    /// <summary>The CPU state at start (<c>start:</c>).</summary>
    public GuestStartState Start { get; init; }
    /// <summary>The entry point as a physical address (null for <see cref="GuestStartState.Reset"/>).</summary>
    public uint? Entry { get; init; }
    /// <summary>Registers set after the start state is built (lower-case names: eax, esp, eflags, ...).</summary>
    public IReadOnlyDictionary<string, uint> Registers { get; init; } = new Dictionary<string, uint>();
    /// <summary>The instruction budget (<c>max-instructions:</c>).</summary>
    public long MaxInstructions { get; init; } = DefaultMaxInstructions;
    /// <summary>The memory map, in file order, with contents already assembled or read.</summary>
    public IReadOnlyList<MemoryRegionDefinition> Memory { get; init; } = Array.Empty<MemoryRegionDefinition>();
    /// <summary>The engine-built descriptor tables (<c>rings:</c>), or null when the guest uses its own (<c>rings: own</c>, or none).</summary>
    public RingSetup? Rings { get; init; }
    /// <summary>The devices the lab names (<c>devices:</c>); empty means the machine's standard set.</summary>
    public IReadOnlyList<DeviceDefinition> Devices { get; init; } = Array.Empty<DeviceDefinition>();
    /// <summary>Technique sections by name (<c>full</c>, <c>para</c>, <c>hardware</c>), kept as raw data for the technique issues.</summary>
    public IReadOnlyDictionary<string, TechniqueSettings> Techniques { get; init; } = new Dictionary<string, TechniqueSettings>();
    /// <summary>The <c>para:</c> section, typed (<see cref="ParaSettings"/>), or null when the guest has none.</summary>
    public ParaSettings? Para { get; init; }
    /// <summary>The <c>hardware:</c> section as VMCS settings (defaults when the lab has none).</summary>
    public Vmm.Hardware.HardwareSettings? Hardware { get; init; }
    /// <summary>What a correct run shows (<c>expect:</c>), or null.</summary>
    public ExpectDefinition? Expect { get; init; }
    /// <summary>Symbols of the guest's assembled regions (name to address), for entry points and debugging.</summary>
    public IReadOnlyDictionary<string, uint> Symbols { get; init; } = new Dictionary<string, uint>();
    /// <summary>Where the guest is defined.</summary>
    public required SourceLocation Location { get; init; }
}

/// <summary>One region of a guest's memory map and the bytes it starts with.</summary>
public sealed class MemoryRegionDefinition
{
    /// <summary>Region name, unique in the guest.</summary>
    public required string Name { get; init; }
    /// <summary>Physical base (4 KiB aligned).</summary>
    public uint Base { get; init; }
    /// <summary>Size in bytes (a non-zero multiple of 4 KiB).</summary>
    public uint Size { get; init; }
    /// <summary>One past the last byte.</summary>
    public ulong End => (ulong)Base + Size;
    /// <summary>What the region is.</summary>
    public LabRegionKind Kind { get; init; }
    /// <summary>For kind mmio: the memory-mapped device (<c>console</c>).</summary>
    public string? MmioDevice { get; init; }
    /// <summary>Access rights (defaults: RAM rwx, ROM r-x, unmapped none).</summary>
    public RegionPermissions Permissions { get; init; }
    /// <summary>Where the contents come from.</summary>
    public RegionContentKind ContentKind { get; init; }
    /// <summary>The pieces of contents with their physical addresses (one piece for asm, hex, flat files; one per segment for ELF).</summary>
    public IReadOnlyList<RegionContent> Contents { get; init; } = Array.Empty<RegionContent>();
    /// <summary>The fill byte, for <see cref="RegionContentKind.Fill"/>.</summary>
    public byte? Fill { get; init; }
    /// <summary>The entry point an ELF or Multiboot file names, if any.</summary>
    public uint? ImageEntry { get; init; }
    /// <summary>The full path of a <c>file:</c> or <c>source:</c>, if any.</summary>
    public string? FilePath { get; init; }
    /// <summary>Where the region is defined.</summary>
    public required SourceLocation Location { get; init; }
}

/// <summary>Bytes placed at a physical address (the rest of <see cref="MemorySize"/> is zero).</summary>
public sealed record RegionContent(uint Address, byte[] Bytes, uint MemorySize);

/// <summary>
/// The flat ring-0/1/3 layout the engine builds (<c>rings:</c>): a GDT (null, then code and data for
/// rings 0, 1 and 3, then a TSS), the TSS with the ring-0 and ring-1 stacks, an IDT with the
/// handlers the lab names, and for paged32 the identity page tables. All at <see cref="Tables"/>.
/// </summary>
public sealed class RingSetup
{
    /// <summary>Physical address of the tables (4 KiB aligned, inside RAM).</summary>
    public uint Tables { get; init; }
    /// <summary>The ring the entry point runs in (0, 1 or 3).</summary>
    public int EntryRing { get; init; }
    /// <summary>ESP0 in the TSS (the stack an interrupt from ring 1 or 3 switches to).</summary>
    public uint KernelStack { get; init; }
    /// <summary>ESP1 in the TSS.</summary>
    public uint Ring1Stack { get; init; }
    /// <summary>IDT gates: vector to handler address (exceptions 0-31 get DPL 0 gates, vectors 32-255 DPL 3 so that INT n works from every ring).</summary>
    public IReadOnlyDictionary<int, uint> Interrupts { get; init; } = new Dictionary<int, uint>();
    /// <summary>Where the section is.</summary>
    public required SourceLocation Location { get; init; }
}

/// <summary>A device the lab names, at its port.</summary>
public sealed record DeviceDefinition(string Type, ushort Port, SourceLocation Location);

/// <summary>A technique's section kept as raw data (strings, lists and maps of them) until the technique issue types it.</summary>
public sealed record TechniqueSettings(string Technique, IReadOnlyDictionary<string, object?> Values, SourceLocation Location);
