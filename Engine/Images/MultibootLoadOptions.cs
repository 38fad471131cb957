namespace VirtLab.Engine.Images;

/// <summary>A Multiboot boot module: bytes loaded page aligned after the kernel, and its string (usually a file name and arguments).</summary>
public sealed record MultibootModule(byte[] Data, string String);

/// <summary>What the Multiboot loader passes to the kernel besides the image.</summary>
public sealed record MultibootLoadOptions
{
    /// <summary>
    /// Default physical address of the boot information area (GDT, info structure, memory map,
    /// module list, strings): 0x8000, low memory that kernels linked at 1 MiB never use.
    /// </summary>
    public const uint DefaultBootInfoAddress = 0x8000;

    /// <summary>The kernel command line (info flag bit 2); null passes none.</summary>
    public string? CommandLine { get; init; }
    /// <summary>The boot loader name (info flag bit 9).</summary>
    public string BootLoaderName { get; init; } = "VirtLab";
    /// <summary>Boot modules (info flag bit 3), loaded in order, each on a 4 KiB boundary after the kernel.</summary>
    public IReadOnlyList<MultibootModule> Modules { get; init; } = Array.Empty<MultibootModule>();
    /// <summary>Where the boot information area goes (8-byte aligned); it must not overlap the kernel or a module.</summary>
    public uint BootInfoAddress { get; init; } = DefaultBootInfoAddress;
}

/// <summary>Where the Multiboot loader put things, as the kernel sees them at entry.</summary>
/// <param name="InfoAddress">Physical address of the Multiboot info structure (EBX at entry).</param>
/// <param name="GdtAddress">Physical address of the GDT (GDTR.base at entry).</param>
/// <param name="BootInfoEnd">One past the last byte of the boot information area.</param>
/// <param name="Modules">Each module's [start, end) physical range, end exclusive as in mod_end.</param>
/// <param name="Entry">EIP at entry.</param>
public sealed record MultibootBootInfo(uint InfoAddress, uint GdtAddress, uint BootInfoEnd, IReadOnlyList<(uint Start, uint End)> Modules, uint Entry);
