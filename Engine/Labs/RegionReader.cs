using VirtLab.Engine.Assembly;
using VirtLab.Engine.Images;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>Reads one <c>memory:</c> region and resolves its contents (assembles asm, reads files, decodes hex).</summary>
internal sealed class RegionReader
{
    internal static readonly string[] Keys = { "name", "base", "size", "kind", "device", "permissions", "at", "bits", "org", "asm", "source", "file", "format", "hex", "fill" };

    /// <summary>The memory-mapped devices a region of kind mmio can hold.</summary>
    internal static readonly Dictionary<string, string> MmioDevices = new() { ["console"] = "console" };
    private static readonly string[] ContentKeys = { "asm", "source", "file", "hex", "fill" };

    /// <summary>RAM is one host array from physical 0, so RAM regions must end below this.</summary>
    internal const uint RamLimit = 256u << 20;
    /// <summary>A ROM image is a host array too.</summary>
    internal const uint RomLimit = 16u << 20;

    private static readonly Dictionary<string, LabRegionKind> Kinds = new()
    {
        ["ram"] = LabRegionKind.Ram, ["rom"] = LabRegionKind.Rom, ["mmio"] = LabRegionKind.Mmio, ["unmapped"] = LabRegionKind.Unmapped,
    };

    private readonly YamlSchema _schema;
    private readonly string _yaml;
    private readonly string _baseDirectory;

    public RegionReader(YamlSchema schema, string yaml, string baseDirectory)
    {
        _schema = schema;
        _yaml = yaml;
        _baseDirectory = baseDirectory;
    }

    /// <summary>A region and the label symbols (physical addresses) its assembly defined.</summary>
    public (MemoryRegionDefinition Region, Dictionary<string, uint> Symbols, YamlNode Node) Read(YamlNode node, int defaultBits)
    {
        var s = _schema;
        var m = s.Mapping(node, "a memory region", Keys);
        string name = s.Name(m.Require("name"), "the region's name");
        string what = $"region '{name}'";
        var baseNode = m.Require("base");
        uint b = s.UInt32(baseNode, $"the base of {what}");
        var sizeNode = m.Require("size");
        ulong size = s.Size(sizeNode, $"the size of {what}", 1UL << 32);
        if ((b & PhysicalMemory.PageMask) != 0)
            throw s.Error(baseNode, $"the base of {what} ({YamlSchema.Hex(b)}) must be a multiple of 4 KiB (the engine maps memory in 4 KiB pages)");
        if (size == 0 || (size & PhysicalMemory.PageMask) != 0)
            throw s.Error(sizeNode, $"the size of {what} ({YamlSchema.Hex(size)}) must be a non-zero multiple of 4 KiB (the engine maps memory in 4 KiB pages)");
        if (b + size > 1UL << 32)
            throw s.Error(sizeNode, $"{what} ({YamlSchema.Hex(b)} + {YamlSchema.Hex(size)}) runs past 4 GiB");
        var kind = m.Get("kind") is { } k ? s.Enum(k, "region kind", Kinds) : LabRegionKind.Ram;
        string? mmioDevice = null;
        if (kind == LabRegionKind.Mmio)
        {
            if (m.Get("device") is not { } deviceNode)
                throw s.Error(m.Get("kind")!, $"{what} is mmio: name its device with 'device' (one of: {string.Join(", ", MmioDevices.Keys)})");
            mmioDevice = s.Enum(deviceNode, "mmio device", MmioDevices);
        }
        else if (m.Has("device"))
            throw s.Error(m.KeyNode("device"), $"'device' in {what} goes with kind mmio; this region is {kind.ToString().ToLowerInvariant()}");
        if (kind == LabRegionKind.Ram && b + size > RamLimit)
            throw s.Error(sizeNode, $"RAM {what} ends at {YamlSchema.Hex(b + size)}; RAM must end at or below {YamlSchema.Hex(RamLimit)} (the engine backs RAM with one array from address 0)");

        if (kind == LabRegionKind.Rom && size > RomLimit)
            throw s.Error(sizeNode, $"rom {what} is {YamlSchema.Hex(size)} bytes; a rom holds at most {YamlSchema.Hex(RomLimit)} (16 MiB: the engine keeps each rom image in host memory)");

        var permissions = ReadPermissions(m, kind, what);

        var present = ContentKeys.Where(m.Has).ToList();
        if (present.Count > 1)
            throw s.Error(m.KeyNode(present[1]), $"{what} takes one of {string.Join(", ", ContentKeys)}; found both '{present[0]}' and '{present[1]}'");
        string? contentKey = present.FirstOrDefault();
        if (kind is LabRegionKind.Unmapped or LabRegionKind.Mmio && contentKey is not null)
            throw s.Error(m.KeyNode(contentKey), $"{what} is {(kind == LabRegionKind.Mmio ? "mmio" : "unmapped")} and cannot have contents ('{contentKey}')");
        foreach (var onlyWith in new[] { ("at", new[] { "asm", "source", "file", "hex" }), ("bits", new[] { "asm", "source" }), ("org", new[] { "asm", "source" }), ("format", new[] { "file" }) })
            if (m.Has(onlyWith.Item1) && (contentKey is null || !onlyWith.Item2.Contains(contentKey)))
                throw s.Error(m.KeyNode(onlyWith.Item1), $"'{onlyWith.Item1}' in {what} goes with {string.Join(" or ", onlyWith.Item2.Select(x => $"'{x}'"))}, which the region does not have");

        uint at = b;
        if (m.Get("at") is { } atNode)
        {
            at = s.UInt32(atNode, $"'at' in {what}");
            if (at < b || at >= b + size)
                throw s.Error(atNode, $"'at' {YamlSchema.Hex(at)} is outside {what} ({YamlSchema.Hex(b)}-{YamlSchema.Hex(b + size - 1)})");
        }

        int bits = defaultBits;
        if (m.Get("bits") is { } bitsNode)
        {
            ulong v = s.Number(bitsNode, $"'bits' in {what}", 64);
            if (v != 16 && v != 32) throw s.Error(bitsNode, $"'bits' in {what} must be 16 or 32, found {v}");
            bits = (int)v;
        }
        // 16-bit code runs with CS = at >> 4 (below 64 KiB, CS = 0): the offset of 'at' in its segment is the origin.
        long origin = bits == 32 ? at : at <= 0xFFFF ? at : at & 0xF;
        if (m.Get("org") is { } orgNode) origin = s.UInt32(orgNode, $"'org' in {what}");

        var contents = new List<RegionContent>();
        var symbols = new Dictionary<string, uint>(StringComparer.Ordinal);
        byte? fill = null;
        uint? imageEntry = null;
        string? filePath = null;
        var kindOfContent = RegionContentKind.None;
        YamlNode? contentNode = contentKey is null ? null : m.Get(contentKey);
        switch (contentKey)
        {
            case "asm":
            {
                kindOfContent = RegionContentKind.Asm;
                string source = s.String(contentNode!, $"'asm' in {what}");
                var result = AssembleInline(source, (YamlScalarNode)contentNode!, name, bits, origin);
                contents.Add(new RegionContent(at, result.Bytes, (uint)result.Bytes.Length));
                AddSymbols(result, at, origin, symbols);
                break;
            }
            case "source":
            {
                kindOfContent = RegionContentKind.Source;
                filePath = ResolveFile(contentNode!, $"'source' in {what}");
                AssemblyResult result;
                try
                {
                    result = Assembler.AssembleFile(filePath, new AssemblerOptions { Bitness = bits, Origin = origin, IncludePaths = new[] { Path.GetDirectoryName(filePath)!, _baseDirectory } });
                }
                catch (AssemblyException ex)
                {
                    var d = ex.Errors.First();
                    throw new LabException(d.File, d.Line, d.Column, $"{d.Message} (assembling 'source' of {what}, {s.At(contentNode!)})", ex);
                }
                contents.Add(new RegionContent(at, result.Bytes, (uint)result.Bytes.Length));
                AddSymbols(result, at, origin, symbols);
                break;
            }
            case "file":
            {
                kindOfContent = RegionContentKind.File;
                filePath = ResolveFile(contentNode!, $"'file' in {what}");
                byte[] bytes = File.ReadAllBytes(filePath);
                string format = m.Get("format") is { } f ? s.Enum(f, "image format", new Dictionary<string, string> { ["auto"] = "auto", ["flat"] = "flat", ["elf"] = "elf", ["multiboot"] = "multiboot" }) : "auto";
                if (format == "auto") format = ElfImage.HasElfMagic(bytes) ? "elf" : "flat";
                try
                {
                    switch (format)
                    {
                        case "flat":
                            contents.Add(new RegionContent(at, bytes, (uint)bytes.Length));
                            break;
                        case "elf":
                            var elf = ElfImage.Parse(bytes);
                            foreach (var seg in elf.Segments.Select(x => x.ToImageSegment())) contents.Add(new RegionContent(seg.Address, seg.Data, seg.MemorySize));
                            imageEntry = elf.PhysicalEntry;
                            break;
                        default:
                            var mb = MultibootImage.Parse(bytes);
                            foreach (var seg in mb.Segments) contents.Add(new RegionContent(seg.Address, seg.Data, seg.MemorySize));
                            imageEntry = mb.Entry;
                            break;
                    }
                }
                catch (ImageException ex)
                {
                    throw s.Error(contentNode!, $"{what}: '{filePath}' is not a valid {format} image: {ex.Message}");
                }
                break;
            }
            case "hex":
            {
                kindOfContent = RegionContentKind.Hex;
                byte[] bytes = ParseHex(contentNode!, $"'hex' in {what}");
                contents.Add(new RegionContent(at, bytes, (uint)bytes.Length));
                break;
            }
            case "fill":
                kindOfContent = RegionContentKind.Fill;
                fill = (byte)s.Number(contentNode!, $"'fill' in {what}", 0xFF);
                break;
        }

        foreach (var c in contents)
        {
            ulong end = (ulong)c.Address + Math.Max(c.MemorySize, (uint)c.Bytes.Length);
            if (c.Address < b || end > b + size)
                throw s.Error(contentNode!, $"{Describe(kindOfContent)} ({Math.Max(c.MemorySize, (uint)c.Bytes.Length)} bytes at {YamlSchema.Hex(c.Address)}-{YamlSchema.Hex(end - 1)}) does not fit in {what} ({YamlSchema.Hex(b)}-{YamlSchema.Hex(b + size - 1)})");
        }

        var region = new MemoryRegionDefinition
        {
            Name = name, Base = b, Size = (uint)(size == 1UL << 32 ? 0 : size), Kind = kind, MmioDevice = mmioDevice, Permissions = permissions,
            ContentKind = kindOfContent, Contents = contents, Fill = fill, ImageEntry = imageEntry, FilePath = filePath,
            Location = s.At(node),
        };
        if (size == 1UL << 32) throw s.Error(sizeNode, $"{what} cannot cover all 4 GiB");
        return (region, symbols, node);
    }

    private static string Describe(RegionContentKind k) => k switch
    {
        RegionContentKind.Asm => "the assembled code",
        RegionContentKind.Source => "the assembled source",
        RegionContentKind.File => "the image",
        _ => "the hex bytes",
    };

    private RegionPermissions ReadPermissions(YamlSchema.Section m, LabRegionKind kind, string what)
    {
        var defaults = kind switch
        {
            LabRegionKind.Ram => RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute,
            LabRegionKind.Rom => RegionPermissions.Read | RegionPermissions.Execute,
            LabRegionKind.Mmio => RegionPermissions.Read | RegionPermissions.Write,
            _ => RegionPermissions.None,
        };
        if (m.Get("permissions") is not { } node) return defaults;
        string text = _schema.String(node, $"the permissions of {what}");
        var p = RegionPermissions.None;
        foreach (char c in text)
        {
            var bit = c switch { 'r' => RegionPermissions.Read, 'w' => RegionPermissions.Write, 'x' => RegionPermissions.Execute, '-' => RegionPermissions.None, _ => (RegionPermissions?)null };
            if (bit is null) throw _schema.Error(node, $"the permissions of {what} are letters r, w, x (or -), as in 'rwx' or 'r-x'; found '{text}'");
            if (bit != RegionPermissions.None && (p & bit) != 0) throw _schema.Error(node, $"the permissions of {what} name '{c}' twice in '{text}'");
            p |= bit.Value;
        }
        if (kind == LabRegionKind.Rom && (p & RegionPermissions.Write) != 0)
            throw _schema.Error(node, $"{what} is a rom: it cannot be writable ('{text}'); use kind ram for writable memory");
        if (kind == LabRegionKind.Ram && (p & (RegionPermissions.Read | RegionPermissions.Write)) != (RegionPermissions.Read | RegionPermissions.Write))
            throw _schema.Error(node, $"{what} is ram, which the engine always lets the guest read and write: write 'rw-' or 'rwx', not '{text}' (use kind rom for read-only memory)");
        if (kind == LabRegionKind.Mmio && p != (RegionPermissions.Read | RegionPermissions.Write))
            throw _schema.Error(node, $"{what} is mmio: its device decides what reads and writes do; write 'rw-', not '{text}'");
        if (kind == LabRegionKind.Unmapped && p != RegionPermissions.None)
            throw _schema.Error(node, $"{what} is unmapped: it has no permissions ('---'), found '{text}'");
        return p;
    }

    private string ResolveFile(YamlNode node, string what)
    {
        string rel = _schema.Name(node, what);
        string full = Path.GetFullPath(Path.Combine(_baseDirectory, rel));
        if (!File.Exists(full)) throw _schema.Error(node, $"{what}: file not found: '{rel}' (looked for {full})");
        return full;
    }

    private byte[] ParseHex(YamlNode node, string what)
    {
        string text = _schema.String(node, what);
        var bytes = new List<byte>();
        int pending = -1;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c)) continue;
            int v = Uri.IsHexDigit(c) ? Convert.ToInt32(c.ToString(), 16) : -1;
            if (v < 0) throw _schema.Error(node, $"{what}: expected hex digits (0-9, A-F) separated by spaces, found '{c}'");
            if (pending < 0) pending = v;
            else { bytes.Add((byte)(pending << 4 | v)); pending = -1; }
        }
        if (pending >= 0) throw _schema.Error(node, $"{what}: odd number of hex digits (each byte takes two)");
        if (bytes.Count == 0) throw _schema.Error(node, $"{what} holds no bytes");
        return bytes.ToArray();
    }

    private AssemblyResult AssembleInline(string source, YamlScalarNode node, string region, int bits, long origin)
    {
        string sourceName = $"asm of region '{region}'";
        try
        {
            return Assembler.Assemble(source, new AssemblerOptions { SourceName = sourceName, Bitness = bits, Origin = origin, IncludePaths = new[] { _baseDirectory } });
        }
        catch (AssemblyException ex)
        {
            var d = ex.Errors.First();
            if (d.File != sourceName)
                throw _schema.Error(node, $"{d.File}:{d.Line}:{d.Column}: {d.Message} (included by the asm of region '{region}')");
            var (line, column, exact) = LabLocationOfAsm(node, d.Line, d.Column);
            string where = exact ? "" : $"line {d.Line}, column {d.Column} of ";
            throw new LabException(_schema.File, line, column, $"{d.Message} (in {where}the asm of region '{region}')", ex);
        }
    }

    /// <summary>
    /// Where line <paramref name="asmLine"/>, column <paramref name="asmColumn"/> of an asm scalar is in
    /// the lab file. A literal block (|) keeps its lines: they start on the line after the indicator,
    /// indented. Other styles fold or escape their line breaks, so only the asm's first line maps to a
    /// known column; later lines are reported at the scalar's start (exact = false).
    /// </summary>
    private (int Line, int Column, bool Exact) LabLocationOfAsm(YamlScalarNode node, int asmLine, int asmColumn)
    {
        int startLine = (int)node.Start.Line;
        if (node.Style is ScalarStyle.Literal)
        {
            var lines = _yaml.Split('\n');
            int indent = 0;
            for (int i = startLine; i < lines.Length; i++) // lines[startLine] is the first line after the indicator
            {
                string l = lines[i].TrimEnd('\r');
                if (l.Trim().Length == 0) continue;
                indent = l.Length - l.TrimStart(' ').Length;
                break;
            }
            return (startLine + asmLine, indent + asmColumn, true);
        }
        int quote = node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        return asmLine == 1 && node.Style is not ScalarStyle.Folded
            ? (startLine, (int)node.Start.Column + quote + asmColumn - 1, true)
            : (startLine, (int)node.Start.Column, false);
    }

    private static void AddSymbols(AssemblyResult result, uint at, long origin, Dictionary<string, uint> symbols)
    {
        foreach (var sym in result.Symbols)
            if (sym.IsLabel) symbols[sym.Name] = unchecked((uint)(at + (sym.Value - origin)));
    }
}
