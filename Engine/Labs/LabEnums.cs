namespace VirtLab.Engine.Labs;

/// <summary>How a guest runs: on the bare engine, or under one of the three virtualization techniques.</summary>
public enum GuestMode
{
    /// <summary>No monitor: the guest owns the machine.</summary>
    Native,
    /// <summary>Full virtualization by binary translation (VMware style).</summary>
    Full,
    /// <summary>Xen-style paravirtualization (hypercalls).</summary>
    Para,
    /// <summary>Simulated VT-x (hardware-assisted virtualization).</summary>
    Hardware,
}

/// <summary>The CPU state a guest starts in.</summary>
public enum GuestStartState
{
    /// <summary>Power-on reset: CS base FFFF0000, EIP FFF0 (a ROM must cover the reset vector).</summary>
    Reset,
    /// <summary>Real mode at the entry point (CS:IP derived from the entry address, as a boot sector).</summary>
    Real16,
    /// <summary>Flat 32-bit protected mode, paging off, with a GDT the engine writes.</summary>
    Protected32,
    /// <summary>Flat 32-bit protected mode with paging on: the engine identity-maps every RAM and ROM region.</summary>
    Paged32,
}

/// <summary>What a memory region is.</summary>
public enum LabRegionKind
{
    /// <summary>Read/write memory.</summary>
    Ram,
    /// <summary>Read-only memory: guest writes are dropped (and counted).</summary>
    Rom,
    /// <summary>A memory-mapped device (<c>device: console</c>): accesses go to the device, whole.</summary>
    Mmio,
    /// <summary>A hole: reads return 0xFF, writes are dropped.</summary>
    Unmapped,
}

/// <summary>Access rights written in a region's <c>permissions</c> (rwx letters).</summary>
[Flags]
public enum RegionPermissions
{
    /// <summary>No access (unmapped).</summary>
    None = 0,
    /// <summary>r: the guest may read.</summary>
    Read = 1,
    /// <summary>w: the guest may write.</summary>
    Write = 2,
    /// <summary>x: the guest may execute.</summary>
    Execute = 4,
}

/// <summary>Where a region's contents come from.</summary>
public enum RegionContentKind
{
    /// <summary>No contents (RAM starts zeroed; ROM filled with 0xFF).</summary>
    None,
    /// <summary>Inline Intel-syntax source (<c>asm:</c>).</summary>
    Asm,
    /// <summary>An assembly source file (<c>source:</c>), relative to the lab file.</summary>
    Source,
    /// <summary>A flat, ELF32 or Multiboot image file (<c>file:</c>), relative to the lab file.</summary>
    File,
    /// <summary>Bytes written in hex (<c>hex:</c>).</summary>
    Hex,
    /// <summary>One byte value repeated over the whole region (<c>fill:</c>).</summary>
    Fill,
}
