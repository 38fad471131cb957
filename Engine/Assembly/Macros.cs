namespace VirtLab.Engine.Assembly;

/// <summary>A line of tokens with the source line it came from.</summary>
internal sealed class RawLine
{
    public RawLine(List<Token> tokens, SourceLine origin) { Tokens = tokens; Origin = origin; }
    public readonly List<Token> Tokens;
    public readonly SourceLine Origin;
}

/// <summary>A single-line macro (%define, %xdefine, %assign, %defstr ...), optionally with parameters.</summary>
internal sealed class SingleLineMacro
{
    public SingleLineMacro(string name, List<string>? parameters, List<Token> body, SourceLine definedAt)
    {
        Name = name;
        Parameters = parameters;
        Body = body;
        DefinedAt = definedAt;
    }

    public readonly string Name;
    /// <summary>Parameter names, or null for a macro without parentheses.</summary>
    public readonly List<string>? Parameters;
    public readonly List<Token> Body;
    public readonly SourceLine DefinedAt;
}

/// <summary>A multi-line macro (%macro ... %endmacro).</summary>
internal sealed class MultiLineMacro
{
    public MultiLineMacro(string name, int min, int max, bool greedy, List<List<Token>> defaults, SourceLine definedAt)
    {
        Name = name;
        Min = min;
        Max = max;
        Greedy = greedy;
        Defaults = defaults;
        DefinedAt = definedAt;
    }

    public readonly string Name;
    public readonly int Min;
    /// <summary>Maximum parameter count (int.MaxValue for "*").</summary>
    public readonly int Max;
    /// <summary>"+": the last parameter takes the rest of the line, commas included.</summary>
    public readonly bool Greedy;
    /// <summary>Default values of parameters Min+1 .. Max.</summary>
    public readonly List<List<Token>> Defaults;
    public readonly List<RawLine> Body = new();
    public readonly SourceLine DefinedAt;

    public string Describe() => Max == int.MaxValue ? $"{Min} or more" : Min == Max ? $"{Min}" : $"{Min} to {Max}";
}

/// <summary>One invocation of a multi-line macro: its parameters (rotated by %rotate) and its unique number for %% names.</summary>
internal sealed class MacroFrame
{
    public MacroFrame(MultiLineMacro macro, List<List<Token>> parameters, int id, SourceLine callSite)
    {
        Macro = macro;
        Parameters = parameters;
        Id = id;
        CallSite = callSite;
    }

    public readonly MultiLineMacro Macro;
    public readonly List<List<Token>> Parameters;
    public readonly int Id;
    public readonly SourceLine CallSite;
    public int Rotate;

    /// <summary>Parameter n (1-based, after rotation); empty when there is no such parameter.</summary>
    public List<Token> Param(int n)
    {
        int count = Parameters.Count;
        if (n < 1 || n > count) return new List<Token>();
        return Parameters[(n - 1 + Rotate) % count];
    }
}

/// <summary>A %push context.</summary>
internal sealed class PpContext
{
    public PpContext(string name, int id) { Name = name; Id = id; }
    public string Name;
    public readonly int Id;
}

/// <summary>Where the preprocessor reads its next line: a file, a macro body or a %rep body.</summary>
internal abstract class LineSource
{
    /// <summary>The macro invocation whose parameters the lines see (null outside macros).</summary>
    public MacroFrame? Frame;
    /// <summary>Depth of the %if stack when this source started (checked when it ends).</summary>
    public int CondDepth;
    public abstract RawLine? Next(DiagnosticBag diags);
}

internal sealed class FileSource : LineSource
{
    private readonly string[] _lines;
    private int _i;
    public readonly string DisplayName;
    public readonly string? Directory;

    public FileSource(string text, string displayName, string? directory)
    {
        _lines = text.Split('\n');
        DisplayName = displayName;
        Directory = directory;
    }

    public int LinesRead => _i;

    public override RawLine? Next(DiagnosticBag diags)
    {
        while (_i < _lines.Length)
        {
            int lineNo = _i + 1;
            string text = _lines[_i++].TrimEnd('\r');
            // a backslash at the end of a line continues it on the next one
            while (text.EndsWith('\\') && _i < _lines.Length)
                text = text[..^1] + _lines[_i++].TrimEnd('\r');
            var origin = new SourceLine(DisplayName, lineNo, text);
            try
            {
                return new RawLine(Lexer.Tokenize(text, origin), origin);
            }
            catch (AsmError e)
            {
                diags.Error(e);
            }
        }
        return null;
    }
}

internal sealed class BodySource : LineSource
{
    private readonly List<RawLine> _body;
    private int _i;
    private long _remaining;
    /// <summary>Non-null for a macro expansion (lines get an origin naming the invocation).</summary>
    private readonly MacroFrame? _expansion;
    public readonly bool IsRep;

    public BodySource(List<RawLine> body, long repeat, MacroFrame? frame, bool isRep)
    {
        _body = body;
        _remaining = repeat;
        Frame = frame;
        IsRep = isRep;
        _expansion = isRep ? null : frame;
    }

    public override RawLine? Next(DiagnosticBag diags)
    {
        while (_remaining > 0)
        {
            if (_i < _body.Count)
            {
                var raw = _body[_i++];
                if (_expansion is null) return raw;
                var o = raw.Origin;
                return new RawLine(raw.Tokens, new SourceLine(o.File, o.Line, o.Text, _expansion.CallSite, _expansion.Macro.Name));
            }
            _i = 0;
            _remaining--;
        }
        return null;
    }
}
