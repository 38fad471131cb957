using System.Runtime.CompilerServices;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace VirtLab.Engine.Tests.SingleStep;

/// <summary>
/// SingleStepTests 80286 real mode, one theory row per data file (1,000 tests each), asserting no
/// failures. The rows are split over four classes by opcode range so that xunit runs them in
/// parallel (one test collection per class).
/// </summary>
public abstract class SingleStepRows
{
    private readonly ITestOutputHelper _output;
    protected SingleStepRows(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Files(int firstOpcode, int lastOpcode)
    {
        if (!SingleStepData.Available)
        {
            yield return new object[] { "(data missing)" };
            yield break;
        }
        foreach (var f in SingleStepData.FileNames)
        {
            int op = Convert.ToInt32(f[..2], 16);
            if (op >= firstOpcode && op <= lastOpcode) yield return new object[] { f };
        }
    }

    protected void RunFile(string file)
    {
        Assert.True(SingleStepData.Available, $"SingleStepTests 80286 data not found in {SingleStepData.Directory} (set VIRTLAB_SINGLESTEP_80286).");
        var r = SingleStepSuite.Get(file);
        _output.WriteLine(r.Summary);
        Assert.True(r.Failed == 0, r.FailureMessage());
    }
}

public sealed class SingleStep80286_00_3F : SingleStepRows
{
    public SingleStep80286_00_3F(ITestOutputHelper o) : base(o) { }
    public static IEnumerable<object[]> Rows => Files(0x00, 0x3F);
    [Theory, MemberData(nameof(Rows))] public void File(string file) => RunFile(file);
}

public sealed class SingleStep80286_40_8F : SingleStepRows
{
    public SingleStep80286_40_8F(ITestOutputHelper o) : base(o) { }
    public static IEnumerable<object[]> Rows => Files(0x40, 0x8F);
    [Theory, MemberData(nameof(Rows))] public void File(string file) => RunFile(file);
}

public sealed class SingleStep80286_90_CF : SingleStepRows
{
    public SingleStep80286_90_CF(ITestOutputHelper o) : base(o) { }
    public static IEnumerable<object[]> Rows => Files(0x90, 0xCF);
    [Theory, MemberData(nameof(Rows))] public void File(string file) => RunFile(file);
}

public sealed class SingleStep80286_D0_FF : SingleStepRows
{
    public SingleStep80286_D0_FF(ITestOutputHelper o) : base(o) { }
    public static IEnumerable<object[]> Rows => Files(0xD0, 0xFF);
    [Theory, MemberData(nameof(Rows))] public void File(string file) => RunFile(file);
}

/// <summary>
/// Totals over the whole suite (runs every file once, in parallel, sharing results with the rows),
/// a full report (singlestep-report.md beside the test assembly), and SKIPS.md kept in step with the
/// skip counts.
/// </summary>
public sealed class SingleStepSummary
{
    private readonly ITestOutputHelper _output;
    public SingleStepSummary(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Totals()
    {
        Assert.True(SingleStepData.Available, $"SingleStepTests 80286 data not found in {SingleStepData.Directory}.");
        var results = SingleStepSuite.RunAll();
        var elapsed = SingleStepSuite.WallTime;
        int total = results.Sum(r => r.Total), run = results.Sum(r => r.Run), passed = results.Sum(r => r.Passed);
        var line = new StringBuilder();
        line.Append($"SingleStepTests 80286: {results.Count} files, {total} tests: run {run} (adjusted {results.Sum(r => r.Adjusted)}), passed {passed}, failed {run - passed}, skipped {total - run}");
        var skipped = results.SelectMany(r => r.Skipped).GroupBy(k => k.Key).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Sum(k => k.Value)}");
        line.Append(" [").Append(string.Join(", ", skipped)).Append(']');
        line.Append($"; files passing {results.Count(r => r.Failed == 0)}/{results.Count}; wall {elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores (per-file time summed: {results.Sum(r => r.Elapsed.TotalSeconds):F1} s, of which loading {results.Sum(r => r.LoadElapsed.TotalSeconds):F1} s)");
        _output.WriteLine(line.ToString());
        string report = Path.Combine(AppContext.BaseDirectory, "singlestep-report.md");
        File.WriteAllText(report, Report(results, line.ToString()));
        _output.WriteLine("Report: " + report);
    }

    [Fact]
    public void SkipsMatchSkipsMd()
    {
        Assert.True(SingleStepData.Available, $"SingleStepTests 80286 data not found in {SingleStepData.Directory}.");
        var results = SingleStepSuite.RunAll();
        string content = SingleStepSuite.SkipsMarkdown(results);
        string path = SkipsPath();
        if (!System.IO.Directory.Exists(Path.GetDirectoryName(path)))
        {
            _output.WriteLine("Source directory not present; SKIPS.md not checked.\n" + content);
            return;
        }
        bool update = Environment.GetEnvironmentVariable("SINGLESTEP_UPDATE_SKIPS") == "1" || !File.Exists(path);
        if (update)
        {
            File.WriteAllText(path, content);
            _output.WriteLine("Wrote " + path);
            return;
        }
        string committed = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(committed == content, $"{path} is out of date with the skip counts; rerun with SINGLESTEP_UPDATE_SKIPS=1.\nExpected:\n{content}");
    }

    private static string SkipsPath([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "SKIPS.md");

    private static string Report(IReadOnlyList<FileResult> results, string totals)
    {
        var sb = new StringBuilder();
        sb.Append("# SingleStepTests 80286 run\n\n").Append(totals).Append("\n\n");
        sb.Append("| File | Run | Passed | Failed | Skipped | Failures by what differed |\n|---|---:|---:|---:|---:|---|\n");
        foreach (var r in results)
            sb.Append($"| {r.File} | {r.Run} | {r.Passed} | {r.Failed} | {r.SkippedTotal} | {r.SignatureList(8)} |\n");
        sb.Append("\n## Failing files: one example per kind of difference\n\n");
        foreach (var r in results.Where(r => r.Failed > 0))
        {
            sb.Append($"### {r.File}: {r.Failed} of {r.Run} fail\n\n```\n");
            foreach (var (sig, (count, example)) in r.BySignature.OrderByDescending(k => k.Value.Count).Take(10))
                sb.Append($"[{sig}] ×{count}\n").Append(example.Detail);
            sb.Append("```\n\n");
        }
        return sb.ToString();
    }
}
