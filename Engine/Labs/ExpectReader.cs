using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>Reads a guest's <c>expect:</c> section.</summary>
internal sealed class ExpectReader
{
    internal static readonly string[] Keys = { "stop", "exit-code", "console", "post-codes", "registers", "memory", "exits", "exits-in-order" };
    internal static readonly string[] ConsoleKeys = { "contains", "equals" };
    internal static readonly string[] MemoryKeys = { "address", "bytes" };
    /// <summary>Keys of an exit expectation: reason, count, and the fields an exit record can carry.</summary>
    internal static readonly string[] ExitKeys = { "reason", "count", "port", "cr", "vector", "msr", "number", "size", "qualification" };

    internal static readonly Dictionary<string, StopReason> Stops = new()
    {
        ["halted"] = StopReason.Halted, ["exit-port"] = StopReason.ExitPort, ["budget-exhausted"] = StopReason.BudgetExhausted,
        ["breakpoint"] = StopReason.Breakpoint, ["triple-fault"] = StopReason.TripleFault, ["monitor-stop"] = StopReason.MonitorStop,
    };

    private readonly YamlSchema _schema;

    public ExpectReader(YamlSchema schema) { _schema = schema; }

    public ExpectDefinition Read(YamlNode node, string guest)
    {
        var s = _schema;
        var m = s.Mapping(node, $"the expect section of {guest}", Keys);
        StopReason? stop = m.Get("stop") is { } st ? s.Enum(st, "stop reason", Stops) : null;
        int? exitCode = m.Get("exit-code") is { } ec ? unchecked((int)s.UInt32(ec, "exit-code")) : null;

        string? console = null, contains = null;
        if (m.Get("console") is { } cn)
        {
            if (cn is YamlMappingNode)
            {
                var cm = s.Mapping(cn, "console", ConsoleKeys);
                if (cm.Has("contains") && cm.Has("equals")) throw s.Error(cm.KeyNode("equals"), "console takes 'contains' or 'equals', not both");
                if (cm.Get("contains") is { } c) contains = s.String(c, "console contains");
                else if (cm.Get("equals") is { } e) console = s.String(e, "console equals");
                else throw s.Error(cn, "console needs 'contains' or 'equals'");
            }
            else console = s.String(cn, "console");
        }

        List<byte>? post = null;
        if (m.Get("post-codes") is { } pn)
            post = s.Sequence(pn, "post-codes").Select(x => (byte)s.Number(x, "POST code", 0xFF)).ToList();

        var registers = new Dictionary<string, uint>(StringComparer.Ordinal);
        if (m.Get("registers") is { } rn)
        {
            var rm = s.Mapping(rn, "expected registers", GuestRegisters.Readable.ToArray());
            foreach (var k in rm.Keys) registers[k] = s.UInt32(rm.Get(k)!, $"register {k}");
        }

        var memory = new List<MemoryExpectation>();
        if (m.Get("memory") is { } mn)
            foreach (var e in s.Sequence(mn, "expected memory"))
            {
                var em = s.Mapping(e, "a memory expectation", MemoryKeys);
                uint address = s.UInt32(em.Require("address"), "the address of a memory expectation");
                var bn = em.Require("bytes");
                string text = s.String(bn, "bytes");
                var bytes = new List<byte>();
                foreach (var part in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (part.Length != 2 || !Uri.IsHexDigit(part[0]) || !Uri.IsHexDigit(part[1]))
                        throw s.Error(bn, $"bytes are pairs of hex digits separated by spaces (as in '48 65 6C'), found '{part}'");
                    bytes.Add(Convert.ToByte(part, 16));
                }
                if (bytes.Count == 0) throw s.Error(bn, "the bytes of a memory expectation are empty: write hex pairs, as in '48 65 6C'");
                memory.Add(new MemoryExpectation(address, bytes.ToArray(), s.At(e)));
            }

        var exits = new List<ExitExpectation>();
        if (m.Get("exits") is { } xn)
            foreach (var e in s.Sequence(xn, "expected exits"))
            {
                var xm = s.Mapping(e, "an exit expectation", ExitKeys);
                string reason = s.Name(xm.Require("reason"), "the exit reason");
                int? count = xm.Get("count") is { } c ? (int)s.Number(c, "count", int.MaxValue) : null;
                var fields = new Dictionary<string, ulong>(StringComparer.Ordinal);
                foreach (var k in xm.Keys.Where(k => k is not "reason" and not "count"))
                    fields[k] = s.Number(xm.Get(k)!, k, ulong.MaxValue);
                exits.Add(new ExitExpectation(reason, count, fields, s.At(e)));
            }

        bool inOrder = m.Get("exits-in-order") is { } io && s.Bool(io, "exits-in-order");
        if (inOrder && exits.Count == 0) throw s.Error(m.KeyNode("exits-in-order"), "exits-in-order needs an 'exits' list to order");

        return new ExpectDefinition
        {
            Stop = stop, ExitCode = exitCode, Console = console, ConsoleContains = contains, PostCodes = post,
            Registers = registers, Memory = memory, Exits = exits, ExitsInOrder = inOrder,
        };
    }
}
