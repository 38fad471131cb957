namespace VirtLab.Engine.Labs;

/// <summary>
/// A problem in a lab file, at the file, line and column where it is, with what was expected.
/// <see cref="Exception.Message"/> is "<c>{File}:{Line}:{Column}: {Detail}</c>".
/// </summary>
public sealed class LabException : Exception
{
    /// <summary>Creates the exception for <paramref name="detail"/> at the given place.</summary>
    public LabException(string file, int line, int column, string detail, Exception? inner = null)
        : base($"{file}:{line}:{column}: {detail}", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>Creates the exception at <paramref name="location"/>.</summary>
    public LabException(SourceLocation location, string detail, Exception? inner = null)
        : this(location.File, location.Line, location.Column, detail, inner) { }

    /// <summary>The lab file (or the source name given to <see cref="LabLoader.Parse"/>).</summary>
    public string File { get; }
    /// <summary>1-based line.</summary>
    public int Line { get; }
    /// <summary>1-based column.</summary>
    public int Column { get; }
    /// <summary>What is wrong and what was expected, without the location.</summary>
    public string Detail { get; }
}
