using VirtLab.Engine.Assembly;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Assembly;

/// <summary>
/// The instruction corpus (Corpus/*.asm) and every guest of the repository (Tests/Guests/**/*.asm, Labs/samples/*.asm)
/// assembled by nasm and by VirtLab's assembler: the bytes must be identical.
/// </summary>
public class NasmCorpusTests
{
    public static IEnumerable<object[]> CorpusFiles() =>
        Directory.GetFiles(NasmComparison.CorpusDir, "*.asm").Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public static IEnumerable<object[]> Guests()
    {
        var root = QemuDifferentialTests.RepoRoot;
        return Directory.GetFiles(Path.Combine(root, "Tests", "Guests"), "*.asm", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "Labs", "samples"), "*.asm"))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(p => new object[] { p });
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_file_assembles_as_nasm(string file)
    {
        NasmComparison.AssertFileSameAsNasm(Path.Combine(NasmComparison.CorpusDir, file));
    }

    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_assembles_as_nasm(string relativePath)
    {
        var path = Path.Combine(QemuDifferentialTests.RepoRoot, relativePath);
        // the guests are built with -I Tests/Guests/include/ (the samples include from their own folder),
        // the protected-mode ROMs with -I Tests/Guests/pm/include/, the bench guests from their own folder
        string normalized = relativePath.Replace('\\', '/');
        string include = normalized.Contains("/pm/", StringComparison.Ordinal) ? ProtectedModeRomQemuTests.IncludeDir
            : normalized.Contains("/bench/", StringComparison.Ordinal) ? Path.GetDirectoryName(path)!
            : QemuDifferentialTests.IncludeDir;
        NasmComparison.AssertFileSameAsNasm(path, include);
    }

    [Fact]
    public void Corpus_has_at_least_300_instruction_lines_in_each_mode()
    {
        foreach (var f in new[] { "instructions16.asm", "instructions32.asm" })
        {
            var lines = File.ReadAllLines(Path.Combine(NasmComparison.CorpusDir, f))
                .Select(l => l.Trim()).Count(l => l.Length > 0 && !l.StartsWith(';') && !l.StartsWith("bits", StringComparison.Ordinal));
            Assert.True(lines >= 300, $"{f} has {lines} instruction lines; the corpus must have at least 300.");
        }
    }

    [Fact]
    public void There_are_guests_to_compare()
    {
        Assert.True(Guests().Count() >= 30, $"expected the repository's guests, found {Guests().Count()}");
    }

    [Fact]
    public void Instruction_table_is_built_from_Iced_codes()
    {
        // every legacy 16/32-bit instruction of Iced's tables, minus the aliases nasm never emits
        Assert.True(InstructionTable.CodeCount > 1300, $"only {InstructionTable.CodeCount} codes indexed");
        foreach (var m in new[] { "lgdt", "ltr", "invlpg", "vmcall", "vmlaunch", "vmxon", "invept", "mov", "jz", "setnae", "cmovpe", "loopz", "xlat", "pushfw", "iretd", "sysenter" })
            Assert.NotNull(InstructionTable.Find(m));
        Assert.Null(InstructionTable.Find("mov_eax"));
    }
}
