using System.IO.Compression;
using System.Text.Json;

namespace VirtLab.Engine.Tests.SingleStep;

/// <summary>
/// The SingleStepTests 80286 real-mode subset (README.md beside the data): 325 gzipped JSON files of
/// 1,000 tests each, metadata.json (per opcode / reg field: status and flags-mask) and the
/// revocation list. The directory is /work/shared/data/singlestep-80286 unless the environment
/// variable VIRTLAB_SINGLESTEP_80286 names another.
/// </summary>
public static class SingleStepData
{
    public const string DefaultDirectory = "/work/shared/data/singlestep-80286";

    public static string Directory =>
        Environment.GetEnvironmentVariable("VIRTLAB_SINGLESTEP_80286") is { Length: > 0 } d ? d : DefaultDirectory;

    public static bool Available => File.Exists(Path.Combine(Directory, "metadata.json"));

    /// <summary>The data files by name without ".json.gz" ("00", "80.7", ...), in opcode order.</summary>
    public static IReadOnlyList<string> FileNames => _fileNames.Value;
    private static readonly Lazy<IReadOnlyList<string>> _fileNames = new(() =>
        !System.IO.Directory.Exists(Directory) ? Array.Empty<string>() :
        System.IO.Directory.GetFiles(Directory, "*.json.gz")
            .Select(p => Path.GetFileName(p)[..^".json.gz".Length])
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray());

    public static SingleStepMetadata Metadata => _metadata.Value;
    private static readonly Lazy<SingleStepMetadata> _metadata = new(() => SingleStepMetadata.Load(Path.Combine(Directory, "metadata.json")));

    public static IReadOnlySet<string> RevokedHashes => _revoked.Value;
    private static readonly Lazy<IReadOnlySet<string>> _revoked = new(() =>
        File.ReadLines(Path.Combine(Directory, "revocation_list.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>Reads one file (1,000 tests, about 1 MB of JSON): decompressed into memory, then parsed with <see cref="Utf8JsonReader"/>.</summary>
    public static List<SingleStepTest> Load(string fileName)
    {
        byte[] json;
        using (var file = File.OpenRead(Path.Combine(Directory, fileName + ".json.gz")))
        using (var gz = new GZipStream(file, CompressionMode.Decompress))
        using (var ms = new MemoryStream())
        {
            gz.CopyTo(ms);
            json = ms.ToArray();
        }
        try
        {
            return Parse(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{fileName}.json.gz: {e.Message}", e);
        }
    }

    private static List<SingleStepTest> Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var list = new List<SingleStepTest>(1000);
        Read(ref reader, JsonTokenType.StartArray);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            list.Add(ParseTest(ref reader));
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of the test array");
        return list;
    }

    private static SingleStepTest ParseTest(ref Utf8JsonReader reader)
    {
        var t = new SingleStepTest();
        int initialRegs = 0;
        var bytes = new List<byte>(16);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8)) { reader.Read(); t.Name = reader.GetString() ?? ""; }
            else if (reader.ValueTextEquals("hash"u8)) { reader.Read(); t.Hash = reader.GetString() ?? ""; }
            else if (reader.ValueTextEquals("bytes"u8))
            {
                Read(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.Number) bytes.Add(reader.GetByte());
                t.Bytes = bytes.ToArray();
            }
            else if (reader.ValueTextEquals("initial"u8)) t.InitialRam = ParseState(ref reader, t.Initial, out initialRegs);
            else if (reader.ValueTextEquals("final"u8)) t.FinalRam = ParseState(ref reader, t.Final, out t.FinalListed);
            else if (reader.ValueTextEquals("exception"u8))
            {
                Read(ref reader, JsonTokenType.StartObject);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("number"u8)) { reader.Read(); t.Exception = reader.GetInt32(); }
                    else if (reader.ValueTextEquals("flag_address"u8)) { reader.Read(); t.FlagAddress = reader.GetUInt32(); }
                    else { reader.Read(); reader.Skip(); }
                }
            }
            else { reader.Read(); reader.Skip(); }
        }
        if (initialRegs != (1 << SingleStepTest.RegCount) - 1) throw new JsonException($"test {t.Hash}: initial.regs incomplete");
        for (int r = 0; r < SingleStepTest.RegCount; r++)
            if ((t.FinalListed & (1 << r)) == 0) t.Final[r] = t.Initial[r];
        return t;
    }

    /// <summary>Parses { regs, ram } into the register slots; returns the RAM pairs and which registers were listed.</summary>
    private static (uint, byte)[] ParseState(ref Utf8JsonReader reader, ushort[] regs, out int listed)
    {
        listed = 0;
        var ram = new List<(uint, byte)>(32);
        Read(ref reader, JsonTokenType.StartObject);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("regs"u8))
            {
                Read(ref reader, JsonTokenType.StartObject);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    int slot = SingleStepTest.RegSlot(reader.GetString()!);
                    reader.Read();
                    if (slot < 0) continue;
                    regs[slot] = reader.GetUInt16();
                    listed |= 1 << slot;
                }
            }
            else if (reader.ValueTextEquals("ram"u8))
            {
                Read(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    reader.Read(); uint address = reader.GetUInt32();
                    reader.Read(); byte value = reader.GetByte();
                    Read(ref reader, JsonTokenType.EndArray);
                    ram.Add((address, value));
                }
            }
            else { reader.Read(); reader.Skip(); }
        }
        return ram.ToArray();
    }

    private static void Read(ref Utf8JsonReader reader, JsonTokenType expected)
    {
        if (!reader.Read() || reader.TokenType != expected) throw new JsonException($"expected {expected}, found {reader.TokenType} at byte {reader.TokenStartIndex}");
    }
}

/// <summary>Register slots of a test state, in the order the README lists them.</summary>
public enum Reg16 { AX, BX, CX, DX, CS, SS, DS, ES, SP, BP, SI, DI, IP, FLAGS }

/// <summary>One test, compact: registers as 16-bit slots, RAM as (address, byte) pairs.</summary>
public sealed class SingleStepTest
{
    public const int RegCount = 14;
    private static readonly string[] JsonNames = { "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags" };
    public static string RegName(int r) => JsonNames[r];

    public string Name = "";
    /// <summary>The instruction bytes followed by the trailing HLT (0xF4).</summary>
    public byte[] Bytes = Array.Empty<byte>();
    public string Hash = "";
    public readonly ushort[] Initial = new ushort[RegCount];
    /// <summary>Registers after the test: the listed ones from final.regs, the others as initially.</summary>
    public readonly ushort[] Final = new ushort[RegCount];
    /// <summary>Bit r set when final.regs lists register r.</summary>
    public int FinalListed;
    public (uint Address, byte Value)[] InitialRam = Array.Empty<(uint, byte)>();
    public (uint Address, byte Value)[] FinalRam = Array.Empty<(uint, byte)>();
    /// <summary>The exception the 286 raised (-1 none) and where it pushed FLAGS.</summary>
    public int Exception = -1;
    public uint FlagAddress;

    /// <summary>Number of prefix bytes (ES CS SS DS overrides, LOCK, REPNE, REP; F1 is LOCK on the 286).</summary>
    public int PrefixCount
    {
        get
        {
            int i = 0;
            while (i < Bytes.Length - 1 && IsPrefix(Bytes[i])) i++;
            return i;
        }
    }

    public static bool IsPrefix(byte b) => b is 0x26 or 0x2E or 0x36 or 0x3E or 0xF0 or 0xF1 or 0xF2 or 0xF3;

    public byte Opcode => Bytes[PrefixCount];
    /// <summary>The ModRM byte (the byte after the opcode), or -1 when there is none in the bytes.</summary>
    public int ModRm => PrefixCount + 1 < Bytes.Length - 1 ? Bytes[PrefixCount + 1] : -1;
    public int RegField => ModRm < 0 ? -1 : (ModRm >> 3) & 7;
    public bool HasPrefix(byte p) { int n = PrefixCount; for (int i = 0; i < n; i++) if (Bytes[i] == p) return true; return false; }
    /// <summary>Length of the instruction without the trailing HLT.</summary>
    public int InstructionLength => Bytes.Length - 1;

    public static int RegSlot(string name) => Array.IndexOf(JsonNames, name);

    public string BytesHex => string.Join(' ', Bytes.Select(b => b.ToString("X2")));

    public string InitialRegsText => RegsText(Initial);

    public static string RegsText(ushort[] regs) =>
        string.Join(' ', Enumerable.Range(0, RegCount).Select(r => $"{JsonNames[r]}={regs[r]:X4}"));
}

/// <summary>metadata.json: per opcode, or per opcode and ModRM reg field, a status and an optional flags-mask.</summary>
public sealed class SingleStepMetadata
{
    public sealed record Entry(string Status, ushort FlagsMask, string? UndefinedFlags);

    private readonly Dictionary<string, Entry> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _hasRegTable = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<KeyValuePair<string, Entry>> Entries => _byKey;

    public static SingleStepMetadata Load(string path)
    {
        var m = new SingleStepMetadata();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var op in doc.RootElement.GetProperty("opcodes").EnumerateObject())
        {
            if (op.Value.TryGetProperty("reg", out var regs))
            {
                m._hasRegTable.Add(op.Name);
                foreach (var r in regs.EnumerateObject()) m._byKey[op.Name + "." + r.Name] = Parse(r.Value);
            }
            if (op.Value.TryGetProperty("status", out _)) m._byKey[op.Name] = Parse(op.Value);
        }
        return m;
    }

    private static Entry Parse(JsonElement e) => new(
        e.GetProperty("status").GetString() ?? "",
        e.TryGetProperty("flags-mask", out var mask) ? (ushort)mask.GetInt32() : (ushort)0xFFFF,
        e.TryGetProperty("flags", out var f) ? f.GetString() : null);

    /// <summary>The entry for a test's opcode (and reg field when the opcode has a per-reg table).</summary>
    public Entry For(SingleStepTest t)
    {
        string op = t.Opcode.ToString("X2");
        if (_hasRegTable.Contains(op) && t.RegField >= 0 && _byKey.TryGetValue(op + "." + t.RegField, out var byReg)) return byReg;
        return _byKey.TryGetValue(op, out var e) ? e : new Entry("missing", 0xFFFF, null);
    }

    public string KeyFor(SingleStepTest t)
    {
        string op = t.Opcode.ToString("X2");
        return _hasRegTable.Contains(op) && t.RegField >= 0 ? op + "." + t.RegField : op;
    }
}
