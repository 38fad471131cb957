using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>
/// Typed reads of YAML nodes for the lab schema. Scalars keep their source text (YamlDotNet's
/// representation model does not resolve types), so each field parses its own text: a number field
/// reads "0x1000" as 4096, a string field keeps "3.10" as written. Every failure is a
/// <see cref="LabException"/> at the node's start mark.
/// </summary>
internal sealed class YamlSchema
{
    public YamlSchema(string file) { File = file; }

    public string File { get; }

    public SourceLocation At(YamlNode node) => At(node.Start);
    public SourceLocation At(Mark mark) => new(File, (int)mark.Line, (int)mark.Column);
    public LabException Error(YamlNode node, string detail) => new(At(node), detail);

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    public static bool IsNull(YamlScalarNode s) =>
        s.Style == ScalarStyle.Plain && (string.IsNullOrEmpty(s.Value) || s.Value == "~" || s.Value == "null");

    /// <summary>The mapping <paramref name="node"/> is, with its keys checked against <paramref name="validKeys"/>.</summary>
    public Section Mapping(YamlNode node, string what, params string[] validKeys)
    {
        if (node is not YamlMappingNode map) throw Error(node, $"expected a mapping for {what}, found {Describe(node)}");
        var keys = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode ks || IsNull(ks)) throw Error(k, $"expected a key name in {what}, found {Describe(k)}");
            string name = ks.Value!;
            if (!validKeys.Contains(name, StringComparer.Ordinal))
                throw Error(k, $"unknown key '{name}' in {what}{KeySuggestion.Hint(name, validKeys)}");
            keys[name] = (ks, v);
        }
        return new Section(this, map, what, keys);
    }

    public IReadOnlyList<YamlNode> Sequence(YamlNode node, string what)
    {
        if (node is not YamlSequenceNode seq) throw Error(node, $"expected a list for {what}, found {Describe(node)}");
        return seq.Children.ToList();
    }

    public string String(YamlNode node, string what)
    {
        if (node is not YamlScalarNode s || IsNull(s)) throw Error(node, $"expected text for {what}, found {Describe(node)}");
        return s.Value!;
    }

    public string Name(YamlNode node, string what)
    {
        string v = String(node, what);
        if (v.Trim().Length == 0) throw Error(node, $"{what} must not be empty");
        return v;
    }

    public bool Bool(YamlNode node, string what)
    {
        string v = String(node, what);
        return v switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error(node, $"expected true or false for {what}, found '{v}'"),
        };
    }

    /// <summary>A number: decimal, 0x hex or 0b binary, '_' between digits allowed.</summary>
    public ulong Number(YamlNode node, string what, ulong max)
    {
        string v = String(node, what);
        if (!TryParseNumber(v, out ulong n, out bool overflow))
            throw Error(node, overflow
                ? $"{what} {v} is out of range (at most 0x{max:X})"
                : $"expected a number for {what} (decimal, or hex with 0x), found '{v}'");
        if (n > max) throw Error(node, $"{what} {v} is out of range (at most 0x{max:X})");
        return n;
    }

    public uint UInt32(YamlNode node, string what) => (uint)Number(node, what, uint.MaxValue);

    /// <summary>A size: a number optionally followed by KiB, MiB or GiB (e.g. 4096, 0x1000, 64KiB, 4 MiB).</summary>
    public ulong Size(YamlNode node, string what, ulong max)
    {
        string v = String(node, what).Trim();
        ulong unit = 1;
        string digits = v;
        foreach (var (suffix, factor) in new[] { ("KiB", 1UL << 10), ("MiB", 1UL << 20), ("GiB", 1UL << 30) })
            if (v.EndsWith(suffix, StringComparison.Ordinal)) { unit = factor; digits = v[..^suffix.Length].TrimEnd(); break; }
        if (unit == 1 && v.Length > 0 && char.IsLetter(v[^1]) && !v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            throw Error(node, $"expected a size for {what} (bytes, or a number with KiB, MiB or GiB), found '{v}'");
        if (!TryParseNumber(digits, out ulong n, out bool overflow) || (unit > 1 && n > ulong.MaxValue / unit))
            throw Error(node, overflow ? $"{what} {v} is out of range (at most 0x{max:X})" : $"expected a size for {what} (bytes, or a number with KiB, MiB or GiB), found '{v}'");
        ulong size = n * unit;
        if (size > max) throw Error(node, $"{what} {v} is out of range (at most 0x{max:X})");
        return size;
    }

    /// <summary>One of <paramref name="names"/> (exact spelling), with a suggestion when it is not.</summary>
    public T Enum<T>(YamlNode node, string what, IReadOnlyDictionary<string, T> names)
    {
        string v = String(node, what);
        if (names.TryGetValue(v, out var value)) return value;
        var valid = names.Keys.ToList();
        var nearest = KeySuggestion.Nearest(v, valid);
        throw Error(node, $"unknown {what} '{v}'" + (nearest is not null ? $" (did you mean '{nearest}'?)" : "") + $" (expected one of: {string.Join(", ", valid)})");
    }

    public static bool TryParseNumber(string text, out ulong value, out bool overflow)
    {
        value = 0;
        overflow = false;
        string t = text.Trim();
        if (t.Length == 0) return false;
        int radix = 10;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) { radix = 16; t = t[2..]; }
        else if (t.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) { radix = 2; t = t[2..]; }
        if (t.Length == 0 || t[0] == '_' || t[^1] == '_') return false;
        ulong n = 0;
        foreach (char c in t)
        {
            if (c == '_') continue;
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
            if (d >= radix) return false;
            if (n > (ulong.MaxValue - (ulong)d) / (ulong)radix) { overflow = true; return false; }
            n = n * (ulong)radix + (ulong)d;
        }
        value = n;
        return true;
    }

    /// <summary>A scalar, list or mapping converted to raw data: strings, lists and string-keyed dictionaries.</summary>
    public object? Raw(YamlNode node) => node switch
    {
        YamlScalarNode s => IsNull(s) ? null : s.Value,
        YamlSequenceNode q => q.Children.Select(Raw).ToList(),
        YamlMappingNode m => m.Children.ToDictionary(kv => String(kv.Key, "a key"), kv => Raw(kv.Value), StringComparer.Ordinal),
        _ => throw Error(node, $"unexpected {Describe(node)}"),
    };

    internal static string Hex(ulong v) => "0x" + v.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>A mapping whose keys have been checked; reads fields by key.</summary>
    internal sealed class Section
    {
        private readonly YamlSchema _schema;
        private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _keys;

        public Section(YamlSchema schema, YamlMappingNode node, string what, Dictionary<string, (YamlScalarNode, YamlNode)> keys)
        {
            _schema = schema;
            Node = node;
            What = what;
            _keys = keys;
        }

        public YamlMappingNode Node { get; }
        public string What { get; }
        public IEnumerable<string> Keys => _keys.Keys;

        public bool Has(string key) => _keys.ContainsKey(key);
        public YamlNode? Get(string key) => _keys.TryGetValue(key, out var kv) ? kv.Value : null;
        public YamlScalarNode KeyNode(string key) => _keys[key].Key;

        public YamlNode Require(string key) =>
            Get(key) ?? throw _schema.Error(Node, $"missing key '{key}' in {What}");
    }
}
