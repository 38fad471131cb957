namespace VirtLab.Engine.Labs;

/// <summary>A loaded lab: its definition and one <see cref="GuestInstance"/> (with its machine) per guest.</summary>
public sealed class Lab
{
    private Lab(LabDefinition definition)
    {
        Definition = definition;
        Guests = definition.Guests.Select(g => new GuestInstance(definition.Name, g)).ToArray();
    }

    /// <summary>The lab as loaded.</summary>
    public LabDefinition Definition { get; }
    /// <summary>The lab's name.</summary>
    public string Name => Definition.Name;
    /// <summary>The guests, in file order.</summary>
    public IReadOnlyList<GuestInstance> Guests { get; }

    /// <summary>The guest named <paramref name="name"/> (exact, then case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">No such guest; the message lists the lab's guests.</exception>
    public GuestInstance GetGuest(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Guests.FirstOrDefault(g => g.Name == name)
            ?? Guests.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"Lab '{Name}' has no guest '{name}' (its guests: {string.Join(", ", Guests.Select(g => g.Name))}).");
    }

    /// <summary>Builds a lab from a definition (machines included).</summary>
    public static Lab FromDefinition(LabDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new Lab(definition);
    }

    /// <summary>Loads a lab file (see <see cref="LabLoader.Load"/>).</summary>
    public static Lab Load(string path) => new(LabLoader.Load(path));

    /// <summary>Parses lab YAML (see <see cref="LabLoader.Parse"/>).</summary>
    public static Lab FromYaml(string yaml, string sourceName = "<yaml>") => new(LabLoader.Parse(yaml, sourceName));

    /// <summary>
    /// A one-guest lab around a BIOS-style ROM started at the reset vector: the ROM at the top of the
    /// first MiB (64 or 128 KiB, a smaller image placed at the top of 64 KiB) aliased below 4 GiB, RAM
    /// below it and from 1 MiB to 16 MiB, as <see cref="Machine.LoadRom"/> lays it out.
    /// </summary>
    public static Lab FromRom(byte[] rom, string name = "rom")
    {
        ArgumentNullException.ThrowIfNull(rom);
        if (rom.Length == 0 || (rom.Length > 64 * 1024 && rom.Length != 128 * 1024))
            throw new ArgumentException($"A ROM image must be 64 KiB or 128 KiB (or smaller than 64 KiB, placed at the top); this one is {rom.Length} bytes.", nameof(rom));
        uint size = rom.Length == 128 * 1024 ? 128u * 1024 : 64u * 1024;
        uint romBase = 0x10_0000 - size;
        var where = new SourceLocation(name, 1, 1);
        var regions = new[]
        {
            new MemoryRegionDefinition { Name = "low", Base = 0, Size = romBase, Kind = LabRegionKind.Ram, Permissions = RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute, Location = where },
            new MemoryRegionDefinition
            {
                Name = "rom", Base = romBase, Size = size, Kind = LabRegionKind.Rom, Permissions = RegionPermissions.Read | RegionPermissions.Execute,
                ContentKind = RegionContentKind.File, Contents = new[] { new RegionContent((uint)(0x10_0000 - rom.Length), (byte[])rom.Clone(), (uint)rom.Length) }, Location = where,
            },
            new MemoryRegionDefinition { Name = "extended", Base = 0x10_0000, Size = 15u << 20, Kind = LabRegionKind.Ram, Permissions = RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute, Location = where },
        };
        var guest = new GuestDefinition { Name = name, Start = GuestStartState.Reset, Memory = regions, Location = where };
        return new Lab(new LabDefinition { Name = name, Guests = new[] { guest } });
    }

    /// <summary>A one-guest lab around a flat image loaded at <paramref name="loadAddress"/> in 16 MiB of RAM and entered there in real mode (as <see cref="Machine.LoadFlatImage"/>).</summary>
    public static Lab FromImage(byte[] image, uint loadAddress = 0x7C00, string name = "image")
    {
        ArgumentNullException.ThrowIfNull(image);
        const uint ram = 16u << 20;
        if (image.Length == 0) throw new ArgumentException("The image is empty.", nameof(image));
        if (loadAddress > 0xF_FFFF) throw new ArgumentOutOfRangeException(nameof(loadAddress), $"0x{loadAddress:X} is above 1 MiB, out of reach of real mode.");
        if ((ulong)loadAddress + (ulong)image.Length > ram)
            throw new ArgumentException($"An image of {image.Length} bytes at 0x{loadAddress:X} does not fit in the 16 MiB of RAM.", nameof(image));
        var where = new SourceLocation(name, 1, 1);
        var region = new MemoryRegionDefinition
        {
            Name = "ram", Base = 0, Size = ram, Kind = LabRegionKind.Ram, Permissions = RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute,
            ContentKind = RegionContentKind.File, Contents = new[] { new RegionContent(loadAddress, (byte[])image.Clone(), (uint)image.Length) }, Location = where,
        };
        var guest = new GuestDefinition { Name = name, Start = GuestStartState.Real16, Entry = loadAddress, Memory = new[] { region }, Location = where };
        return new Lab(new LabDefinition { Name = name, Guests = new[] { guest } });
    }
}
