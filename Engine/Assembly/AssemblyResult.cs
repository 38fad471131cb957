namespace VirtLab.Engine.Assembly;

/// <summary>One label or <c>equ</c> constant of an assembled program.</summary>
/// <param name="Name">Full name (local labels as nasm spells them: "main.loop").</param>
/// <param name="Value">Address (labels: section vstart + offset) or constant value.</param>
/// <param name="IsLabel">True for a label (an address in <paramref name="Section"/>), false for an equ constant.</param>
/// <param name="Section">Section of a label; null for a constant.</param>
/// <param name="Source">Where it was defined.</param>
public sealed record AssemblySymbol(string Name, long Value, bool IsLabel, string? Section, SourceLine Source);

/// <summary>
/// One listing line: an emitted statement (instruction or data), its address, file offset and bytes, and the line
/// it came from. Lines that emit nothing (labels, directives, reserved space) are not listed.
/// </summary>
/// <param name="Address">Address of the first byte (as the code sees it: section vstart + offset).</param>
/// <param name="FileOffset">Offset of the first byte in <see cref="AssemblyResult.Bytes"/>; -1 for reserved (nobits) space.</param>
/// <param name="Bytes">The bytes.</param>
/// <param name="Section">Section name.</param>
/// <param name="Bits">BITS in force (16 or 32): how a disassembler should decode the bytes.</param>
/// <param name="IsCode">True for an instruction, false for data (db/dw/..., incbin, times of data, align padding).</param>
/// <param name="Source">The source line.</param>
public sealed record ListingLine(long Address, long FileOffset, byte[] Bytes, string Section, int Bits, bool IsCode, SourceLine Source)
{
    /// <summary>"AAAAAAAA  BYTES...  file:line  text", like nasm's -l listing.</summary>
    public override string ToString() =>
        $"{Address:X8}  {Convert.ToHexString(Bytes),-20}  {Source.File}:{Source.Line}  {Source.Text.Trim()}";
}

/// <summary>A section of the flat binary as laid out.</summary>
/// <param name="Name">Section name (".text" when none was declared).</param>
/// <param name="Start">Load address (org + file offset).</param>
/// <param name="VStart">Address its labels are computed from (vstart=, default = Start).</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="IsNoBits">True for a nobits section (.bss): reserves addresses, occupies no file bytes.</param>
public sealed record AssemblySection(string Name, long Start, long VStart, long Length, bool IsNoBits);

/// <summary>What <see cref="Assembler.Assemble(string, AssemblerOptions?)"/> produced.</summary>
public sealed class AssemblyResult
{
    internal AssemblyResult(byte[] bytes, long origin, IReadOnlyList<AssemblySymbol> symbols, IReadOnlyList<ListingLine> listing,
        IReadOnlyList<AssemblySection> sections, IReadOnlyList<AssemblyDiagnostic> warnings, int passes, int sourceLines)
    {
        Bytes = bytes;
        Origin = origin;
        Symbols = symbols;
        Listing = listing;
        Sections = sections;
        Warnings = warnings;
        Passes = passes;
        SourceLines = sourceLines;
        _byName = symbols.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First());
    }

    private readonly Dictionary<string, AssemblySymbol> _byName;

    /// <summary>The flat binary image (nasm -f bin): file offset 0 is address <see cref="Origin"/>.</summary>
    public byte[] Bytes { get; }
    /// <summary>Address of the first byte (the <c>org</c>).</summary>
    public long Origin { get; }
    /// <summary>Labels and equ constants, in definition order (macro-local "..@" names included).</summary>
    public IReadOnlyList<AssemblySymbol> Symbols { get; }
    /// <summary>Every emitted statement in output order within each section.</summary>
    public IReadOnlyList<ListingLine> Listing { get; }
    /// <summary>The sections as laid out.</summary>
    public IReadOnlyList<AssemblySection> Sections { get; }
    /// <summary>Warnings (values truncated to their field, as nasm warns).</summary>
    public IReadOnlyList<AssemblyDiagnostic> Warnings { get; }
    /// <summary>How many optimization passes were needed before the sizes were stable.</summary>
    public int Passes { get; }
    /// <summary>Source lines read (all files, macro bodies not counted again).</summary>
    public int SourceLines { get; }

    /// <summary>The symbol's value; throws KeyNotFoundException naming the symbol when it does not exist.</summary>
    public long this[string symbol] =>
        _byName.TryGetValue(symbol, out var s) ? s.Value : throw new KeyNotFoundException($"No symbol '{symbol}' in the assembled program.");

    /// <summary>The symbol, or null.</summary>
    public AssemblySymbol? FindSymbol(string name) => _byName.GetValueOrDefault(name);
}
