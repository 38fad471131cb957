using VirtLab.Engine.Tests.Differential;

namespace VirtLab.Engine.Tests.Support;

/// <summary>Assembles source text with nasm (installed by .ci/run), the reference assembler no one here wrote.</summary>
public static class Nasm
{
    private static readonly Dictionary<string, byte[]> Cache = new();

    /// <summary>Assembles <paramref name="source"/> with <c>nasm -f bin</c> (through <see cref="ExternalTools.Assemble"/>); fails the test with nasm's message on error.</summary>
    public static byte[] Assemble(string source)
    {
        lock (Cache)
            if (Cache.TryGetValue(source, out var cached)) return cached;
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-nasm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "t.asm");
            File.WriteAllText(src, source);
            byte[] bytes;
            try { bytes = ExternalTools.Assemble(src, QemuDifferentialTests.IncludeDir, dir); }
            catch (InvalidOperationException e) { throw new InvalidOperationException(e.Message + "\nsource:\n" + source, e); }
            lock (Cache) Cache[source] = bytes;
            return bytes;
        }
        finally { Directory.Delete(dir, true); }
    }
}
