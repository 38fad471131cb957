using System.Diagnostics;

namespace VirtLab.Engine.Tests.Support;

/// <summary>Assembles source with nasm (installed by .ci/run), the reference assembler no one here wrote.</summary>
public static class Nasm
{
    private static readonly Dictionary<string, byte[]> Cache = new();

    /// <summary>Assembles <paramref name="source"/> with <c>nasm -f bin</c>; fails the test with nasm's message on error.</summary>
    public static byte[] Assemble(string source, params string[] includeDirs)
    {
        lock (Cache)
            if (Cache.TryGetValue(source, out var cached)) return cached;
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-nasm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "t.asm"), bin = Path.Combine(dir, "t.bin");
            File.WriteAllText(src, source);
            var psi = new ProcessStartInfo("nasm") { RedirectStandardError = true, RedirectStandardOutput = true };
            psi.ArgumentList.Add("-f"); psi.ArgumentList.Add("bin");
            foreach (var inc in includeDirs) psi.ArgumentList.Add("-I" + inc.TrimEnd('/') + "/");
            psi.ArgumentList.Add("-o"); psi.ArgumentList.Add(bin);
            psi.ArgumentList.Add(src);
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException("nasm is not installed: install it (apt-get install nasm); .ci/run does this.");
            }
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("nasm failed:\n" + err + "\nsource:\n" + source);
            var bytes = File.ReadAllBytes(bin);
            lock (Cache) Cache[source] = bytes;
            return bytes;
        }
        finally { Directory.Delete(dir, true); }
    }
}
