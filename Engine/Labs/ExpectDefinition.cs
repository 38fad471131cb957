namespace VirtLab.Engine.Labs;

/// <summary>What a correct run of a guest shows (<c>expect:</c>). Every part is optional.</summary>
public sealed class ExpectDefinition
{
    /// <summary>The stop reason (<c>stop:</c>).</summary>
    public StopReason? Stop { get; init; }
    /// <summary>The exit code written to port 0xF4 (<c>exit-code:</c>).</summary>
    public int? ExitCode { get; init; }
    /// <summary>The console text, exactly (<c>console: "..."</c>).</summary>
    public string? Console { get; init; }
    /// <summary>Text the console must contain (<c>console: {contains: "..."}</c>).</summary>
    public string? ConsoleContains { get; init; }
    /// <summary>The POST codes, in order (<c>post-codes:</c>).</summary>
    public IReadOnlyList<byte>? PostCodes { get; init; }
    /// <summary>Final register values (<c>registers:</c>).</summary>
    public IReadOnlyDictionary<string, uint> Registers { get; init; } = new Dictionary<string, uint>();
    /// <summary>Final memory bytes (<c>memory:</c>).</summary>
    public IReadOnlyList<MemoryExpectation> Memory { get; init; } = Array.Empty<MemoryExpectation>();
    /// <summary>VM exits (<c>exits:</c>).</summary>
    public IReadOnlyList<ExitExpectation> Exits { get; init; } = Array.Empty<ExitExpectation>();
    /// <summary>Whether the exits listed must occur in this order (<c>exits-in-order:</c>).</summary>
    public bool ExitsInOrder { get; init; }
}

/// <summary>Bytes expected at a physical address after the run.</summary>
public sealed record MemoryExpectation(uint Address, byte[] Bytes, SourceLocation Location);

/// <summary>
/// VM exits expected: the reason, optionally how many (<see cref="Count"/>, otherwise at least one),
/// and fields each matching exit must carry (port, cr, ..., compared with <see cref="Vmm.VmExit.Fields"/>).
/// </summary>
public sealed record ExitExpectation(string Reason, int? Count, IReadOnlyDictionary<string, ulong> Fields, SourceLocation Location);
