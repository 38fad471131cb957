namespace VirtLab.Engine.Assembly;

/// <summary>Kinds of tokens (shared by the preprocessor and the assembler).</summary>
internal enum TokenKind
{
    Identifier,
    Number,
    String,
    /// <summary>Punctuation and operators: , : [ ] ( ) { } + - * / // % %% &lt;&lt; &gt;&gt; ... ? </summary>
    Operator,
    /// <summary>$ (current address).</summary>
    Dollar,
    /// <summary>$$ (start of the current section).</summary>
    DollarDollar,
    /// <summary>%name: a preprocessor directive or function (%define, %str ...).</summary>
    PreprocName,
    /// <summary>%1 .. %n, %0: a macro parameter.</summary>
    MacroParam,
    /// <summary>%{...}: a braced macro parameter (%{1}, %{1:-1}).</summary>
    MacroParamBraced,
    /// <summary>%%name: a macro-local label.</summary>
    MacroLocal,
    /// <summary>%$name, %$$name: a context-local name.</summary>
    ContextLocal,
    /// <summary>%+: token pasting.</summary>
    Paste,
    /// <summary>%[: start of an indirect expansion (ends at the matching ]).</summary>
    ExpandOpen,
}

/// <summary>A token: its text, column in its origin line, whether whitespace preceded it, and the line it came from.</summary>
internal sealed class Token
{
    public Token(TokenKind kind, string text, int column, bool spaceBefore, SourceLine origin, MacroGuard? guard = null)
    {
        Kind = kind;
        Text = text;
        Column = column;
        SpaceBefore = spaceBefore;
        Origin = origin;
        Guard = guard;
    }

    public readonly TokenKind Kind;
    public readonly string Text;
    /// <summary>1-based column in <see cref="Origin"/>'s text.</summary>
    public readonly int Column;
    public readonly bool SpaceBefore;
    public readonly SourceLine Origin;
    /// <summary>Single-line macros this token came out of (they are not expanded again inside their own expansion).</summary>
    public readonly MacroGuard? Guard;

    public bool Is(string op) => Kind == TokenKind.Operator && Text == op;
    public bool IsIdent(string lowerName) => Kind == TokenKind.Identifier && Text.Equals(lowerName, StringComparison.OrdinalIgnoreCase);

    public Token With(string text, TokenKind kind) => new(kind, text, Column, SpaceBefore, Origin, Guard);
    public Token WithSpace(bool space) => space == SpaceBefore ? this : new(Kind, Text, Column, space, Origin, Guard);
    public Token WithGuard(MacroGuard? guard) => new(Kind, Text, Column, SpaceBefore, Origin, guard);
    /// <summary>A copy placed at another origin/column (tokens produced by a single-line macro are reported at its use).</summary>
    public Token At(SourceLine origin, int column, bool spaceBefore, MacroGuard? guard) => new(Kind, Text, column, spaceBefore, origin, guard);

    public override string ToString() => Text;
}

/// <summary>Immutable list of the single-line macros a token was produced by (recursion guard).</summary>
internal sealed class MacroGuard
{
    public MacroGuard(object macro, MacroGuard? next) { Macro = macro; Next = next; }
    public readonly object Macro;
    public readonly MacroGuard? Next;

    public static bool Contains(MacroGuard? g, object macro)
    {
        for (; g is not null; g = g.Next) if (ReferenceEquals(g.Macro, macro)) return true;
        return false;
    }
}
