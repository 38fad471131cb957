using System.Text;

namespace VirtLab.Engine.Assembly;

/// <summary>A preprocessed line: tokens for the assembler and the line they came from.</summary>
internal sealed class PpLine
{
    public PpLine(List<Token> tokens, SourceLine origin) { Tokens = tokens; Origin = origin; }
    public readonly List<Token> Tokens;
    public readonly SourceLine Origin;
}

/// <summary>
/// nasm's preprocessor, as far as VirtLab's guests use it: %include, %define/%xdefine/%undef (with parameters),
/// %assign, %defstr/%strlen/%substr, %macro/%endmacro (parameter ranges, defaults, greedy last parameter,
/// %0 %1.. %{n} %{a:b} %%local %rotate), %rep/%endrep/%exitrep, %if/%elif/%else/%endif with the
/// def/ndef/macro/idn/idni/num/str/id/ctx/empty variants, %push/%pop/%repl and %$local names, %[...], %+,
/// %str(), %error/%warning/%fatal, and the __?BITS?__ macro that follows BITS.
/// </summary>
internal sealed partial class Preprocessor
{
    private readonly AssemblerOptions _options;
    private readonly DiagnosticBag _diags;
    private readonly Dictionary<string, List<SingleLineMacro>> _smacros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<SingleLineMacro>> _ismacros = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<MultiLineMacro>> _mmacros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<MultiLineMacro>> _immacros = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PpContext> _contexts = new();
    private readonly Stack<LineSource> _sources = new();
    private readonly List<Cond> _conds = new();
    private readonly List<PpLine> _output = new();
    private Recording? _rec;
    private int _nextMacroId;
    private int _nextContextId;
    private readonly SourceLine _builtin = new("<built-in>", 0, "");

    public int SourceLineCount { get; private set; }

    public Preprocessor(AssemblerOptions options, DiagnosticBag diags)
    {
        _options = options;
        _diags = diags;
        SetBits(options.Bitness);
        foreach (var kv in options.Defines)
        {
            var origin = new SourceLine("<defines>", 0, $"%define {kv.Key} {kv.Value}");
            Define(kv.Key, null, Lexer.Tokenize(kv.Value ?? "", origin), origin, caseInsensitive: false);
        }
    }

    private sealed class Cond
    {
        public bool Active;      // lines of the current branch are processed
        public bool Taken;       // some branch was (or is) taken
        public bool ParentActive;
        public bool SeenElse;
        public SourceLine Where = null!;
    }

    private sealed class Recording
    {
        public bool IsMacro;
        public MultiLineMacro? Macro;
        public long RepCount;
        public MacroFrame? Frame;
        public int Depth;
        public readonly List<RawLine> Body = new();
        public SourceLine Start = null!;
    }

    private bool Active => _conds.Count == 0 || _conds[^1].Active;

    /// <summary>Preprocesses the main source; errors go to the diagnostic bag.</summary>
    public List<PpLine> Run(string text)
    {
        string? dir = null;
        try { dir = Path.GetDirectoryName(Path.GetFullPath(_options.SourceName)); } catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { }
        var main = new FileSource(text, _options.SourceName, dir);
        _sources.Push(main);
        try
        {
            while (_sources.Count > 0)
            {
                var src = _sources.Peek();
                var raw = src.Next(_diags);
                if (raw is null)
                {
                    EndSource(src);
                    continue;
                }
                try
                {
                    Process(raw, src);
                }
                catch (AsmError e) when (!e.Fatal)
                {
                    _diags.Error(e);
                }
            }
            if (_rec is not null)
                _diags.Error(_rec.Start, 1, _rec.IsMacro ? $"%macro {_rec.Macro!.Name} has no %endmacro" : "%rep has no %endrep");
        }
        catch (AsmError e) when (e.Fatal)
        {
            _diags.Error(e);
        }
        return _output;
    }

    private void EndSource(LineSource src)
    {
        _sources.Pop();
        if (src is FileSource f)
        {
            SourceLineCount += f.LinesRead;
            if (_rec is not null && _sources.Count > 0 && _rec.Start.File == f.DisplayName)
            {
                _diags.Error(_rec.Start, 1, _rec.IsMacro ? $"%macro {_rec.Macro!.Name} has no %endmacro before the end of {f.DisplayName}" : $"%rep has no %endrep before the end of {f.DisplayName}");
                _rec = null;
            }
        }
        while (_conds.Count > src.CondDepth)
        {
            var c = _conds[^1];
            _diags.Error(c.Where, 1, src is FileSource ? "%if has no %endif (expected %endif before the end of the file)" : "%if has no %endif inside the macro or %rep body");
            _conds.RemoveAt(_conds.Count - 1);
        }
    }

    private static string? DirectiveName(List<Token> toks) =>
        toks.Count > 0 && toks[0].Kind == TokenKind.PreprocName ? toks[0].Text.ToLowerInvariant() : null;

    private void Process(RawLine raw, LineSource src)
    {
        var toks = raw.Tokens;
        string? dir = DirectiveName(toks);

        if (_rec is not null)
        {
            Record(raw, dir);
            return;
        }
        if (dir is not null && IsConditional(dir))
        {
            Conditional(dir, toks, raw.Origin, src.Frame);
            return;
        }
        if (!Active) return;
        if (toks.Count == 0) return;

        var frame = src.Frame;
        if (frame is not null) toks = SubstituteParams(toks, frame, raw.Origin);
        if (dir is not null)
        {
            Directive(dir, toks, raw.Origin, src);
            return;
        }
        toks = Expand(toks);
        if (toks.Count == 0) return;
        if (TryInvoke(toks, raw.Origin, frame)) return;
        NoteBits(toks);
        _output.Add(new PpLine(toks, raw.Origin));
    }

    private void Record(RawLine raw, string? dir)
    {
        var rec = _rec!;
        if (rec.IsMacro)
        {
            if (dir is "%macro" or "%imacro") rec.Depth++;
            else if (dir is "%endmacro" or "%endm")
            {
                if (rec.Depth == 0)
                {
                    rec.Macro!.Body.AddRange(rec.Body);
                    _rec = null;
                    return;
                }
                rec.Depth--;
            }
        }
        else
        {
            if (dir == "%rep") rec.Depth++;
            else if (dir == "%endrep")
            {
                if (rec.Depth == 0)
                {
                    _rec = null;
                    if (rec.RepCount > 0)
                        _sources.Push(new BodySource(rec.Body, rec.RepCount, rec.Frame, isRep: true) { CondDepth = _conds.Count });
                    return;
                }
                rec.Depth--;
            }
        }
        rec.Body.Add(raw);
    }

    // ---------------------------------------------------------------- conditionals

    private static bool IsConditional(string dir) =>
        dir.StartsWith("%if", StringComparison.Ordinal) || dir.StartsWith("%elif", StringComparison.Ordinal) || dir is "%else" or "%endif";

    private void Conditional(string dir, List<Token> toks, SourceLine origin, MacroFrame? frame)
    {
        var at = toks[0];
        if (dir == "%endif")
        {
            if (_conds.Count == 0) throw new AsmError(origin, at.Column, "%endif without a matching %if");
            _conds.RemoveAt(_conds.Count - 1);
            return;
        }
        if (dir == "%else")
        {
            if (_conds.Count == 0) throw new AsmError(origin, at.Column, "%else without a matching %if");
            var c = _conds[^1];
            if (c.SeenElse) throw new AsmError(origin, at.Column, "a second %else in the same %if block");
            c.SeenElse = true;
            c.Active = c.ParentActive && !c.Taken;
            c.Taken = true;
            return;
        }
        if (dir.StartsWith("%elif", StringComparison.Ordinal))
        {
            if (_conds.Count == 0) throw new AsmError(origin, at.Column, $"{dir} without a matching %if");
            var c = _conds[^1];
            if (c.SeenElse) throw new AsmError(origin, at.Column, $"{dir} after %else");
            if (!c.ParentActive || c.Taken) { c.Active = false; return; }
            if (frame is not null) toks = SubstituteParams(toks, frame, origin);
            bool v = Condition(dir.Substring(5), toks, origin);
            c.Active = v;
            c.Taken = v;
            return;
        }
        // %if...
        bool parent = Active;
        var cond = new Cond { ParentActive = parent, Where = origin };
        _conds.Add(cond);
        if (!parent) return;
        if (frame is not null) toks = SubstituteParams(toks, frame, origin);
        bool r = Condition(dir.Substring(3), toks, origin);
        cond.Active = r;
        cond.Taken = r;
    }

    /// <summary>Evaluates the condition of %if&lt;kind&gt; / %elif&lt;kind&gt; (kind "", "def", "ndef", "idn", "nidni" ...).</summary>
    private bool Condition(string kind, List<Token> toks, SourceLine origin)
    {
        bool negate = false;
        if (kind.StartsWith('n') && kind != "num") { negate = true; kind = kind[1..]; }
        var at = toks[0];
        var args = toks.GetRange(1, toks.Count - 1);
        bool result;
        switch (kind)
        {
            case "":
                {
                    var ex = Expand(args);
                    if (ex.Count == 0) throw new AsmError(origin, at.Column + at.Text.Length, $"{at.Text} needs an expression");
                    result = EvaluateConstant(ex, origin, at).N != 0;
                    break;
                }
            case "def":
                {
                    string name = SingleName(args, origin, at);
                    result = FindSMacros(name) is not null;
                    break;
                }
            case "macro":
                {
                    if (args.Count == 0 || args[0].Kind != TokenKind.Identifier) throw new AsmError(origin, at.Column, $"{at.Text} needs a macro name");
                    result = FindMMacros(args[0].Text) is not null;
                    break;
                }
            case "idn":
            case "idni":
                {
                    var ex = Expand(args);
                    int comma = ex.FindIndex(t => t.Is(","));
                    if (comma < 0) throw new AsmError(origin, at.Column, $"{at.Text} needs two token sequences separated by a comma");
                    string a = string.Concat(ex.Take(comma).Select(t => t.Text));
                    string b = string.Concat(ex.Skip(comma + 1).Select(t => t.Text));
                    result = string.Equals(a, b, kind == "idni" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                    break;
                }
            case "num": { var ex = Expand(args); result = ex.Count == 1 && ex[0].Kind == TokenKind.Number; break; }
            case "str": { var ex = Expand(args); result = ex.Count == 1 && ex[0].Kind == TokenKind.String; break; }
            case "id": { var ex = Expand(args); result = ex.Count == 1 && ex[0].Kind == TokenKind.Identifier; break; }
            case "empty": { var ex = Expand(args); result = ex.Count == 0; break; }
            case "ctx":
                result = _contexts.Count > 0 && args.Count > 0 && args.Any(t => t.Kind == TokenKind.Identifier && t.Text == _contexts[^1].Name);
                break;
            default:
                throw new AsmError(origin, at.Column, $"unknown conditional directive {at.Text}");
        }
        return result ^ negate;
    }

    private string SingleName(List<Token> args, SourceLine origin, Token at)
    {
        var name = NameTokens(args, 0, out int next, origin, at);
        if (next < args.Count) throw new AsmError(origin, args[next].Column, $"unexpected '{args[next].Text}' after the macro name in {at.Text}");
        return name;
    }

    /// <summary>Evaluates a preprocessor expression (numbers, character constants, operators; no labels).</summary>
    private Value EvaluateConstant(List<Token> toks, SourceLine origin, Token at)
    {
        var e = ExpressionParser.ParseAll(toks, 0, toks.Count, origin, at.Column + at.Text.Length);
        return e.Eval(new PpEvalContext());
    }

    private sealed class PpEvalContext : IEvalContext
    {
        public Value Symbol(string name, Token at) =>
            throw new AsmError(at.Origin, at.Column, $"'{name}' is not a macro or a number: the preprocessor evaluates %if, %assign and %rep before any label exists");
        public Value Here(Token at) => throw new AsmError(at.Origin, at.Column, "$ cannot be used in a preprocessor expression");
        public Value SectionStart(Token at) => throw new AsmError(at.Origin, at.Column, "$$ cannot be used in a preprocessor expression");
    }

    // ---------------------------------------------------------------- macro lookup

    private List<SingleLineMacro>? FindSMacros(string name)
    {
        if (_smacros.TryGetValue(name, out var l) && l.Count > 0) return l;
        if (_ismacros.Count > 0 && _ismacros.TryGetValue(name, out l) && l.Count > 0) return l;
        return null;
    }

    private List<MultiLineMacro>? FindMMacros(string name)
    {
        if (_mmacros.TryGetValue(name, out var l) && l.Count > 0) return l;
        if (_immacros.Count > 0 && _immacros.TryGetValue(name, out l) && l.Count > 0) return l;
        return null;
    }

    private void Define(string name, List<string>? parameters, List<Token> body, SourceLine origin, bool caseInsensitive)
    {
        var dict = caseInsensitive ? _ismacros : _smacros;
        var m = new SingleLineMacro(name, parameters, body, origin);
        if (!dict.TryGetValue(name, out var list)) dict[name] = list = new List<SingleLineMacro>();
        int count = parameters?.Count ?? -1;
        list.RemoveAll(x => (x.Parameters?.Count ?? -1) == count);
        list.Add(m);
    }

    private void Undefine(string name)
    {
        _smacros.Remove(name);
        _ismacros.Remove(name);
    }

    private void SetBits(int bits)
    {
        var t = new List<Token> { new(TokenKind.Number, bits.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, false, _builtin) };
        Define("__?BITS?__", null, t, _builtin, false);
        Define("__BITS__", null, t, _builtin, false);
    }

    /// <summary>Keeps __?BITS?__ equal to the BITS in force (nasm's BITS macro redefines it).</summary>
    private void NoteBits(List<Token> toks)
    {
        int i = 0;
        bool bracket = false;
        if (toks[0].Is("[")) { bracket = true; i = 1; }
        if (i >= toks.Count || toks[i].Kind != TokenKind.Identifier) return;
        string w = toks[i].Text.ToLowerInvariant();
        if (w == "use16" && !bracket) { SetBits(16); return; }
        if (w == "use32" && !bracket) { SetBits(32); return; }
        if (w != "bits" || i + 1 >= toks.Count) return;
        if (toks[i + 1].Kind == TokenKind.Number && Lexer.TryParseNumber(toks[i + 1].Text, out long b) && (b == 16 || b == 32 || b == 64))
            SetBits((int)b);
    }

    // ---------------------------------------------------------------- multi-line macro invocation

    private bool TryInvoke(List<Token> toks, SourceLine origin, MacroFrame? outer)
    {
        int at = -1;
        if (toks[0].Kind == TokenKind.Identifier && FindMMacros(toks[0].Text) is not null) at = 0;
        else if (toks[0].Kind == TokenKind.Identifier && toks.Count > 1)
        {
            int k = toks[1].Is(":") ? 2 : 1;
            if (k < toks.Count && toks[k].Kind == TokenKind.Identifier && FindMMacros(toks[k].Text) is not null) at = k;
        }
        if (at < 0) return false;
        var defs = FindMMacros(toks[at].Text)!;
        var args = SplitArgs(toks, at + 1);
        MultiLineMacro? def = null;
        List<List<Token>>? chosen = null;
        foreach (var d in defs)
        {
            var a = args;
            if (d.Greedy && a.Count > d.Max) a = MergeGreedy(toks, at + 1, d.Max);
            if (a.Count >= d.Min && a.Count <= d.Max) { def = d; chosen = a; break; }
        }
        if (def is null)
            throw new AsmError(origin, toks[at].Column,
                $"macro {toks[at].Text} takes {string.Join(" or ", defs.Select(d => d.Describe()))} parameters, but {args.Count} {(args.Count == 1 ? "was" : "were")} given");
        if (at > 0) _output.Add(new PpLine(toks.GetRange(0, at), origin));
        var ps = new List<List<Token>>(chosen!);
        for (int i = ps.Count; i < def.Max && i - def.Min < def.Defaults.Count && i >= def.Min; i++)
            ps.Add(def.Defaults[i - def.Min]);
        if (_sources.Count > 1000) throw new AsmError(origin, toks[at].Column, $"macros nested more than 1000 deep (is {toks[at].Text} recursive?)", fatal: true);
        var frame = new MacroFrame(def, ps, ++_nextMacroId, origin);
        _sources.Push(new BodySource(def.Body, 1, frame, isRep: false) { CondDepth = _conds.Count });
        return true;
    }

    /// <summary>Splits macro arguments at top-level commas; {braces} group an argument (and are removed).</summary>
    private static List<List<Token>> SplitArgs(List<Token> toks, int start)
    {
        var result = new List<List<Token>>();
        if (start >= toks.Count) return result;
        var cur = new List<Token>();
        int depth = 0;
        for (int i = start; i < toks.Count; i++)
        {
            var t = toks[i];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            if (depth == 0 && t.Is(","))
            {
                result.Add(StripBraces(cur));
                cur = new List<Token>();
                continue;
            }
            cur.Add(t);
        }
        result.Add(StripBraces(cur));
        return result;
    }

    private static List<List<Token>> MergeGreedy(List<Token> toks, int start, int max)
    {
        // the first max-1 arguments as usual, the last one everything after them
        var result = new List<List<Token>>();
        int depth = 0, i = start;
        var cur = new List<Token>();
        for (; i < toks.Count && result.Count < max - 1; i++)
        {
            var t = toks[i];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            if (depth == 0 && t.Is(",")) { result.Add(StripBraces(cur)); cur = new List<Token>(); continue; }
            cur.Add(t);
        }
        cur.AddRange(toks.Skip(i));
        result.Add(max == 1 ? cur : StripBraces(cur));
        return result;
    }

    private static List<Token> StripBraces(List<Token> arg)
    {
        if (arg.Count >= 2 && arg[0].Is("{") && arg[^1].Is("}"))
        {
            int depth = 0;
            for (int i = 0; i < arg.Count; i++)
            {
                if (arg[i].Is("{")) depth++;
                else if (arg[i].Is("}")) { depth--; if (depth == 0 && i != arg.Count - 1) return arg; }
            }
            return arg.GetRange(1, arg.Count - 2);
        }
        return arg;
    }

    // ---------------------------------------------------------------- parameter substitution

    private List<Token> SubstituteParams(List<Token> toks, MacroFrame frame, SourceLine origin)
    {
        var result = new List<Token>(toks.Count + 4);
        foreach (var t in toks)
        {
            switch (t.Kind)
            {
                case TokenKind.MacroParam:
                    {
                        int n = int.Parse(t.Text.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                        if (n == 0)
                        {
                            result.Add(new Token(TokenKind.Number, frame.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), t.Column, t.SpaceBefore, origin));
                            break;
                        }
                        AppendParam(result, frame.Param(n), t.SpaceBefore);
                        break;
                    }
                case TokenKind.MacroParamBraced:
                    {
                        string inner = t.Text.Substring(2, t.Text.Length - 3).Trim();
                        int colon = inner.IndexOf(':');
                        int count = frame.Parameters.Count;
                        if (colon < 0)
                        {
                            if (!int.TryParse(inner, out int n)) { result.Add(t.At(origin, t.Column, t.SpaceBefore, null)); break; }
                            if (n < 0) n = count + 1 + n;
                            if (n == 0) { result.Add(new Token(TokenKind.Number, count.ToString(System.Globalization.CultureInfo.InvariantCulture), t.Column, t.SpaceBefore, origin)); break; }
                            AppendParam(result, frame.Param(n), t.SpaceBefore);
                            break;
                        }
                        if (!int.TryParse(inner[..colon], out int a) || !int.TryParse(inner[(colon + 1)..], out int b))
                            throw new AsmError(origin, t.Column, $"invalid parameter range {t.Text} (expected %{{first:last}})");
                        if (a < 0) a = count + 1 + a;
                        if (b < 0) b = count + 1 + b;
                        bool first = true;
                        int step = a <= b ? 1 : -1;
                        for (int i = a; count > 0 && (step > 0 ? i <= b : i >= b); i += step)
                        {
                            if (!first) result.Add(new Token(TokenKind.Operator, ",", t.Column, false, origin));
                            AppendParam(result, frame.Param(i), first ? t.SpaceBefore : true);
                            first = false;
                        }
                        break;
                    }
                case TokenKind.MacroLocal:
                    result.Add(new Token(TokenKind.Identifier, "..@" + frame.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + t.Text.Substring(2), t.Column, t.SpaceBefore, origin));
                    break;
                default:
                    result.Add(ReferenceEquals(t.Origin, origin) ? t : t.At(origin, t.Column, t.SpaceBefore, t.Guard));
                    break;
            }
        }
        return result;
    }

    private static void AppendParam(List<Token> result, List<Token> param, bool spaceBefore)
    {
        for (int i = 0; i < param.Count; i++)
            result.Add(i == 0 ? param[i].WithSpace(spaceBefore) : param[i]);
    }
}
