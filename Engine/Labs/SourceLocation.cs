namespace VirtLab.Engine.Labs;

/// <summary>A place in a lab file: file name, 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    /// <inheritdoc/>
    public override string ToString() => $"{File}:{Line}:{Column}";
}
