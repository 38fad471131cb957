using System.Diagnostics;
using System.Text;

namespace VirtLab.Engine.Tests.Differential;

/// <summary>Result of running an external process.</summary>
public sealed record ProcessOutcome(int ExitCode, string StdOut, string StdErr, bool TimedOut);

/// <summary>What QEMU produced for one guest ROM.</summary>
/// <param name="Console">Content of the debugcon file (bytes as Latin-1 characters, like the engine's ConsoleText).</param>
/// <param name="ExitStatus">QEMU's process exit status; (value &lt;&lt; 1) | 1 when the guest wrote the isa-debug-exit port.</param>
public sealed record QemuOutcome(string Console, int ExitStatus, bool TimedOut, string StdErr)
{
    /// <summary>True when the status has the isa-debug-exit shape (odd).</summary>
    public bool ExitedThroughPort => !TimedOut && (ExitStatus & 1) == 1;
    /// <summary>The value the guest wrote to port 0xF4: (status - 1) >> 1.</summary>
    public int GuestExitCode => (ExitStatus - 1) >> 1;
}

/// <summary>Runs nasm and qemu-system-i386 for the differential tests.</summary>
public static class ExternalTools
{
    public const string NasmExe = "nasm";
    public const string QemuExe = "qemu-system-i386";
    public static readonly TimeSpan NasmTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan QemuTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Full path of an executable found on PATH, or null.</summary>
    public static string? FindOnPath(string exe)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var names = OperatingSystem.IsWindows() ? new[] { exe + ".exe", exe } : new[] { exe };
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Full path of a required tool; throws a message telling to install it when missing.</summary>
    public static string Require(string exe, string package)
    {
        var found = FindOnPath(exe);
        if (found is null)
            throw new InvalidOperationException(
                $"'{exe}' is not on PATH. The QEMU differential tests need it: install {package} " +
                "(e.g. `apt-get install nasm qemu-system-x86`); CI installs it. These tests fail rather than skip without it.");
        return found;
    }

    /// <summary>Runs a process with a timeout (the whole process tree is killed on timeout).</summary>
    public static ProcessOutcome Run(string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        bool exited = p.WaitForExit(timeout);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
        }
        else p.WaitForExit(); // drain the async readers
        string o, e2;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e2 = stderr.ToString();
        return new ProcessOutcome(exited ? p.ExitCode : -1, o, e2, !exited);
    }

    /// <summary>Assembles <paramref name="asmPath"/> with `nasm -f bin -I includeDir/` into <paramref name="outDir"/>; throws with nasm's messages on error.</summary>
    public static byte[] Assemble(string asmPath, string includeDir, string outDir)
    {
        var nasm = Require(NasmExe, "nasm");
        var output = Path.Combine(outDir, Path.GetFileNameWithoutExtension(asmPath) + ".bin");
        var inc = includeDir.EndsWith(Path.DirectorySeparatorChar) || includeDir.EndsWith('/') ? includeDir : includeDir + Path.DirectorySeparatorChar;
        var r = Run(nasm, new[] { "-f", "bin", "-I", inc, "-o", output, asmPath }, NasmTimeout);
        if (r.TimedOut) throw new InvalidOperationException($"nasm timed out on {asmPath}.");
        if (r.ExitCode != 0 || !File.Exists(output))
            throw new InvalidOperationException($"nasm failed on {Path.GetFileName(asmPath)} (exit {r.ExitCode}):\n{r.StdErr}{r.StdOut}");
        return File.ReadAllBytes(output);
    }

    /// <summary>
    /// Runs a BIOS-style ROM in QEMU (TCG only; never KVM) with the debug console on port 0xE9 going to a file
    /// and isa-debug-exit on 0xF4, and returns the console bytes and QEMU's exit status.
    /// </summary>
    public static QemuOutcome RunQemuBios(string binPath, string outDir)
    {
        var qemu = Require(QemuExe, "qemu-system-i386 (Debian/Ubuntu package qemu-system-x86)");
        var consoleFile = Path.Combine(outDir, Path.GetFileNameWithoutExtension(binPath) + ".qemu.txt");
        if (File.Exists(consoleFile)) File.Delete(consoleFile);
        var args = new[]
        {
            "-accel", "tcg", "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "none",
            "-debugcon", "file:" + consoleFile,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-bios", binPath,
        };
        var r = Run(qemu, args, QemuTimeout, outDir);
        var text = File.Exists(consoleFile) ? Encoding.Latin1.GetString(File.ReadAllBytes(consoleFile)) : "";
        return new QemuOutcome(text, r.ExitCode, r.TimedOut, r.StdErr);
    }
}
