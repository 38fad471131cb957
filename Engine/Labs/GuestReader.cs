using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>Reads one guest of a lab and checks its memory map, entry point, rings and devices.</summary>
internal sealed class GuestReader
{
    internal static readonly string[] Keys = { "name", "description", "mode", "start", "entry", "registers", "max-instructions", "rings", "memory", "devices", "full", "para", "hardware", "expect" };
    internal static readonly string[] RingKeys = { "tables", "entry-ring", "kernel-stack", "ring1-stack", "interrupts" };
    internal static readonly string[] DeviceKeys = { "type", "port" };

    internal static readonly Dictionary<string, GuestMode> Modes = new()
    {
        ["native"] = GuestMode.Native, ["full"] = GuestMode.Full, ["para"] = GuestMode.Para, ["hardware"] = GuestMode.Hardware,
    };

    internal static readonly Dictionary<string, GuestStartState> Starts = new()
    {
        ["reset"] = GuestStartState.Reset, ["real16"] = GuestStartState.Real16, ["protected32"] = GuestStartState.Protected32, ["paged32"] = GuestStartState.Paged32,
    };

    /// <summary>The machine's devices and their fixed ports (conventions.md).</summary>
    internal static readonly Dictionary<string, ushort> DevicePorts = new()
    {
        ["console"] = 0xE9, ["uart"] = 0x3F8, ["exit"] = 0xF4, ["post"] = 0x190, ["pic"] = 0x20, ["pit"] = 0x40,
    };

    /// <summary>The ports a device decodes from its base port (the PIC pair's second chip at 0xA0 is not in this range: nothing else may move there either way).</summary>
    private static (uint First, uint Last) PortRange(string type, ushort port) => type switch
    {
        "uart" => (port, port + 7u),
        "exit" or "pit" => (port, port + 3u),
        "pic" => (port, port + 1u),
        _ => (port, port),
    };

    /// <summary>The default address of the engine-built tables (GDT, TSS, IDT, page tables).</summary>
    internal const uint DefaultTables = 0x1000;

    private readonly YamlSchema _schema;
    private readonly RegionReader _regions;
    private readonly ExpectReader _expect;

    public GuestReader(YamlSchema schema, string yaml, string baseDirectory)
    {
        _schema = schema;
        _regions = new RegionReader(schema, yaml, baseDirectory);
        _expect = new ExpectReader(schema);
    }

    public GuestDefinition Read(YamlNode node)
    {
        var s = _schema;
        var m = s.Mapping(node, "a guest", Keys);
        string name = s.Name(m.Require("name"), "the guest's name");
        string what = $"guest '{name}'";
        string? description = m.Get("description") is { } d ? s.String(d, $"the description of {what}") : null;
        var mode = m.Get("mode") is { } modeNode ? s.Enum(modeNode, "mode", Modes) : GuestMode.Native;
        var startNode = m.Require("start");
        var start = s.Enum(startNode, "start state", Starts);
        int defaultBits = start is GuestStartState.Reset or GuestStartState.Real16 ? 16 : 32;

        // Memory map: regions with their contents, no overlaps.
        var regionNodes = s.Sequence(m.Require("memory"), $"the memory of {what}");
        if (regionNodes.Count == 0) throw s.Error(m.Get("memory")!, $"{what} needs at least one memory region");
        var regions = new List<MemoryRegionDefinition>();
        var symbols = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var rn in regionNodes)
        {
            var (region, regionSymbols, _) = _regions.Read(rn, defaultBits);
            if (regions.FirstOrDefault(r => r.Name == region.Name) is { } dup)
                throw new LabException(region.Location, $"duplicate region name '{region.Name}' in {what} (first defined at line {dup.Location.Line})");
            if (regions.FirstOrDefault(r => r.Base < region.End && (ulong)region.Base < r.End) is { } other)
                throw new LabException(region.Location, $"region '{region.Name}' ({Range(region)}) overlaps region '{other.Name}' ({Range(other)})");
            regions.Add(region);
            foreach (var (k, v) in regionSymbols) symbols.TryAdd(k, v);
        }

        // A ROM ending at 1 MiB is aliased just below 4 GiB (MachineBuilder): that range must be free too.
        foreach (var rom in regions.Where(r => r.Kind == LabRegionKind.Rom && r.End == 0x10_0000))
        {
            ulong aliasBase = 0x1_0000_0000UL - rom.Size;
            if (regions.FirstOrDefault(r => r != rom && aliasBase < r.End) is { } other)
                throw new LabException(other.Location, $"region '{other.Name}' ({Range(other)}) overlaps the alias of rom '{rom.Name}' ({YamlSchema.Hex(aliasBase)}-0xFFFFFFFF: a rom ending at 1 MiB also appears just below 4 GiB)");
        }

        // Start state and entry point.
        uint? entry = null;
        if (m.Get("entry") is { } entryNode)
        {
            if (start == GuestStartState.Reset)
                throw s.Error(entryNode, $"{what} starts at reset: the entry is the reset vector (0xFFFFFFF0); remove 'entry' or choose another start");
            entry = ReadAddress(entryNode, $"the entry of {what}", symbols);
        }
        if (start == GuestStartState.Reset)
        {
            bool covered = regions.Any(r => r.Kind == LabRegionKind.Rom && (r.End == 0x10_0000 || (r.Base <= 0xFFFF_FFF0u && r.End > 0xFFFF_FFF0u)));
            if (!covered) throw s.Error(startNode, $"{what} starts at reset and needs a rom region ending at 0x100000 (aliased below 4 GiB, as on a PC) or covering 0xFFFFFFF0");
        }
        else
        {
            entry ??= regions.Select(r => r.ImageEntry).FirstOrDefault(e => e is not null)
                      ?? regions.Where(r => r.ContentKind is RegionContentKind.Asm or RegionContentKind.Source or RegionContentKind.File or RegionContentKind.Hex)
                                .Select(r => (uint?)r.Contents.FirstOrDefault()?.Address).FirstOrDefault(a => a is not null);
            if (entry is null)
                throw s.Error(startNode, $"{what} has no entry point: give 'entry', or contents (asm, source, file, hex) whose start is the entry");
            var at = m.Get("entry") ?? startNode;
            var inRegion = regions.FirstOrDefault(r => r.Base <= entry && entry < r.End);
            if (inRegion is null || inRegion.Kind is LabRegionKind.Unmapped)
                throw s.Error(at, $"the entry point {YamlSchema.Hex(entry.Value)} of {what} is not inside any ram or rom region ({string.Join(", ", regions.Where(r => r.Kind != LabRegionKind.Unmapped).Select(r => $"{r.Name} {Range(r)}"))})");
            if (start == GuestStartState.Real16 && entry > 0xF_FFFF)
                throw s.Error(at, $"the entry point {YamlSchema.Hex(entry.Value)} of {what} is above 1 MiB, out of reach of real mode (start real16)");
        }

        // Registers set after the start state.
        var registers = new Dictionary<string, uint>(StringComparer.Ordinal);
        if (m.Get("registers") is { } regNode)
        {
            var rm = s.Mapping(regNode, $"the registers of {what}", GuestRegisters.Settable.ToArray());
            foreach (var k in rm.Keys) registers[k] = ReadAddress(rm.Get(k)!, $"register {k}", symbols);
        }

        long max = GuestDefinition.DefaultMaxInstructions;
        if (m.Get("max-instructions") is { } maxNode)
        {
            max = (long)s.Number(maxNode, $"max-instructions of {what}", long.MaxValue);
            if (max < 1) throw s.Error(maxNode, $"max-instructions of {what} must be at least 1");
        }

        var rings = ReadRings(m, start, startNode, regions, registers, symbols, what);
        var devices = ReadDevices(m, what);
        var techniques = new Dictionary<string, TechniqueSettings>(StringComparer.Ordinal);
        foreach (var t in new[] { "full", "para", "hardware" })
            if (m.Get(t) is { } tn)
            {
                if (tn is not YamlMappingNode) throw s.Error(tn, $"the '{t}' section of {what} must be a mapping of settings, found {YamlSchema.Describe(tn)}");
                techniques[t] = new TechniqueSettings(t, (IReadOnlyDictionary<string, object?>)s.Raw(tn)!, s.At(tn));
            }
        var para = m.Get("para") is { } pn ? new ParaReader(s).Read(pn, regions, (n, w) => ReadAddress(n, w, symbols), what) : null;
        var expect = m.Get("expect") is { } en ? _expect.Read(en, what) : null;
        var hardware = m.Get("hardware") is { } hw ? new HardwareReader(s).Read(hw, what) : null;

        return new GuestDefinition
        {
            Name = name, Description = description, Mode = mode, Start = start, Entry = entry, Registers = registers, MaxInstructions = max,
            Memory = regions, Rings = rings, Devices = devices, Techniques = techniques, Para = para, Expect = expect, Hardware = hardware,
            Symbols = symbols, Location = s.At(node),
        };
    }

    internal static string Range(MemoryRegionDefinition r) => $"{YamlSchema.Hex(r.Base)}-{YamlSchema.Hex(r.End - 1)}";

    /// <summary>A number, or the name of a label in the guest's assembled code.</summary>
    private uint ReadAddress(YamlNode node, string what, IReadOnlyDictionary<string, uint> symbols)
    {
        string text = _schema.String(node, what);
        if (text.Length > 0 && (char.IsLetter(text[0]) || text[0] is '_' or '.') && !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            if (symbols.TryGetValue(text, out uint v)) return v;
            var nearest = KeySuggestion.Nearest(text, symbols.Keys);
            throw _schema.Error(node, $"{what}: no label '{text}' in the guest's assembled code" + (nearest is not null ? $" (did you mean '{nearest}'?)" : symbols.Count == 0 ? " (the guest has no asm labels)" : ""));
        }
        return _schema.UInt32(node, what);
    }

    private RingSetup? ReadRings(YamlSchema.Section m, GuestStartState start, YamlNode startNode, List<MemoryRegionDefinition> regions,
        Dictionary<string, uint> registers, Dictionary<string, uint> symbols, string what)
    {
        var s = _schema;
        bool flat = start is GuestStartState.Protected32 or GuestStartState.Paged32;
        var node = m.Get("rings");
        if (node is YamlScalarNode sc && !YamlSchema.IsNull(sc))
        {
            if (sc.Value != "own") throw s.Error(node, $"'rings' of {what} is 'own' (the guest builds its own tables) or a mapping with {string.Join(", ", RingKeys)}; found '{sc.Value}'");
            if (flat) throw s.Error(node, $"{what} starts in {Name(start)}, which runs on the tables the engine builds: remove 'rings: own', or start in real16 and build your own");
            return null;
        }
        if (node is not null && !flat)
        {
            if (node is YamlMappingNode) throw s.Error(node, $"{what} starts in {Name(start)}: the engine builds ring tables only for protected32 and paged32 (write 'rings: own' or change 'start')");
            throw s.Error(node, $"'rings' of {what} is 'own' or a mapping, found {YamlSchema.Describe(node)}");
        }
        if (!flat) return null;

        var rm = node is null ? null : s.Mapping(node, $"the rings of {what}", RingKeys);
        uint tables = DefaultTables;
        YamlNode at = startNode;
        if (rm?.Get("tables") is { } tn)
        {
            tables = s.UInt32(tn, $"the tables address of {what}");
            if ((tables & PhysicalMemory.PageMask) != 0) throw s.Error(tn, $"the tables address of {what} ({YamlSchema.Hex(tables)}) must be a multiple of 4 KiB");
            at = tn;
        }
        uint tablesSize = MachineBuilder.TablesSize(start, regions);
        var host = regions.FirstOrDefault(r => r.Kind == LabRegionKind.Ram && r.Base <= tables && tables + (ulong)tablesSize <= r.End);
        if (host is null)
            throw s.Error(at, $"{what} needs {YamlSchema.Hex(tablesSize)} bytes of RAM at {YamlSchema.Hex(tables)} for the GDT, TSS and IDT{(start == GuestStartState.Paged32 ? " and page tables" : "")} the engine builds: add a ram region there or move them with 'rings: {{tables: ...}}'");
        foreach (var r in regions)
            foreach (var c in r.Contents)
                if (c.Address < tables + (ulong)tablesSize && tables < c.Address + (ulong)Math.Max(c.MemorySize, (uint)c.Bytes.Length))
                    throw s.Error(at, $"the engine's tables ({YamlSchema.Hex(tables)}-{YamlSchema.Hex(tables + tablesSize - 1)}) overlap the contents of region '{r.Name}' ({YamlSchema.Hex(c.Address)}-{YamlSchema.Hex(c.Address + (ulong)Math.Max(c.MemorySize, (uint)c.Bytes.Length) - 1)}): move them with 'rings: {{tables: ...}}'");

        int ring = 0;
        if (rm?.Get("entry-ring") is { } er)
        {
            ulong v = s.Number(er, $"the entry ring of {what}", 3);
            if (v == 2) throw s.Error(er, $"the entry ring of {what} is 0, 1 or 3 (the flat layout has no ring 2)");
            ring = (int)v;
        }
        uint kernelStack = rm?.Get("kernel-stack") is { } ks ? ReadAddress(ks, $"the kernel stack of {what}", symbols) : tables;
        uint ring1Stack = rm?.Get("ring1-stack") is { } r1 ? ReadAddress(r1, $"the ring-1 stack of {what}", symbols) : kernelStack - 0x400;
        if (ring == 3 && !registers.ContainsKey("esp"))
            throw s.Error(rm!.Get("entry-ring")!, $"{what} enters ring 3: give its stack in 'registers: {{esp: ...}}' (the kernel stack is for interrupts)");

        var interrupts = new Dictionary<int, uint>();
        if (rm?.Get("interrupts") is { } inode)
        {
            if (inode is not YamlMappingNode imap) throw s.Error(inode, $"'interrupts' of {what} maps vectors to handlers, found {YamlSchema.Describe(inode)}");
            foreach (var (k, v) in imap.Children)
            {
                int vector = (int)s.Number(k, "interrupt vector", 255);
                if (interrupts.ContainsKey(vector)) throw s.Error(k, $"interrupt vector {vector} of {what} is given twice");
                interrupts[vector] = ReadAddress(v, $"the handler of vector {vector}", symbols);
            }
        }
        return new RingSetup { Tables = tables, EntryRing = ring, KernelStack = kernelStack, Ring1Stack = ring1Stack, Interrupts = interrupts, Location = s.At(node ?? startNode) };
    }

    private static string Name(GuestStartState s) => Starts.First(kv => kv.Value == s).Key;

    private IReadOnlyList<DeviceDefinition> ReadDevices(YamlSchema.Section m, string what)
    {
        var s = _schema;
        if (m.Get("devices") is not { } node) return Array.Empty<DeviceDefinition>();
        var list = new List<DeviceDefinition>();
        foreach (var dn in s.Sequence(node, $"the devices of {what}"))
        {
            var dm = s.Mapping(dn, "a device", DeviceKeys);
            var typeNode = dm.Require("type");
            string type = s.Enum(typeNode, "device type", DevicePorts.ToDictionary(kv => kv.Key, kv => kv.Key));
            ushort fixedPort = DevicePorts[type];
            ushort port = fixedPort;
            if (dm.Get("port") is { } pn)
            {
                port = (ushort)s.Number(pn, $"the port of device '{type}'", 0xFFFF);
                // The console, UART, exit and POST devices can sit anywhere; the PIC pair and the PIT are PC-wired.
                if (port != fixedPort && type is "pic" or "pit")
                    throw s.Error(pn, $"the {type} device is at port {YamlSchema.Hex(fixedPort)} in this machine; moving it to {YamlSchema.Hex(port)} is not supported");
            }
            if (list.FirstOrDefault(x => x.Type == type) is { } dup)
                throw s.Error(dn, $"device '{type}' is listed twice in {what} (first at line {dup.Location.Line})");
            var (first, last) = PortRange(type, port);
            foreach (var other in list)
            {
                var (oFirst, oLast) = PortRange(other.Type, other.Port);
                if (first <= oLast && oFirst <= last)
                    throw s.Error(dn, $"device '{type}' at ports {YamlSchema.Hex(first)}-{YamlSchema.Hex(last)} overlaps device '{other.Type}' at {YamlSchema.Hex(oFirst)}-{YamlSchema.Hex(oLast)} (line {other.Location.Line})");
            }
            list.Add(new DeviceDefinition(type, port, s.At(dn)));
        }
        return list;
    }
}
