using System.Management.Automation;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;

namespace VirtLab.Cmdlets;

/// <summary>
/// The check behind Assert-VmExit and Pester's <c>Should -HaveVmExit</c>: does a run (or a list of
/// exits) hold an exit with the reason, at least once or exactly <c>times</c> times?
/// </summary>
public static class VmExitAssertion
{
    /// <summary>Null when the assertion holds, otherwise the failure message.</summary>
    /// <param name="actual">A <see cref="GuestRun"/>, a <see cref="VmExit"/>, or a collection of <see cref="VmExit"/>s (what Get-VmExit writes); null, which is what Pester passes for an empty pipeline (Get-VmExit on a run without exits), is no exits.</param>
    /// <param name="reason">The reason name (case-insensitive; wildcards allowed).</param>
    /// <param name="times">Exact count, or null for "at least one".</param>
    /// <param name="negate">True for "has no such exit" (with <paramref name="times"/>: "not exactly that many").</param>
    public static string? Check(object? actual, string reason, int? times, bool negate)
    {
        if (string.IsNullOrEmpty(reason)) throw new ArgumentException("An exit reason is required.", nameof(reason));
        if (times < 0) throw new ArgumentOutOfRangeException(nameof(times), times, "-Times cannot be negative.");
        var exits = ExitsOf(actual, out var stray) ?? throw new ArgumentException($"Expected a run from Start-Guest or exits from Get-VmExit, got {Describe(stray)}.", nameof(actual));
        var pattern = new WildcardPattern(reason, WildcardOptions.IgnoreCase);
        int count = exits.Count(e => pattern.IsMatch(e.Reason));
        bool holds = times is { } n ? count == n : count > 0;
        if (holds != negate) return null;
        string found = count == 1 ? "1 exit" : $"{count} exits";
        string all = exits.Count == 0 ? "no exits at all" : "exits: " + string.Join(", ", exits.GroupBy(e => e.Reason).Select(g => $"{g.Key} x{g.Count()}"));
        return (times, negate) switch
        {
            (null, false) => $"Expected a VM exit with reason '{reason}', but found none ({all}).",
            (null, true) => $"Expected no VM exit with reason '{reason}', but found {found}.",
            ({ } t, false) => $"Expected {t} VM exit(s) with reason '{reason}', but found {count} ({all}).",
            ({ } t, true) => $"Expected other than {t} VM exit(s) with reason '{reason}', but found exactly {count}.",
        };
    }

    /// <summary>The exits <paramref name="actual"/> holds, or null with <paramref name="stray"/> set to the first object that is neither a run nor an exit.</summary>
    private static IReadOnlyList<VmExit>? ExitsOf(object? actual, out object? stray)
    {
        stray = actual;
        if (actual is PSObject pso) actual = pso.BaseObject;
        switch (actual)
        {
            case null: return Array.Empty<VmExit>();
            case GuestRun run: return run.Exits;
            case VmExit exit: return new[] { exit };
            case System.Collections.IEnumerable items and not string:
                var list = new List<VmExit>();
                foreach (var item in items)
                {
                    var o = item is PSObject p ? p.BaseObject : item;
                    if (o is VmExit e) list.Add(e);
                    else if (o is GuestRun r) list.AddRange(r.Exits);
                    else { stray = o; return null; }
                }
                return list;
            default: return null;
        }
    }

    private static string Describe(object? o) => o is null ? "$null" : $"a {(o is PSObject p ? p.BaseObject : o).GetType().Name}";
}
