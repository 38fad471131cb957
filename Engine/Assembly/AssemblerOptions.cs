namespace VirtLab.Engine.Assembly;

/// <summary>
/// Where <c>%include</c> and <c>incbin</c> read files. The default reads the real file system; a lab or
/// a test can serve files from memory.
/// </summary>
public interface IAssemblerFileSystem
{
    /// <summary>True when <paramref name="path"/> names a readable file.</summary>
    bool FileExists(string path);
    /// <summary>The file's bytes.</summary>
    byte[] ReadAllBytes(string path);
}

/// <summary>The real file system.</summary>
public sealed class PhysicalFileSystem : IAssemblerFileSystem
{
    public static readonly PhysicalFileSystem Instance = new();
    public bool FileExists(string path) => File.Exists(path);
    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);
}

/// <summary>Files held in memory, by path (paths compared after <see cref="Path.GetFullPath(string)"/>).</summary>
public sealed class InMemoryFileSystem : IAssemblerFileSystem
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a file.</summary>
    public InMemoryFileSystem Add(string path, byte[] content) { _files[Path.GetFullPath(path)] = content; return this; }
    /// <summary>Adds (or replaces) a text file (UTF-8).</summary>
    public InMemoryFileSystem Add(string path, string text) => Add(path, System.Text.Encoding.UTF8.GetBytes(text));

    public bool FileExists(string path) => _files.ContainsKey(Path.GetFullPath(path));
    public byte[] ReadAllBytes(string path) =>
        _files.TryGetValue(Path.GetFullPath(path), out var b) ? b : throw new FileNotFoundException($"No file '{path}' in the in-memory file system.", path);
}

/// <summary>Options of <see cref="Assembler.Assemble(string, AssemblerOptions?)"/>.</summary>
public sealed class AssemblerOptions
{
    /// <summary>
    /// Name of the main source in diagnostics and the listing (a file path or a lab's name). When it is a path,
    /// <c>%include</c> and <c>incbin</c> look first in its directory. Default "source.asm".
    /// </summary>
    public string SourceName { get; init; } = "source.asm";

    /// <summary>Initial <c>BITS</c>: 16 (the default, as nasm's bin format) or 32.</summary>
    public int Bitness { get; init; } = 16;

    /// <summary>Initial origin (as <c>org</c>); a source's own <c>org</c> overrides it. Default 0.</summary>
    public long Origin { get; init; }

    /// <summary>Directories searched by <c>%include</c> and <c>incbin</c> after the including file's own directory (nasm's <c>-I</c>).</summary>
    public IReadOnlyList<string> IncludePaths { get; init; } = Array.Empty<string>();

    /// <summary>Where included files are read from. Default: the real file system.</summary>
    public IAssemblerFileSystem FileSystem { get; init; } = PhysicalFileSystem.Instance;

    /// <summary>Single-line macros defined before the source, like nasm's <c>-DNAME=value</c> (the value is macro text, e.g. "0x8000").</summary>
    public IReadOnlyDictionary<string, string> Defines { get; init; } = new Dictionary<string, string>();

    internal void Validate()
    {
        if (Bitness != 16 && Bitness != 32)
            throw new ArgumentException($"AssemblerOptions.Bitness must be 16 or 32, not {Bitness}.", nameof(Bitness));
        if (string.IsNullOrEmpty(SourceName))
            throw new ArgumentException("AssemblerOptions.SourceName must not be empty.", nameof(SourceName));
        foreach (var kv in Defines)
            if (string.IsNullOrWhiteSpace(kv.Key) || !Lexer.IsIdentifier(kv.Key))
                throw new ArgumentException($"AssemblerOptions.Defines: '{kv.Key}' is not a valid macro name.", nameof(Defines));
    }
}
