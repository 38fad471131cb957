namespace VirtLab.Engine.Images;

/// <summary>Where the ELF and flat 32-bit loaders put the GDT and the stack.</summary>
public sealed record ProtectedModeLoadOptions
{
    /// <summary>Physical address of the 24-byte GDT (default 0x8000); it must not overlap the image.</summary>
    public uint GdtAddress { get; init; } = 0x8000;
    /// <summary>ESP at entry (default 0x8000: the stack grows down below the GDT).</summary>
    public uint StackPointer { get; init; } = 0x8000;
}

/// <summary>
/// Loads guest images into a <see cref="Machine"/> and enters them. Each loader validates the
/// whole placement first (every byte in RAM, no two pieces overlapping) and throws
/// <see cref="ImageException"/> without touching memory or the CPU when it fails.
/// </summary>
public static class ImageLoader
{
    /// <summary>
    /// Loads an ELF32 executable's PT_LOAD segments at their physical addresses (p_filesz bytes
    /// copied, the rest of p_memsz zero-filled), writes the flat GDT, and enters flat 32-bit
    /// protected mode (<see cref="FlatProtectedMode"/>) at the physical entry point.
    /// </summary>
    public static void LoadElf(Machine machine, ElfImage elf, ProtectedModeLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(elf);
        options ??= new ProtectedModeLoadOptions();
        var plan = new LoadPlan();
        foreach (var s in elf.Segments) plan.Add(s.ToImageSegment());
        EnterWithGdt(machine, plan, options, elf.PhysicalEntry);
    }

    /// <summary>
    /// Loads a flat binary at <paramref name="loadAddress"/> and enters it in flat 32-bit protected
    /// mode at <paramref name="entry"/> (default: the load address). For a real-mode boot sector use
    /// <see cref="Machine.LoadFlatImage"/>.
    /// </summary>
    public static void LoadFlat32(Machine machine, byte[] image, uint loadAddress, uint? entry = null, ProtectedModeLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(image);
        options ??= new ProtectedModeLoadOptions();
        uint eip = entry ?? loadAddress;
        if (eip < loadAddress || (ulong)eip >= (ulong)loadAddress + (ulong)image.Length)
            throw new ImageException($"Flat image: the entry point 0x{eip:X8} is outside the image 0x{loadAddress:X8}+0x{image.Length:X}.");
        var plan = new LoadPlan();
        plan.Add(new ImageSegment("flat image", loadAddress, image, (uint)image.Length));
        EnterWithGdt(machine, plan, options, eip);
    }

    private static void EnterWithGdt(Machine machine, LoadPlan plan, ProtectedModeLoadOptions options, uint entry)
    {
        plan.Add(new ImageSegment("the loader's GDT", options.GdtAddress, FlatProtectedMode.GdtBytes(), FlatProtectedMode.GdtSize));
        plan.Validate(machine.Memory);
        plan.Apply(machine.Memory);
        FlatProtectedMode.Enter(machine, options.GdtAddress, entry, options.StackPointer);
    }

    /// <summary>
    /// Boots a Multiboot v1 kernel as the specification's section 3.2 says: loads it, loads the
    /// modules page aligned after it, builds the boot information area (GDT and info structure) at
    /// <see cref="MultibootLoadOptions.BootInfoAddress"/>, and enters flat 32-bit protected mode at the
    /// kernel's entry with EAX = 0x2BADB002, EBX = the info structure, CS = 0x08, the data segments
    /// 0x10, CR0.PE = 1, PG = 0, EFLAGS.IF = VM = 0, ESP = 0 (undefined in the spec).
    /// </summary>
    public static MultibootBootInfo LoadMultiboot(Machine machine, MultibootImage kernel, MultibootLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(kernel);
        options ??= new MultibootLoadOptions();
        if ((options.BootInfoAddress & 7) != 0)
            throw new ImageException($"Multiboot: the boot information address 0x{options.BootInfoAddress:X8} is not 8-byte aligned.");
        var plan = new LoadPlan();
        foreach (var s in kernel.Segments) plan.Add(s);

        // Modules go on 4 KiB boundaries after the kernel's bss, as GRUB and QEMU place them (header flags bit 0 asks for page alignment; it is always honoured).
        var modules = new List<(uint Start, uint End)>();
        ulong next = AlignPage(kernel.End);
        for (int i = 0; i < options.Modules.Count; i++)
        {
            var data = options.Modules[i].Data ?? throw new ArgumentException($"Module {i} has no data.", nameof(options));
            ulong end = next + (ulong)data.Length;
            if (end > 1UL << 32)
                throw new ImageException($"Multiboot: module {i} ({data.Length} bytes) placed at 0x{next:X} after the kernel runs past 4 GiB.");
            plan.Add(new ImageSegment($"Multiboot module {i}", (uint)next, data, (uint)data.Length));
            modules.Add(((uint)next, (uint)end));
            next = AlignPage(end);
        }

        var area = MultibootInfo.BuildBootArea(options.BootInfoAddress, machine.Memory, options, modules);
        plan.Add(new ImageSegment("the Multiboot boot information (GDT and info structure)", options.BootInfoAddress, area, (uint)area.Length));
        plan.Validate(machine.Memory);
        plan.Apply(machine.Memory);

        uint info = options.BootInfoAddress + MultibootInfo.InfoOffsetInArea;
        FlatProtectedMode.Enter(machine, options.BootInfoAddress, kernel.Entry, 0);
        machine.Cpu.Eax = MultibootInfo.BootloaderMagic;
        machine.Cpu.Ebx = info;
        return new MultibootBootInfo(info, options.BootInfoAddress, options.BootInfoAddress + (uint)area.Length, modules, kernel.Entry);
    }

    private static ulong AlignPage(ulong a) => (a + PhysicalMemory.PageMask) & ~(ulong)PhysicalMemory.PageMask;
}
