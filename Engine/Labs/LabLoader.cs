using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>
/// Reads a lab file into a <see cref="LabDefinition"/>: YAML syntax, the schema (keys, types,
/// numbers and sizes), the memory map (alignment, overlaps, images that do not fit, an entry point
/// in no region), and every region's contents (inline assembly assembled, files read). It returns
/// a complete definition or throws <see cref="LabException"/>; nothing is half-loaded.
/// </summary>
public static class LabLoader
{
    internal static readonly string[] TopKeys = { "name", "description", "guests" };

    /// <summary>Loads the lab file at <paramref name="path"/>; relative paths inside it are relative to its folder.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="LabException">The file is not a valid lab (the message names file, line and column).</exception>
    public static LabDefinition Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Lab file not found: '{path}' (looked for {full}).", full);
        string text = File.ReadAllText(full);
        return Parse(text, full, Path.GetDirectoryName(full)!, full);
    }

    /// <summary>Parses lab YAML given as text; <paramref name="sourceName"/> names it in errors, and relative paths are relative to the current directory.</summary>
    /// <exception cref="LabException">The text is not a valid lab.</exception>
    public static LabDefinition Parse(string yaml, string sourceName = "<yaml>")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        return Parse(yaml, sourceName, Directory.GetCurrentDirectory(), null);
    }

    private static LabDefinition Parse(string yaml, string file, string baseDirectory, string? sourcePath)
    {
        var schema = new YamlSchema(file);
        var root = ReadDocument(yaml, schema);
        var top = schema.Mapping(root, "the lab", TopKeys);
        string name = schema.Name(top.Require("name"), "the lab's name");
        string? description = top.Get("description") is { } d ? schema.String(d, "the lab's description") : null;
        var guestNodes = schema.Sequence(top.Require("guests"), "guests");
        if (guestNodes.Count == 0) throw schema.Error(top.Get("guests")!, "a lab needs at least one guest under 'guests'");
        var guests = new List<GuestDefinition>();
        var reader = new GuestReader(schema, yaml, baseDirectory);
        foreach (var g in guestNodes)
        {
            var guest = reader.Read(g);
            var same = guests.FirstOrDefault(x => x.Name == guest.Name);
            if (same is not null) throw new LabException(guest.Location, $"duplicate guest name '{guest.Name}' (first defined at line {same.Location.Line})");
            guests.Add(guest);
        }
        return new LabDefinition { Name = name, Description = description, SourcePath = sourcePath, Guests = guests };
    }

    private static YamlNode ReadDocument(string yaml, YamlSchema schema)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new LabException(schema.File, (int)ex.Start.Line, (int)ex.Start.Column, "YAML syntax: " + StripMark(ex), ex);
        }
        if (stream.Documents.Count == 0)
            throw new LabException(schema.File, 1, 1, "the lab file is empty: expected a mapping with 'name' and 'guests'");
        if (stream.Documents.Count > 1)
            throw schema.Error(stream.Documents[1].RootNode, "a lab file holds one YAML document; found a second one");
        return stream.Documents[0].RootNode;
    }

    /// <summary>YamlDotNet prefixes its messages with "(Line: .., Col: .., Idx: ..) - (...): "; the lab error carries the place itself.</summary>
    private static string StripMark(YamlException ex)
    {
        string m = ex.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) && ex.Message.Contains("exception", StringComparison.OrdinalIgnoreCase) ? inner.Message : ex.Message;
        int i = m.IndexOf("): ", StringComparison.Ordinal);
        if (m.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0) m = m[(i + 3)..];
        return m.Trim();
    }
}
