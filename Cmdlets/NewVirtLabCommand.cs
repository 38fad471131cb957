using System.Management.Automation;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Loads a lab: from a YAML lab file, a YAML string, a ROM image or a flat image.</para>
/// <c>-Path</c> (wildcards, pipeline) and <c>-LiteralPath</c> load lab files; <c>-Yaml</c> parses
/// lab text; <c>-Rom</c> wraps a BIOS-style ROM started at the reset vector; <c>-Image</c> wraps a
/// flat image loaded at <c>-LoadAddress</c> (default 0x7C00) and entered there in real mode. Each
/// lab's guests get their machines at once, ready for Start-Guest or Step-Guest. A problem in a
/// lab file is an error naming its file, line and column; a bad path is an error too, and the
/// other paths still load.
/// </summary>
/// <example>
/// <code>
/// $lab = New-VirtLab ./Labs/hello.yaml
/// $lab | Start-Guest
/// </code>
/// <para>Loads the hello lab and runs its guest.</para>
/// </example>
/// <example>
/// <code>
/// Get-ChildItem ./Labs/*.yaml | New-VirtLab | Test-VirtLab
/// </code>
/// <para>Loads every sample lab and checks what each one expects.</para>
/// </example>
/// <example>
/// <code>
/// New-VirtLab -Image ./out/samples/primes.img -LoadAddress 0x7C00 | Start-Guest
/// </code>
/// <para>Runs a boot-sector image without writing a lab file.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "VirtLab", DefaultParameterSetName = PathSet, SupportsShouldProcess = false)]
[OutputType(typeof(Lab))]
public sealed class NewVirtLabCommand : PSCmdlet
{
    private const string PathSet = "Path", LiteralPathSet = "LiteralPath", YamlSet = "Yaml", RomSet = "Rom", ImageSet = "Image";

    /// <summary>Lab files (YAML); wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Lab files (YAML), taken exactly as written (no wildcards).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Lab text in YAML.</summary>
    [Parameter(Mandatory = true, ParameterSetName = YamlSet)]
    [ValidateNotNullOrEmpty]
    public string Yaml { get; set; } = "";

    /// <summary>A BIOS-style ROM image file (64 or 128 KiB, or smaller, placed at the top of 64 KiB), started at the reset vector.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RomSet)]
    [ValidateNotNullOrEmpty]
    public string Rom { get; set; } = "";

    /// <summary>A flat image file (boot sector style), loaded at -LoadAddress and entered there in real mode.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ImageSet)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = "";

    /// <summary>Where -Image is loaded and entered (default 0x7C00, below 1 MiB).</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [GuestAddress]
    public uint LoadAddress { get; set; } = 0x7C00;

    /// <summary>The lab's (and its guest's) name for -Rom and -Image (default: the file name without extension), or the source name of -Yaml in error messages (default &lt;yaml&gt;).</summary>
    [Parameter(ParameterSetName = RomSet)]
    [Parameter(ParameterSetName = ImageSet)]
    [Parameter(ParameterSetName = YamlSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PathSet: foreach (var p in Path) foreach (var file in Resolve(p, literal: false)) LoadFile(file); break;
            case LiteralPathSet: foreach (var p in LiteralPath) foreach (var file in Resolve(p, literal: true)) LoadFile(file); break;
            case YamlSet:
                Emit(() => Lab.FromYaml(Yaml, Name ?? "<yaml>"), Yaml);
                break;
            case RomSet:
                foreach (var file in Resolve(Rom, literal: false))
                    Emit(() => Lab.FromRom(File.ReadAllBytes(file), Name ?? System.IO.Path.GetFileNameWithoutExtension(file)), file);
                break;
            case ImageSet:
                foreach (var file in Resolve(Image, literal: false))
                    Emit(() => Lab.FromImage(File.ReadAllBytes(file), LoadAddress, Name ?? System.IO.Path.GetFileNameWithoutExtension(file)), file);
                break;
        }
    }

    private void LoadFile(string file) => Emit(() => Lab.Load(file), file);

    private void Emit(Func<Lab> load, object target)
    {
        try { WriteObject(load()); }
        catch (LabException e) { WriteError(Errors.Record(e, "InvalidLab", ErrorCategory.InvalidData, target)); }
        catch (ArgumentException e) { WriteError(Errors.Record(e, "InvalidImage", ErrorCategory.InvalidData, target)); }
        catch (IOException e) { WriteError(Errors.Record(e, "FileReadFailed", ErrorCategory.ReadError, target)); }
        catch (UnauthorizedAccessException e) { WriteError(Errors.Record(e, "FileAccessDenied", ErrorCategory.PermissionDenied, target)); }
    }

    /// <summary>Provider paths of the files <paramref name="path"/> names; writes an ObjectNotFound error (and yields nothing) when there are none.</summary>
    private IEnumerable<string> Resolve(string path, bool literal)
    {
        var files = new List<string>();
        bool reported = false;
        try
        {
            if (literal)
            {
                string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                if (File.Exists(full)) files.Add(full);
                else if (Directory.Exists(full)) { WriteError(Errors.Argument($"'{path}' is a directory, not a lab file.", "PathIsDirectory", path)); reported = true; }
            }
            else
            {
                foreach (var p in SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider))
                {
                    if (provider.Name != "FileSystem")
                    { WriteError(Errors.Argument($"'{path}' is not a file-system path.", "NotFileSystemPath", path)); return files; }
                    if (File.Exists(p)) files.Add(p);
                    else if (Directory.Exists(p)) { WriteError(Errors.Argument($"'{p}' is a directory, not a lab file.", "PathIsDirectory", p)); reported = true; }
                }
            }
        }
        catch (ItemNotFoundException) { }
        catch (System.Management.Automation.DriveNotFoundException) { }
        catch (ProviderNotFoundException) { }
        if (files.Count == 0 && !literal && WildcardPattern.ContainsWildcardCharacters(path)) return files; // a wildcard that matches nothing is not an error
        if (files.Count == 0 && !reported)
            WriteError(Errors.Record(new ItemNotFoundException($"Cannot find the file '{path}'."), "PathNotFound", ErrorCategory.ObjectNotFound, path));
        return files;
    }
}
