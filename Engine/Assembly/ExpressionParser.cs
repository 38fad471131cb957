namespace VirtLab.Engine.Assembly;

/// <summary>
/// Parses nasm expressions from a token list. Precedence, lowest first: ?: ; || ; ^^ ; &amp;&amp; ;
/// = == != &lt;&gt; &lt; &lt;= &gt; &gt;= &lt;=&gt; ; | ; ^ ; &amp; ; &lt;&lt; &gt;&gt; &lt;&lt;&lt; &gt;&gt;&gt; ; + - ; * / // % %% ;
/// unary - + ~ !. / and % are unsigned, // and %% signed; &gt;&gt; is a logical shift, &gt;&gt;&gt; arithmetic.
/// </summary>
internal sealed class ExpressionParser
{
    private readonly List<Token> _t;
    private int _p;
    private readonly int _end;
    private readonly bool _allowRegisters;
    private readonly SourceLine _line;
    private readonly int _endColumn;

    public ExpressionParser(List<Token> tokens, int start, int end, bool allowRegisters, SourceLine line, int endColumn)
    {
        _t = tokens;
        _p = start;
        _end = end;
        _allowRegisters = allowRegisters;
        _line = line;
        _endColumn = endColumn;
    }

    public int Position => _p;

    /// <summary>Parses a whole expression from tokens[start..end); throws when tokens are left over.</summary>
    public static Expr ParseAll(List<Token> tokens, int start, int end, SourceLine line, int endColumn, bool allowRegisters = false)
    {
        var p = new ExpressionParser(tokens, start, end, allowRegisters, line, endColumn);
        var e = p.Parse();
        if (p._p < end)
            throw new AsmError(tokens[p._p].Origin, tokens[p._p].Column, $"unexpected '{tokens[p._p].Text}' after the expression (expected an operator or the end of the operand)");
        return e;
    }

    public Expr Parse() => Conditional();

    private Token? Peek => _p < _end ? _t[_p] : null;
    private bool PeekOp(string op) => _p < _end && _t[_p].Kind == TokenKind.Operator && _t[_p].Text == op;

    private AsmError Expected(string what)
    {
        if (_p < _end) return new AsmError(_t[_p].Origin, _t[_p].Column, $"expected {what}, found '{_t[_p].Text}'");
        var last = _p > 0 && _p - 1 < _t.Count ? _t[_p - 1] : null;
        return new AsmError(last?.Origin ?? _line, last is null ? _endColumn : last.Column + last.Text.Length, $"expected {what} at the end of the line");
    }

    private Expr Conditional()
    {
        var c = Binary(0);
        if (PeekOp("?"))
        {
            var q = _t[_p++];
            var a = Conditional();
            if (!PeekOp(":")) throw Expected("':' of the ?: operator");
            _p++;
            var b = Conditional();
            return new ConditionalExpr(q, c, a, b);
        }
        return c;
    }

    private static readonly string[][] Levels =
    {
        new[] { "||" },
        new[] { "^^" },
        new[] { "&&" },
        new[] { "=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>" },
        new[] { "|" },
        new[] { "^" },
        new[] { "&" },
        new[] { "<<", ">>", "<<<", ">>>" },
        new[] { "+", "-" },
        new[] { "*", "/", "//", "%", "%%" },
    };

    private static readonly Dictionary<string, int> LevelOf = Levels.SelectMany((ops, level) => ops.Select(o => (o, level))).ToDictionary(x => x.o, x => x.level);

    private int PeekLevel() =>
        _p < _end && _t[_p].Kind == TokenKind.Operator && LevelOf.TryGetValue(_t[_p].Text, out int l) ? l : -1;

    private Expr Binary(int level)
    {
        // precedence climbing: all operators are left-associative
        var left = Unary();
        while (true)
        {
            int l = PeekLevel();
            if (l < level) return left;
            var op = _t[_p++];
            var right = Binary(l + 1);
            left = new BinaryExpr(op, op.Text, left, right);
        }
    }

    private Expr Unary()
    {
        var t = Peek ?? throw Expected("an expression");
        if (t.Kind == TokenKind.Operator && t.Text is "-" or "+" or "~" or "!")
        {
            _p++;
            return new UnaryExpr(t, t.Text, Unary());
        }
        return Primary();
    }

    private Expr Primary()
    {
        var t = Peek ?? throw Expected("an expression");
        switch (t.Kind)
        {
            case TokenKind.Number:
                _p++;
                if (!Lexer.TryParseNumber(t.Text, out long v))
                    throw new AsmError(t.Origin, t.Column, t.Text.Contains('.') || t.Text.Contains('e') && !t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && t.Text.Contains('.')
                        ? $"floating-point constant '{t.Text}' is not supported here (expected an integer)"
                        : $"invalid number '{t.Text}'");
                return new NumberExpr(t, v);
            case TokenKind.String:
                {
                    _p++;
                    var bytes = Lexer.StringBytes(t);
                    if (bytes.Length > 8) throw new AsmError(t.Origin, t.Column, $"character constant {t.Text} is longer than 8 bytes");
                    long n = 0;
                    for (int i = bytes.Length - 1; i >= 0; i--) n = (n << 8) | bytes[i];
                    return new NumberExpr(t, n);
                }
            case TokenKind.Dollar: _p++; return new HereExpr(t, false);
            case TokenKind.DollarDollar: _p++; return new HereExpr(t, true);
            case TokenKind.Identifier:
                {
                    _p++;
                    string name = t.Text;
                    if (name[0] == '$') return new SymbolExpr(t, name.Substring(1));
                    var reg = Registers.Find(name);
                    if (reg != Iced.Intel.Register.None)
                    {
                        if (_allowRegisters) return new RegisterExpr(t, reg);
                        throw new AsmError(t.Origin, t.Column, $"register {name} is not allowed in this expression (expected a number or a symbol)");
                    }
                    if (Keywords.IsSizeKeyword(name) || Keywords.IsOperandKeyword(name))
                        throw new AsmError(t.Origin, t.Column, $"'{name}' is misplaced: size and jump keywords go before the operand");
                    return new SymbolExpr(t, name);
                }
            case TokenKind.Operator when t.Text == "(":
                {
                    _p++;
                    var e = Conditional();
                    if (!PeekOp(")")) throw Expected("')'");
                    _p++;
                    return e;
                }
            default:
                throw Expected("an expression");
        }
    }
}
