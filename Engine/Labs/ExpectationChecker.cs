using VirtLab.Engine.Vmm;

namespace VirtLab.Engine.Labs;

/// <summary>
/// Checks a run against its guest's <c>expect:</c> section: one <see cref="ExpectationResult"/> per
/// expectation (stop reason, exit code, console, POST codes, each register, each memory range, each
/// exit expectation, and the order of exits when asked), in that order.
/// </summary>
public static class ExpectationChecker
{
    /// <summary>Checks <paramref name="run"/>; an empty list when the guest has no expectations.</summary>
    public static IReadOnlyList<ExpectationResult> Check(GuestDefinition guest, GuestRun run)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(run);
        var results = new List<ExpectationResult>();
        if (guest.Expect is not { } e) return results;
        void Add(string name, bool passed, string expected, string actual) => results.Add(new ExpectationResult(guest.Name, name, passed, expected, actual));

        if (e.Stop is { } stop)
            Add("stop", run.StopReason == stop && !run.Cancelled, StopName(stop), StopName(run.StopReason) + (run.Cancelled ? " (cancelled)" : ""));
        if (e.ExitCode is { } code)
            Add("exit-code", run.ExitCode == code, Hex(code), run.ExitCode is int c ? Hex(c) : "none (the exit port was not written)");
        if (e.Console is { } console)
            Add("console", run.ConsoleText == console, Quote(console), Quote(run.ConsoleText));
        if (e.ConsoleContains is { } contains)
            Add("console contains", run.ConsoleText.Contains(contains, StringComparison.Ordinal), "contains " + Quote(contains), Quote(run.ConsoleText));
        if (e.PostCodes is { } post)
            Add("post-codes", post.SequenceEqual(run.PostCodes), Bytes(post), Bytes(run.PostCodes));
        foreach (var (name, value) in e.Registers)
        {
            bool known = run.Registers.TryGetValue(name, out uint actual);
            Add("register " + name, known && actual == value, $"0x{value:X8}", known ? $"0x{actual:X8}" : "not recorded");
        }
        foreach (var m in e.Memory)
        {
            bool known = run.MemorySnapshots.TryGetValue(m.Address, out var bytes) && bytes.Length >= m.Bytes.Length;
            var actual = known ? bytes!.Take(m.Bytes.Length).ToArray() : null;
            Add($"memory 0x{m.Address:X8}", actual is not null && actual.SequenceEqual(m.Bytes), Bytes(m.Bytes), actual is null ? "not recorded" : Bytes(actual));
        }
        foreach (var x in e.Exits)
        {
            int n = run.Exits.Count(v => Matches(x, v));
            bool passed = x.Count is int want ? n == want : n > 0;
            Add("exit " + Describe(x), passed, x.Count is int w ? $"{w} time{(w == 1 ? "" : "s")}" : "at least once", $"{n} time{(n == 1 ? "" : "s")}");
        }
        if (e.ExitsInOrder)
        {
            // Each expectation's first matching exit must come after the previous one's (a subsequence).
            int position = -1;
            int? failedAt = null;
            for (int i = 0; i < e.Exits.Count && failedAt is null; i++)
            {
                int next = -1;
                for (int j = position + 1; j < run.Exits.Count; j++) if (Matches(e.Exits[i], run.Exits[j])) { next = j; break; }
                if (next < 0) failedAt = i; else position = next;
            }
            Add("exits in order", failedAt is null, string.Join(", ", e.Exits.Select(Describe)),
                failedAt is null ? "in order" : $"no '{Describe(e.Exits[failedAt.Value])}' after the earlier ones; exits: {string.Join(", ", run.Exits.Take(20).Select(v => v.Reason))}{(run.Exits.Count > 20 ? ", ..." : "")}");
        }
        return results;
    }

    private static bool Matches(ExitExpectation x, VmExit v)
    {
        if (!string.Equals(x.Reason, v.Reason, StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var (field, value) in x.Fields)
        {
            if (field == "qualification") { if (v.Qualification != value) return false; continue; }
            if (!v.Fields.TryGetValue(field, out var actual)) return false;
            ulong? a = actual switch
            {
                byte b => b, ushort u => u, uint u => u, ulong u => u, int i => (ulong)(long)i, long l => (ulong)l, short s => (ulong)(long)s, sbyte sb => (ulong)(long)sb,
                _ => null,
            };
            if (a != value) return false;
        }
        return true;
    }

    private static string Describe(ExitExpectation x) =>
        x.Reason + string.Concat(x.Fields.Select(f => $" {f.Key}=0x{f.Value:X}"));

    internal static string StopName(StopReason s) => ExpectReader.Stops.FirstOrDefault(kv => kv.Value == s).Key ?? s.ToString();
    private static string Hex(int v) => $"0x{v:X}";
    private static string Bytes(IEnumerable<byte> b) => "[" + string.Join(" ", b.Select(x => x.ToString("X2"))) + "]";
    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\"", "\\\"") + "\"";
}
