using System.Collections.Concurrent;
using System.Text;

namespace VirtLab.Engine.Tests.SingleStep;

/// <summary>The outcome of one data file.</summary>
public sealed class FileResult
{
    public required string File { get; init; }
    public int Total { get; set; }
    public int Run { get; set; }
    public int Passed { get; set; }
    public int Failed => Run - Passed;
    /// <summary>Tests run with the stack-fault adjustment (INT 13 on the 286, #SS on a 386).</summary>
    public int Adjusted { get; set; }
    public int AdjustedStack { get; set; }
    public int AdjustedString { get; set; }
    /// <summary>Tests run with OF masked by the SDM shift/rotate rule although metadata.json defines it.</summary>
    public int ExtraMasked { get; set; }
    public Dictionary<SkipReason, int> Skipped { get; } = new();
    /// <summary>Tests run, by metadata status of their opcode / reg field.</summary>
    public Dictionary<string, int> RunByStatus { get; } = new();
    /// <summary>The first failures, in file order.</summary>
    public List<TestFailure> FirstFailures { get; } = new();
    /// <summary>Failures grouped by what differed: count and first example.</summary>
    public Dictionary<string, (int Count, TestFailure Example)> BySignature { get; } = new();
    public TimeSpan Elapsed { get; set; }
    /// <summary>Of <see cref="Elapsed"/>, reading and parsing the file.</summary>
    public TimeSpan LoadElapsed { get; set; }
    public int SkippedTotal => Skipped.Values.Sum();

    public string Summary =>
        $"{File}: {Total} tests, {Run} run ({Adjusted} adjusted), {Passed} passed, {Failed} failed, {SkippedTotal} skipped" +
        (Skipped.Count == 0 ? "" : " (" + string.Join(", ", Skipped.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")) + ")") +
        $" in {Elapsed.TotalMilliseconds:F0} ms (loading {LoadElapsed.TotalMilliseconds:F0} ms)";

    /// <summary>The kinds of difference, most frequent first, at most <paramref name="max"/> of them.</summary>
    public string SignatureList(int max)
    {
        var kinds = BySignature.OrderByDescending(k => k.Value.Count).ThenBy(k => k.Key, StringComparer.Ordinal).ToList();
        string list = string.Join("; ", kinds.Take(max).Select(k => $"{k.Key} ×{k.Value.Count}"));
        return kinds.Count > max ? list + $"; ... {kinds.Count - max} more kinds" : list;
    }

    public string FailureMessage(int max = 5)
    {
        var sb = new StringBuilder();
        sb.Append(Summary).Append('\n');
        sb.Append("Failures by what differed: ").Append(SignatureList(12)).Append('\n');
        sb.Append($"First {Math.Min(max, FirstFailures.Count)} failing tests:\n");
        foreach (var f in FirstFailures.Take(max)) sb.Append(f.Detail);
        return sb.ToString();
    }
}

/// <summary>
/// Runs data files, each once per process (memoized), on a pool of benches; the theory rows and the
/// summary share the results, so the summary may start the whole suite in parallel and the rows then
/// only read their file's result.
/// </summary>
public static class SingleStepSuite
{
    private static readonly ConcurrentDictionary<string, Lazy<FileResult>> Results = new();
    private static readonly ConcurrentBag<SingleStepBench> Benches = new();

    public static FileResult Get(string file) =>
        Results.GetOrAdd(file, f => new Lazy<FileResult>(() => RunFile(f), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    public static IReadOnlyList<FileResult> RunAll()
    {
        var files = SingleStepData.FileNames;
        var results = new FileResult[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => results[i] = Get(files[i]));
        return results;
    }

    private static long _firstStart, _lastEnd;

    /// <summary>Wall time from the first file started to the last one finished in this process.</summary>
    public static TimeSpan WallTime => _firstStart == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(_firstStart, Interlocked.Read(ref _lastEnd));

    private static FileResult RunFile(string file)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _firstStart, start, 0);
        var tests = SingleStepData.Load(file);
        var loaded = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        var meta = SingleStepData.Metadata;
        var revoked = SingleStepData.RevokedHashes;
        var result = new FileResult { File = file, Total = tests.Count };
        if (!Benches.TryTake(out var bench)) bench = new SingleStepBench();
        try
        {
            foreach (var t in tests)
            {
                var plan = SkipRules.Classify(t, meta, revoked);
                if (plan.Skip is { } reason)
                {
                    result.Skipped[reason] = result.Skipped.GetValueOrDefault(reason) + 1;
                    continue;
                }
                var entry = meta.For(t);
                result.Run++;
                result.RunByStatus[entry.Status] = result.RunByStatus.GetValueOrDefault(entry.Status) + 1;
                if (plan.StackFaultAdjusted || plan.StringFaultRestart) result.Adjusted++;
                if (plan.StackFaultAdjusted) result.AdjustedStack++;
                if (plan.StringFaultRestart) result.AdjustedString++;
                ushort extra = SkipRules.ExtraUndefinedFlags(t);
                if ((entry.FlagsMask & extra) != 0) result.ExtraMasked++;
                var failure = bench.Run(t, (ushort)(entry.FlagsMask & ~extra), plan.StackFaultAdjusted, plan.StringFaultRestart);
                if (failure == null) { result.Passed++; continue; }
                if (result.FirstFailures.Count < 5) result.FirstFailures.Add(failure);
                var sig = failure.Signature;
                result.BySignature[sig] = result.BySignature.TryGetValue(sig, out var s) ? (s.Count + 1, s.Example) : (1, failure);
            }
        }
        finally
        {
            Benches.Add(bench);
        }
        result.Elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        result.LoadElapsed = loaded;
        long end = System.Diagnostics.Stopwatch.GetTimestamp(), last;
        while ((last = Interlocked.Read(ref _lastEnd)) < end && Interlocked.CompareExchange(ref _lastEnd, end, last) != last) { }
        return result;
    }

    /// <summary>Skip counts by reason over all files (and the adjusted and per-status run counts): the content of SKIPS.md.</summary>
    public static string SkipsMarkdown(IReadOnlyList<FileResult> results)
    {
        int total = results.Sum(r => r.Total), run = results.Sum(r => r.Run), adjusted = results.Sum(r => r.Adjusted);
        int adjustedStack = results.Sum(r => r.AdjustedStack), adjustedString = results.Sum(r => r.AdjustedString);
        var skipped = new Dictionary<SkipReason, int>();
        var byFile = new Dictionary<SkipReason, Dictionary<string, int>>();
        foreach (var r in results)
            foreach (var (reason, n) in r.Skipped)
            {
                skipped[reason] = skipped.GetValueOrDefault(reason) + n;
                if (!byFile.TryGetValue(reason, out var files)) byFile[reason] = files = new();
                files[r.File] = n;
            }
        var status = new Dictionary<string, int>();
        foreach (var r in results) foreach (var (s, n) in r.RunByStatus) status[s] = status.GetValueOrDefault(s) + n;

        var sb = new StringBuilder();
        sb.Append("# SingleStepTests 80286 (real mode): skipped tests\n\n");
        sb.Append("Generated by `SingleStepSummary.SkipsMatchSkipsMd` from a run over the data (");
        sb.Append("`SINGLESTEP_UPDATE_SKIPS=1 dotnet test Tests/Engine.Tests --filter FullyQualifiedName~SingleStep` rewrites it; ");
        sb.Append("otherwise the test fails when the counts change). The counts depend on the data and the rules in `SkipRules.cs`, not on the engine.\n\n");
        sb.Append($"- Data files: {results.Count}\n");
        sb.Append($"- Tests: {total}\n");
        sb.Append($"- Run: {run} ({100.0 * run / Math.Max(1, total):F2} %), of which {adjusted} adjusted (below)\n");
        sb.Append($"- Skipped: {total - run}\n\n");
        sb.Append("| Reason | Tests | Files (count) | Why |\n|---|---:|---|---|\n");
        foreach (var reason in Enum.GetValues<SkipReason>())
        {
            int n = skipped.GetValueOrDefault(reason);
            string files = byFile.TryGetValue(reason, out var f) ? string.Join(" ", f.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}({k.Value})")) : "—";
            sb.Append($"| `{reason}` | {n} | {files} | {SkipRules.Describe(reason)} |\n");
        }
        sb.Append($"| **total** | **{total - run}** | | |\n\n");
        sb.Append("## Adjusted, not skipped\n\n");
        sb.Append($"- **#SS for SS overruns** ({adjustedStack} tests): the 286 raises INT 13 for an SS access beyond offset FFFF (POP/RET/RETF/IRET/POPA/LEAVE with SP or BP = FFFF, ");
        sb.Append("BP-based or SS-overridden operands at FFFF). A 286 in real mode reports every segment overrun as INT 13; a 386 raises #SS (12) ");
        sb.Append("for the SS segment (SDM Vol. 2, Real-Address Mode Exceptions: \"#SS If a memory operand effective address is outside the SS segment limit\"). ");
        sb.Append("These tests run with IVT[12] set to the test's IVT[13] entry, so a correct #SS reaches the recorded handler with the recorded frame; ");
        sb.Append("the engine must also report #SS (not #GP) through its monitor interface.\n");
        sb.Append($"- **String fault restart** ({adjustedString} tests): a string instruction whose first element crosses offset FFFF (SI or DI = FFFF, word size). ");
        sb.Append("The 286 has already advanced SI/DI (and CX) when it raises INT 13; on a 386 the fault leaves them as before the instruction ");
        sb.Append("(SDM Vol. 3A 6.5 \"Faults\": the processor state is that before the faulting instruction; Vol. 2B REP). The recorded frame, FLAGS, AX and memory are the same on both, ");
        sb.Append("so these run with SI, DI and CX expected unchanged (and with the #SS adjustment when the source is SS-overridden).\n\n");
        sb.Append("## Run, by metadata status\n\n| Status | Tests run | Decision |\n|---|---:|---|\n");
        foreach (var (s, n) in status.OrderBy(k => k.Key, StringComparer.Ordinal))
            sb.Append($"| {s} | {n} | {StatusDecision(s)} |\n");
        sb.Append("\nOther metadata statuses: `fpu` (D8-DF) is skipped (above); `prefix` (26 2E 36 3E F0 F1 F2 F3) and `extension` (0F) have no data files in this subset. ");
        sb.Append("The 286's `undefined` 64-67 (FS/GS/operand/address-size prefixes on a 386) also have no data files.\n\n");
        sb.Append("## Differences that are not skipped\n\n");
        sb.Append($"- OF after a shift/rotate by a masked count other than 1 is undefined (SDM Vol. 2B SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR); metadata.json masks it for C1 and D2/D3 but not C0, so it is also masked there: {results.Sum(r => r.ExtraMasked)} tests compared without OF that the metadata would compare.\n");
        sb.Append("- Undefined flags: each side is ANDed with the opcode's `flags-mask` (and bits 12-15 cleared) before comparing, also in the FLAGS image an exception pushes (at the handler's SS:SP+4; the data's `flag_address` is one byte low when SP is odd).\n");
        sb.Append("- IOPL/NT (bits 12-15) are cleared in the initial FLAGS (README) and ignored in the comparison (POPF/IRET on a 386 in real mode load them).\n");
        sb.Append("- PUSH SP, shift counts masked to 5 bits, divide-error return address, segment wrap of 16-bit offsets, #UD for reserved encodings: the same on a 386 (README, SDM), so compared.\n");
        return sb.ToString();
    }

    private static string StatusDecision(string status) => status switch
    {
        "normal" => "documented; run",
        "alias" => "82 /r (SDM opcode map: Grp 1 Eb,Ib, invalid only in 64-bit mode), F6/F7 /1 (TEST alias every x86 decodes): a 386 executes them as the 286; run",
        "undocumented" => "C0/C1/D0-D3 /6 (SAL, an alias of SHL on the 186 and later, as on a 386); and D6 SALC (AL = CF ? FFh : 0, executed by every Intel CPU; VirtLab implements it); run",
        "undefined" => "8F/C6/C7 with reg 1-7: #UD on the 286 and on a 386 (reserved in the SDM opcode map); run",
        _ => "run",
    };
}
