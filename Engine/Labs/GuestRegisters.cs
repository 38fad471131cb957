namespace VirtLab.Engine.Labs;

/// <summary>The register names labs use (lower case), and reading/writing them on a <see cref="Cpu"/>.</summary>
public static class GuestRegisters
{
    /// <summary>Registers a lab may set before the run (<c>registers:</c>).</summary>
    public static readonly IReadOnlyList<string> Settable = new[] { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eflags" };

    /// <summary>Registers an expectation may check after the run.</summary>
    public static readonly IReadOnlyList<string> Readable = new[]
    {
        "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
        "cs", "ds", "es", "fs", "gs", "ss", "cr0", "cr2", "cr3", "cr4",
    };

    /// <summary>The value of a <see cref="Readable"/> register.</summary>
    public static uint Read(Cpu cpu, string name) => name switch
    {
        "eax" => cpu.Eax, "ecx" => cpu.Ecx, "edx" => cpu.Edx, "ebx" => cpu.Ebx,
        "esp" => cpu.Esp, "ebp" => cpu.Ebp, "esi" => cpu.Esi, "edi" => cpu.Edi,
        "eip" => cpu.Eip, "eflags" => cpu.EFlags,
        "cs" => cpu.Segments[(int)SegmentRegister.CS].Selector, "ds" => cpu.Segments[(int)SegmentRegister.DS].Selector,
        "es" => cpu.Segments[(int)SegmentRegister.ES].Selector, "fs" => cpu.Segments[(int)SegmentRegister.FS].Selector,
        "gs" => cpu.Segments[(int)SegmentRegister.GS].Selector, "ss" => cpu.Segments[(int)SegmentRegister.SS].Selector,
        "cr0" => cpu.Cr0, "cr2" => cpu.Cr2, "cr3" => cpu.Cr3, "cr4" => cpu.Cr4,
        _ => throw new ArgumentException($"Unknown register '{name}' (expected one of: {string.Join(", ", Readable)}).", nameof(name)),
    };

    /// <summary>Sets a <see cref="Settable"/> register.</summary>
    public static void Write(Cpu cpu, string name, uint value)
    {
        switch (name)
        {
            case "eax": cpu.Eax = value; break;
            case "ecx": cpu.Ecx = value; break;
            case "edx": cpu.Edx = value; break;
            case "ebx": cpu.Ebx = value; break;
            case "esp": cpu.Esp = value; break;
            case "ebp": cpu.Ebp = value; break;
            case "esi": cpu.Esi = value; break;
            case "edi": cpu.Edi = value; break;
            case "eflags": cpu.EFlags = value; break;
            default: throw new ArgumentException($"Register '{name}' cannot be set by a lab (expected one of: {string.Join(", ", Settable)}).", nameof(name));
        }
    }

    /// <summary>All <see cref="Readable"/> registers of <paramref name="cpu"/>.</summary>
    public static IReadOnlyDictionary<string, uint> Snapshot(Cpu cpu) => Readable.ToDictionary(n => n, n => Read(cpu, n));
}
