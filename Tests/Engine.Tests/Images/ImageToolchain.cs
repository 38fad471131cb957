using System.Text;
using VirtLab.Engine.Tests.Differential;

namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// Builds guest images with tools nobody here wrote (nasm -f elf32 / -f bin, GNU ld -m elf_i386,
/// readelf, nm) and boots kernels in QEMU with -kernel. Everything happens in a scratch folder that
/// <see cref="Dispose"/> deletes. Missing tools fail the test with an install hint: nasm and
/// qemu-system-x86 as for the other differential tests, binutils (ld, readelf, nm, objdump) and,
/// for the C kernel, gcc.
/// </summary>
public sealed class ImageToolchain : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "virtlab-images-" + Guid.NewGuid().ToString("N")[..12]);

    public ImageToolchain() => Directory.CreateDirectory(Dir);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public string PathOf(string name) => Path.Combine(Dir, name);

    private static string Tool(string exe, string package) => ExternalTools.Require(exe, package);

    private ProcessOutcome RunOk(string exe, string package, params string[] args)
    {
        var r = ExternalTools.Run(Tool(exe, package), args, ExternalTools.NasmTimeout, Dir);
        if (r.TimedOut) throw new InvalidOperationException($"{exe} timed out: {string.Join(' ', args)}");
        if (r.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed (exit {r.ExitCode}):\n{r.StdErr}{r.StdOut}");
        return r;
    }

    /// <summary>nasm -f <paramref name="format"/> name.asm -o name.o (or name.bin for bin); returns the output path.</summary>
    public string Nasm(string name, string source, string format = "elf32")
    {
        File.WriteAllText(PathOf(name + ".asm"), source);
        string output = PathOf(name + (format == "bin" ? ".bin" : ".o"));
        RunOk("nasm", "nasm", "-f", format, "-o", output, PathOf(name + ".asm"));
        return output;
    }

    /// <summary>
    /// gcc -m32 -march=i586 -ffreestanding -c name.c -o name.o (no libc, no headers: freestanding
    /// kernel code for the Pentium-class CPU the engine models); returns the object path.
    /// </summary>
    public string Gcc(string name, string source)
    {
        File.WriteAllText(PathOf(name + ".c"), source);
        string output = PathOf(name + ".o");
        RunOk("gcc", "gcc (Debian package gcc)", "-m32", "-march=i586", "-ffreestanding", "-fno-pic", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
            "-O2", "-Wall", "-Werror", "-c", "-o", output, PathOf(name + ".c"));
        return output;
    }

    /// <summary>ld -m <paramref name="emulation"/> [args] -o name objects...; returns the executable path.</summary>
    public string Link(string name, IEnumerable<string> objects, string emulation = "elf_i386", params string[] ldArgs)
    {
        string output = PathOf(name);
        RunOk("ld", "binutils (Debian package binutils)", new[] { "-m", emulation }.Concat(ldArgs).Concat(new[] { "-o", output }).Concat(objects).ToArray());
        return output;
    }

    /// <summary>Assembles <paramref name="source"/> with nasm -f elf32 and links it with ld -m elf_i386 (default -Ttext 0x100000, entry _start).</summary>
    public byte[] BuildElf(string name, string source, params string[] ldArgs)
    {
        var obj = Nasm(name, source);
        var exe = Link(name + ".elf", new[] { obj }, "elf_i386", ldArgs.Length == 0 ? new[] { "-Ttext", "0x100000" } : ldArgs);
        return File.ReadAllBytes(exe);
    }

    /// <summary>Writes bytes to a file in the scratch folder and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(PathOf(name), bytes);
        return PathOf(name);
    }

    /// <summary>readelf -W with the given options on a file; returns stdout.</summary>
    public string ReadElf(string file, params string[] options) => RunOk("readelf", "binutils (Debian package binutils)", options.Append("-W").Append(file).ToArray()).StdOut;

    /// <summary>nm on a file; returns (value, type letter, name) for each defined symbol.</summary>
    public IReadOnlyList<(uint Value, char Type, string Name)> Nm(string file)
    {
        var outcome = RunOk("nm", "binutils (Debian package binutils)", file);
        var list = new List<(uint, char, string)>();
        foreach (var line in outcome.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3) continue; // undefined symbols have no value
            list.Add((Convert.ToUInt32(parts[0], 16), parts[1][0], parts[2]));
        }
        return list;
    }

    /// <summary>
    /// Boots <paramref name="kernelFile"/> (a name in the scratch folder, so QEMU's command line
    /// "name args" is the same on every machine) with qemu-system-i386 -kernel (TCG only), debugcon on
    /// port 0xE9 to a file and isa-debug-exit on 0xF4.
    /// </summary>
    public QemuOutcome RunQemuKernel(string kernelFile, int ramMiB, string? append = null, string? initrd = null)
    {
        var qemu = Tool(ExternalTools.QemuExe, "qemu-system-i386 (Debian/Ubuntu package qemu-system-x86)");
        var console = PathOf(kernelFile + ".qemu.txt");
        if (File.Exists(console)) File.Delete(console);
        var args = new List<string>
        {
            "-accel", "tcg", "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "none",
            "-debugcon", "file:" + console, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-m", ramMiB + "M", "-kernel", kernelFile,
        };
        if (append is not null) { args.Add("-append"); args.Add(append); }
        if (initrd is not null) { args.Add("-initrd"); args.Add(initrd); }
        var r = ExternalTools.Run(qemu, args, ExternalTools.QemuTimeout, Dir);
        var text = File.Exists(console) ? Encoding.Latin1.GetString(File.ReadAllBytes(console)) : "";
        return new QemuOutcome(text, r.ExitCode, r.TimedOut, r.StdErr);
    }
}
