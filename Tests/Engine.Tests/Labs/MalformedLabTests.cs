using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>
/// The malformed-lab corpus (Tests/Labs/malformed/*.yaml): each file's first line is
/// <c># error: LINE:COLUMN: MESSAGE</c>, the exact error loading it must give, in that file
/// (<c>{dir}</c> in the message stands for the corpus folder, which differs between checkouts).
/// </summary>
public class MalformedLabTests
{
    public static string CorpusDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Tests", "Labs", "malformed");

    public static IEnumerable<object[]> Corpus() =>
        Directory.GetFiles(CorpusDir, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    [Fact]
    public void The_corpus_has_at_least_40_files() => Assert.True(Corpus().Count() >= 40, $"{Corpus().Count()} files in {CorpusDir}");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Malformed_lab_gives_its_exact_error(string file)
    {
        string path = Path.Combine(CorpusDir, file);
        var ex = Assert.Throws<LabException>(() => LabLoader.Load(path));
        string actual = $"{ex.Line}:{ex.Column}: {ex.Detail}";
        string header = File.ReadLines(path).FirstOrDefault() ?? "";
        const string prefix = "# error: ";
        Assert.True(header.StartsWith(prefix, StringComparison.Ordinal), $"{file}: the first line must be '# error: LINE:COLUMN: MESSAGE'\n actual:   {actual}");
        string expected = header[prefix.Length..].Replace("{dir}", CorpusDir);
        Assert.True(expected == actual, $"{file}\n expected: {expected}\n actual:   {actual}");
        Assert.Equal(path, ex.File);
        Assert.Equal($"{path}:{ex.Line}:{ex.Column}: {ex.Detail}", ex.Message);
    }
}
