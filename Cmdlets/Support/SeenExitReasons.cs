using System.Collections.Concurrent;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>Exit reasons of the runs Start-Guest returned in this process, for tab completion of <c>-Reason</c> when no run is bound.</summary>
internal static class SeenExitReasons
{
    private static readonly ConcurrentDictionary<string, byte> Reasons = new(StringComparer.OrdinalIgnoreCase);
    public static void Add(GuestRun run) { foreach (var e in run.Exits) Reasons.TryAdd(e.Reason, 0); }
    public static IEnumerable<string> All => Reasons.Keys.OrderBy(r => r, StringComparer.OrdinalIgnoreCase);
}
