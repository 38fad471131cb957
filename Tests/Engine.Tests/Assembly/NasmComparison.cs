using System.Text;
using VirtLab.Engine.Assembly;
using VirtLab.Engine.Tests.Differential;
using VirtLab.Engine.Tests.Support;

namespace VirtLab.Engine.Tests.Assembly;

/// <summary>Assembles the same source with nasm (the reference) and with VirtLab's assembler and explains the first difference.</summary>
public static class NasmComparison
{
    public static string CorpusDir => Path.Combine(QemuDifferentialTests.RepoRoot, "Tests", "Engine.Tests", "Assembly", "Corpus");

    /// <summary>Asserts both assemblers produce the same bytes for a source text (nasm's include dir is Tests/Guests/include).</summary>
    public static AssemblyResult AssertSameAsNasm(string source, string name = "test.asm")
    {
        var expected = Nasm.Assemble(source);
        AssemblyResult ours;
        try
        {
            ours = Assembler.Assemble(source, new AssemblerOptions { SourceName = name, IncludePaths = new[] { QemuDifferentialTests.IncludeDir } });
        }
        catch (AssemblyException e)
        {
            throw new Xunit.Sdk.XunitException($"VirtLab's assembler rejected source nasm accepts:\n{e.Message}");
        }
        Compare(expected, ours, name);
        return ours;
    }

    /// <summary>Asserts both assemblers produce the same bytes for a file.</summary>
    public static AssemblyResult AssertFileSameAsNasm(string path, params string[] includeDirs)
    {
        var work = Path.Combine(Path.GetTempPath(), "virtlab-asm-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var inc = includeDirs.Length > 0 ? includeDirs[0] : Path.GetDirectoryName(path)!;
            var expected = ExternalTools.Assemble(path, inc, work);
            AssemblyResult ours;
            try
            {
                ours = Assembler.AssembleFile(path, new AssemblerOptions { IncludePaths = includeDirs });
            }
            catch (AssemblyException e)
            {
                throw new Xunit.Sdk.XunitException($"VirtLab's assembler rejected {Path.GetFileName(path)}, which nasm accepts:\n{e.Message}");
            }
            Compare(expected, ours, Path.GetFileName(path));
            return ours;
        }
        finally { Directory.Delete(work, true); }
    }

    private static void Compare(byte[] expected, AssemblyResult ours, string name)
    {
        var actual = ours.Bytes;
        if (expected.AsSpan().SequenceEqual(actual)) return;
        int n = Math.Min(expected.Length, actual.Length);
        int diff = 0;
        while (diff < n && expected[diff] == actual[diff]) diff++;
        var sb = new StringBuilder();
        sb.Append($"{name}: VirtLab's bytes differ from nasm's at file offset 0x{diff:X} (nasm {expected.Length} bytes, VirtLab {actual.Length} bytes).\n");
        var line = ours.Listing.LastOrDefault(l => l.FileOffset >= 0 && l.FileOffset <= diff);
        if (line is not null)
        {
            long start = line.FileOffset;
            int len = Math.Max(line.Bytes.Length, 1);
            string nasmBytes = start < expected.Length ? Convert.ToHexString(expected, (int)start, (int)Math.Min(len + 4, expected.Length - start)) : "(end)";
            sb.Append($"  at {line.Source.File}:{line.Source.Line}: {line.Source.Text.Trim()}\n");
            for (var c = line.Source; c.CalledFrom is not null; c = c.CalledFrom)
                sb.Append($"    (macro {c.MacroName} invoked at {c.CalledFrom.File}:{c.CalledFrom.Line}: {c.CalledFrom.Text.Trim()})\n");
            sb.Append($"  VirtLab: {Convert.ToHexString(line.Bytes)}\n  nasm:    {nasmBytes} (and following bytes)\n");
        }
        else sb.Append("  (no listing line covers that offset)\n");
        throw new Xunit.Sdk.XunitException(sb.ToString());
    }
}
