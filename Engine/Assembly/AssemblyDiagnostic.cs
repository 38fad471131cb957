using System.Text;

namespace VirtLab.Engine.Assembly;

/// <summary>How serious a diagnostic is: an error fails the assembly, a warning does not (nasm warns in the same places).</summary>
public enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>
/// One source line as the assembler saw it: the file (or the caller-given source name), the 1-based
/// line number, the text, and, for a line produced by a multi-line macro, the line that invoked the macro.
/// </summary>
public sealed class SourceLine
{
    public SourceLine(string file, int line, string text, SourceLine? calledFrom = null, string? macroName = null)
    {
        File = file;
        Line = line;
        Text = text;
        CalledFrom = calledFrom;
        MacroName = macroName;
    }

    /// <summary>File path, or the source name given in <see cref="AssemblerOptions.SourceName"/> for the main source.</summary>
    public string File { get; }
    /// <summary>1-based line number in <see cref="File"/>.</summary>
    public int Line { get; }
    /// <summary>The text of the line as written (without the line terminator).</summary>
    public string Text { get; }
    /// <summary>For a line of a macro body: the line that invoked the macro; null for a line read from a file.</summary>
    public SourceLine? CalledFrom { get; }
    /// <summary>For a line of a macro body: the macro's name.</summary>
    public string? MacroName { get; }

    public override string ToString() => $"{File}:{Line}";
}

/// <summary>An error or warning at a file, line and column, with the source line it is about.</summary>
public sealed class AssemblyDiagnostic
{
    public AssemblyDiagnostic(DiagnosticSeverity severity, SourceLine source, int column, string message)
    {
        Severity = severity;
        Source = source;
        Column = Math.Max(1, column);
        Message = message;
    }

    public DiagnosticSeverity Severity { get; }
    /// <summary>The line the diagnostic is about (for a macro line, the line in the macro's definition; see <see cref="SourceLine.CalledFrom"/>).</summary>
    public SourceLine Source { get; }
    /// <summary>File (or source name) of <see cref="Source"/>.</summary>
    public string File => Source.File;
    /// <summary>1-based line number.</summary>
    public int Line => Source.Line;
    /// <summary>1-based column of the offending token in <see cref="SourceLine.Text"/>.</summary>
    public int Column { get; }
    /// <summary>What is wrong, and what was expected.</summary>
    public string Message { get; }

    /// <summary>"file:line:col: error: message", the source line, a caret under the column, and the macro invocation chain.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(File).Append(':').Append(Line).Append(':').Append(Column).Append(": ")
          .Append(Severity == DiagnosticSeverity.Error ? "error: " : "warning: ").Append(Message).Append('\n');
        string text = Source.Text.Replace('\t', ' ');
        sb.Append("    ").Append(text).Append('\n');
        sb.Append("    ").Append(new string(' ', Math.Min(Column - 1, text.Length))).Append('^');
        for (var c = Source; c.CalledFrom is not null; c = c.CalledFrom)
            sb.Append('\n').Append("  in macro ").Append(c.MacroName).Append(" invoked at ").Append(c.CalledFrom.File)
              .Append(':').Append(c.CalledFrom.Line).Append(": ").Append(c.CalledFrom.Text.Trim());
        return sb.ToString();
    }
}

/// <summary>
/// Thrown by <see cref="Assembler.Assemble(string, AssemblerOptions?)"/> when the source has errors.
/// Nothing is emitted for a failed assembly: the exception carries every error found (and the warnings).
/// </summary>
public sealed class AssemblyException : Exception
{
    public AssemblyException(IReadOnlyList<AssemblyDiagnostic> diagnostics)
        : base(BuildMessage(diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>All diagnostics, errors first in source order, then warnings.</summary>
    public IReadOnlyList<AssemblyDiagnostic> Diagnostics { get; }

    /// <summary>Only the errors.</summary>
    public IEnumerable<AssemblyDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    private static string BuildMessage(IReadOnlyList<AssemblyDiagnostic> diagnostics)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var sb = new StringBuilder();
        sb.Append("Assembly failed with ").Append(errors.Count).Append(errors.Count == 1 ? " error" : " errors").Append(':');
        foreach (var d in errors.Take(20)) sb.Append('\n').Append(d);
        if (errors.Count > 20) sb.Append("\n... and ").Append(errors.Count - 20).Append(" more");
        return sb.ToString();
    }
}

/// <summary>Internal: thrown to abandon one line (or the whole assembly when fatal) after recording a diagnostic.</summary>
internal sealed class AsmError : Exception
{
    public AsmError(SourceLine source, int column, string message, bool fatal = false) : base(message)
    {
        Line = source;
        Column = column;
        Fatal = fatal;
    }

    public SourceLine Line { get; }
    public int Column { get; }
    public bool Fatal { get; }
}

/// <summary>Internal: collects diagnostics; stops the assembly after too many errors.</summary>
internal sealed class DiagnosticBag
{
    public const int MaxErrors = 100;
    private readonly List<AssemblyDiagnostic> _items = new();
    private readonly HashSet<(string, int, int, string)> _seen = new();

    public int ErrorCount { get; private set; }
    public IReadOnlyList<AssemblyDiagnostic> Items => _items;

    public void Error(SourceLine source, int column, string message)
    {
        if (!_seen.Add((source.File, source.Line, column, message))) return;
        _items.Add(new AssemblyDiagnostic(DiagnosticSeverity.Error, source, column, message));
        ErrorCount++;
        if (ErrorCount >= MaxErrors) throw new AsmError(source, column, "too many errors", fatal: true);
    }

    public void Error(AsmError e) => Error(e.Line, e.Column, e.Message);

    public void Warning(SourceLine source, int column, string message)
    {
        if (!_seen.Add((source.File, source.Line, column, message))) return;
        _items.Add(new AssemblyDiagnostic(DiagnosticSeverity.Warning, source, column, message));
    }

    public List<AssemblyDiagnostic> Sorted() =>
        _items.Where(d => d.Severity == DiagnosticSeverity.Error)
              .Concat(_items.Where(d => d.Severity == DiagnosticSeverity.Warning)).ToList();
}
