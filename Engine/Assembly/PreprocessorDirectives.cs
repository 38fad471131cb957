using System.Globalization;
using System.Text;

namespace VirtLab.Engine.Assembly;

internal sealed partial class Preprocessor
{
    private void Directive(string dir, List<Token> toks, SourceLine origin, LineSource src)
    {
        var at = toks[0];
        switch (dir)
        {
            case "%define": case "%idefine": case "%xdefine": case "%ixdefine":
                DefineDirective(dir, toks, origin);
                return;
            case "%undef":
                {
                    string name = NameTokens(toks, 1, out _, origin, at);
                    Undefine(name);
                    return;
                }
            case "%assign": case "%iassign":
                {
                    string name = NameTokens(toks, 1, out int next, origin, at);
                    var ex = Expand(toks.GetRange(next, toks.Count - next));
                    if (ex.Count == 0) throw new AsmError(origin, at.Column, $"{at.Text} {name} needs an expression");
                    var v = EvaluateConstant(ex, origin, at);
                    Define(name, null, NumberTokens(v.N, at), origin, dir == "%iassign");
                    return;
                }
            case "%defstr": case "%idefstr":
                {
                    string name = NameTokens(toks, 1, out int next, origin, at);
                    var ex = Expand(toks.GetRange(next, toks.Count - next));
                    Define(name, null, new List<Token> { new(TokenKind.String, Quote(Lexer.Join(ex)), at.Column, true, origin) }, origin, dir == "%idefstr");
                    return;
                }
            case "%strlen":
                {
                    string name = NameTokens(toks, 1, out int next, origin, at);
                    var s = StringArgument(toks, next, origin, at, out _);
                    Define(name, null, NumberTokens(s.Length, at), origin, false);
                    return;
                }
            case "%substr":
                {
                    string name = NameTokens(toks, 1, out int next, origin, at);
                    var ex = Expand(toks.GetRange(next, toks.Count - next));
                    if (ex.Count == 0 || ex[0].Kind != TokenKind.String)
                        throw new AsmError(origin, ex.Count > 0 ? ex[0].Column : at.Column, "%substr needs a quoted string, then a start index");
                    string s = Encoding.Latin1.GetString(Lexer.StringBytes(ex[0]));
                    var rest = ex.GetRange(1, ex.Count - 1);
                    if (rest.Count > 0 && rest[0].Is(",")) rest.RemoveAt(0);
                    int comma = rest.FindIndex(t => t.Is(","));
                    var startToks = comma < 0 ? rest : rest.GetRange(0, comma);
                    if (startToks.Count == 0) throw new AsmError(origin, at.Column, "%substr needs a start index after the string");
                    long start = EvaluateConstant(startToks, origin, at).N;
                    long len = comma < 0 ? 1 : EvaluateConstant(rest.GetRange(comma + 1, rest.Count - comma - 1), origin, at).N;
                    if (len < 0) len = s.Length - (start - 1) + len + 1;
                    string sub = start < 1 || start > s.Length ? "" : s.Substring((int)start - 1, (int)Math.Max(0, Math.Min(len, s.Length - start + 1)));
                    Define(name, null, new List<Token> { new(TokenKind.String, Quote(sub), at.Column, true, origin) }, origin, false);
                    return;
                }
            case "%macro": case "%imacro":
                BeginMacro(dir, toks, origin);
                return;
            case "%endmacro": case "%endm":
                throw new AsmError(origin, at.Column, $"{at.Text} without a matching %macro");
            case "%unmacro": case "%unimacro":
                {
                    if (toks.Count < 2 || toks[1].Kind != TokenKind.Identifier) throw new AsmError(origin, at.Column, $"{at.Text} needs a macro name");
                    _mmacros.Remove(toks[1].Text);
                    _immacros.Remove(toks[1].Text);
                    return;
                }
            case "%rep":
                {
                    var ex = Expand(toks.GetRange(1, toks.Count - 1));
                    if (ex.Count > 0 && ex[0].IsIdent(".nolist")) ex.RemoveAt(0);
                    if (ex.Count == 0) throw new AsmError(origin, at.Column + at.Text.Length, "%rep needs a repeat count");
                    long n = EvaluateConstant(ex, origin, at).N;
                    if (n < 0) throw new AsmError(origin, ex[0].Column, $"%rep count is negative ({n})");
                    if (n > 10_000_000) throw new AsmError(origin, ex[0].Column, $"%rep count {n} is too large (limit 10,000,000)");
                    _rec = new Recording { IsMacro = false, RepCount = n, Frame = src.Frame, Start = origin };
                    return;
                }
            case "%endrep":
                throw new AsmError(origin, at.Column, "%endrep without a matching %rep");
            case "%exitrep":
                {
                    var rep = _sources.FirstOrDefault(s => s is BodySource { IsRep: true });
                    if (rep is null) throw new AsmError(origin, at.Column, "%exitrep outside a %rep block");
                    while (_sources.Count > 0)
                    {
                        var s = _sources.Pop();
                        TrimConds(s);
                        if (ReferenceEquals(s, rep)) break;
                    }
                    return;
                }
            case "%exitmacro":
                {
                    var mac = _sources.FirstOrDefault(s => s is BodySource { IsRep: false });
                    if (mac is null) throw new AsmError(origin, at.Column, "%exitmacro outside a macro");
                    while (_sources.Count > 0)
                    {
                        var s = _sources.Pop();
                        TrimConds(s);
                        if (ReferenceEquals(s, mac)) break;
                    }
                    return;
                }
            case "%rotate":
                {
                    var frame = src.Frame ?? throw new AsmError(origin, at.Column, "%rotate outside a macro");
                    var ex = Expand(toks.GetRange(1, toks.Count - 1));
                    if (ex.Count == 0) throw new AsmError(origin, at.Column + at.Text.Length, "%rotate needs a count");
                    long n = EvaluateConstant(ex, origin, at).N;
                    int c = frame.Parameters.Count;
                    if (c > 0) frame.Rotate = (int)(((frame.Rotate + n) % c + c) % c);
                    return;
                }
            case "%include":
                Include(toks, origin, src);
                return;
            case "%push":
                {
                    string name = toks.Count > 1 ? Lexer.Join(Expand(toks.GetRange(1, toks.Count - 1))) : "";
                    _contexts.Add(new PpContext(name, ++_nextContextId));
                    return;
                }
            case "%pop":
                {
                    if (_contexts.Count == 0) throw new AsmError(origin, at.Column, "%pop with no context on the stack (missing %push)");
                    if (toks.Count > 1 && toks[1].Kind == TokenKind.Identifier && toks[1].Text != _contexts[^1].Name)
                        throw new AsmError(origin, toks[1].Column, $"%pop {toks[1].Text}: the current context is '{_contexts[^1].Name}'");
                    _contexts.RemoveAt(_contexts.Count - 1);
                    return;
                }
            case "%repl":
                {
                    if (_contexts.Count == 0) throw new AsmError(origin, at.Column, "%repl with no context on the stack (missing %push)");
                    _contexts[^1].Name = toks.Count > 1 ? toks[1].Text : "";
                    return;
                }
            case "%error":
            case "%fatal":
                {
                    var ex = Expand(toks.GetRange(1, toks.Count - 1));
                    throw new AsmError(origin, at.Column, MessageText(ex), fatal: dir == "%fatal");
                }
            case "%warning":
                {
                    var ex = Expand(toks.GetRange(1, toks.Count - 1));
                    _diags.Warning(origin, at.Column, MessageText(ex));
                    return;
                }
            case "%line": case "%pragma": case "%clear": case "%depend": case "%local": case "%arg": case "%stacksize":
                if (dir is "%local" or "%arg" or "%stacksize")
                    throw new AsmError(origin, at.Column, $"{at.Text} is not supported by this assembler");
                return;
            default:
                throw new AsmError(origin, at.Column, $"unknown preprocessor directive {at.Text}");
        }
    }

    private void TrimConds(LineSource s)
    {
        while (_conds.Count > s.CondDepth) _conds.RemoveAt(_conds.Count - 1);
    }

    private static string MessageText(List<Token> ex)
    {
        if (ex.Count == 1 && ex[0].Kind == TokenKind.String) return Encoding.UTF8.GetString(Lexer.StringBytes(ex[0]));
        return Lexer.Join(ex);
    }

    private static List<Token> NumberTokens(long v, Token at)
    {
        var list = new List<Token>();
        if (v < 0)
        {
            list.Add(new Token(TokenKind.Operator, "-", at.Column, true, at.Origin));
            list.Add(new Token(TokenKind.Number, ((ulong)(-(v + 1)) + 1).ToString(CultureInfo.InvariantCulture), at.Column, false, at.Origin));
        }
        else list.Add(new Token(TokenKind.Number, v.ToString(CultureInfo.InvariantCulture), at.Column, true, at.Origin));
        return list;
    }

    /// <summary>
    /// Reads a macro name starting at tokens[index]: an identifier, a %$context name, or pieces joined by %[...]
    /// and pasting (OPNAME_%[n]); returns the name and the index after it.
    /// </summary>
    private string NameTokens(List<Token> toks, int index, out int next, SourceLine origin, Token at)
    {
        if (index >= toks.Count)
            throw new AsmError(origin, at.Column + at.Text.Length, $"{at.Text} needs a macro name");
        int end = index + 1;
        // the name runs over tokens not separated by whitespace
        while (end < toks.Count && !toks[end].SpaceBefore && !toks[end].Is("(") && !toks[end].Is(",")) end++;
        if (toks[end - 1].Kind == TokenKind.ExpandOpen || (end < toks.Count && toks[index].Kind == TokenKind.ExpandOpen))
        {
            // %[ ... ] may contain spaces: extend to the matching ]
            int close = MatchingBracket(toks, index + 1, toks[index]);
            end = Math.Max(end, close + 1);
            while (end < toks.Count && !toks[end].SpaceBefore && !toks[end].Is("(")) end++;
        }
        var piece = toks.GetRange(index, end - index);
        var expanded = ExpandName(piece);
        if (expanded.Count != 1 || expanded[0].Kind != TokenKind.Identifier)
            throw new AsmError(origin, toks[index].Column, $"expected a macro name after {at.Text}, found '{Lexer.Join(piece)}'");
        next = end;
        return expanded[0].Text;
    }

    private List<Token> ExpandName(List<Token> piece)
    {
        // only context names, %[...] and pasting take part in a name; ordinary macros are not expanded in it
        var work = new List<Token>();
        for (int i = 0; i < piece.Count; i++)
        {
            var t = piece[i];
            if (t.Kind == TokenKind.ContextLocal) work.Add(new Token(TokenKind.Identifier, ContextName(t), t.Column, t.SpaceBefore, t.Origin));
            else if (t.Kind == TokenKind.ExpandOpen)
            {
                int close = MatchingBracket(piece, i + 1, t);
                var inner = Expand(piece.GetRange(i + 1, close - i - 1));
                for (int k = 0; k < inner.Count; k++) work.Add(inner[k].WithSpace(k == 0 && t.SpaceBefore));
                i = close;
            }
            else work.Add(t);
        }
        Paste(ref work);
        return work;
    }

    private void DefineDirective(string dir, List<Token> toks, SourceLine origin)
    {
        var at = toks[0];
        string name = NameTokens(toks, 1, out int next, origin, at);
        List<string>? parameters = null;
        if (next < toks.Count && toks[next].Is("(") && !toks[next].SpaceBefore)
        {
            parameters = new List<string>();
            int i = next + 1;
            while (true)
            {
                if (i >= toks.Count) throw new AsmError(origin, toks[next].Column, $"the parameter list of {name} has no closing ')'");
                if (toks[i].Is(")")) { i++; break; }
                if (toks[i].Kind != TokenKind.Identifier)
                    throw new AsmError(origin, toks[i].Column, $"expected a parameter name in the parameter list of {name}, found '{toks[i].Text}'");
                parameters.Add(toks[i].Text);
                i++;
                if (i < toks.Count && toks[i].Is(",")) i++;
            }
            next = i;
        }
        var body = toks.GetRange(next, toks.Count - next);
        bool expandNow = dir is "%xdefine" or "%ixdefine";
        if (expandNow) body = Expand(body);
        else if (body.Any(t => t.Kind is TokenKind.ExpandOpen or TokenKind.ContextLocal)) body = ExpandName(body);
        Define(name, parameters, body, origin, dir is "%idefine" or "%ixdefine");
    }

    private string StringArgument(List<Token> toks, int index, SourceLine origin, Token at, out int column)
    {
        var ex = Expand(toks.GetRange(index, toks.Count - index));
        column = ex.Count > 0 ? ex[0].Column : at.Column;
        if (ex.Count != 1 || ex[0].Kind != TokenKind.String)
            throw new AsmError(origin, column, $"{at.Text} needs a quoted string, found '{Lexer.Join(ex)}'");
        return Encoding.Latin1.GetString(Lexer.StringBytes(ex[0]));
    }

    private void BeginMacro(string dir, List<Token> toks, SourceLine origin)
    {
        var at = toks[0];
        if (toks.Count < 2 || toks[1].Kind != TokenKind.Identifier)
            throw new AsmError(origin, toks.Count > 1 ? toks[1].Column : at.Column + at.Text.Length, $"{at.Text} needs a macro name");
        string name = toks[1].Text;
        int i = 2;
        int min = 0, max = 0;
        bool greedy = false;
        if (i < toks.Count && toks[i].Kind == TokenKind.Number)
        {
            min = max = ParseCount(toks[i], origin);
            i++;
            if (i < toks.Count && toks[i].Is("-") && !toks[i].SpaceBefore)
            {
                i++;
                if (i < toks.Count && toks[i].Is("*")) { max = int.MaxValue; i++; }
                else if (i < toks.Count && toks[i].Kind == TokenKind.Number) { max = ParseCount(toks[i], origin); i++; }
                else throw new AsmError(origin, i < toks.Count ? toks[i].Column : at.Column, $"expected the maximum parameter count (a number or *) after '-' in {at.Text} {name}");
                if (max < min) throw new AsmError(origin, toks[i - 1].Column, $"maximum parameter count {max} is less than the minimum {min}");
            }
            if (i < toks.Count && toks[i].Is("+") && !toks[i].SpaceBefore) { greedy = true; i++; }
        }
        else if (i < toks.Count && !toks[i].IsIdent(".nolist"))
            throw new AsmError(origin, toks[i].Column, $"expected the parameter count of macro {name}, found '{toks[i].Text}'");
        if (i < toks.Count && toks[i].IsIdent(".nolist")) i++;
        var defaults = i < toks.Count ? SplitArgs(toks, i) : new List<List<Token>>();
        var m = new MultiLineMacro(name, min, max, greedy, defaults, origin);
        var dict = dir == "%imacro" ? _immacros : _mmacros;
        if (!dict.TryGetValue(name, out var list)) dict[name] = list = new List<MultiLineMacro>();
        list.RemoveAll(x => x.Min == min && x.Max == max);
        list.Add(m);
        _rec = new Recording { IsMacro = true, Macro = m, Start = origin };
    }

    private static int ParseCount(Token t, SourceLine origin)
    {
        if (!Lexer.TryParseNumber(t.Text, out long v) || v < 0 || v > 1000)
            throw new AsmError(origin, t.Column, $"invalid macro parameter count '{t.Text}'");
        return (int)v;
    }

    private void Include(List<Token> toks, SourceLine origin, LineSource src)
    {
        var at = toks[0];
        var ex = Expand(toks.GetRange(1, toks.Count - 1));
        string file;
        if (ex.Count == 1 && ex[0].Kind == TokenKind.String) file = Encoding.UTF8.GetString(Lexer.StringBytes(ex[0]));
        else if (ex.Count >= 2 && ex[0].Is("<") && ex[^1].Is(">")) file = string.Concat(ex.Skip(1).Take(ex.Count - 2).Select(t => t.Text));
        else throw new AsmError(origin, ex.Count > 0 ? ex[0].Column : at.Column + at.Text.Length, "%include needs a file name in quotes: %include \"file.inc\"");
        string? dir = null;
        foreach (var s in _sources) if (s is FileSource f) { dir = f.Directory; break; }
        string? path = ResolveFile(file, dir);
        if (path is null)
            throw new AsmError(origin, ex[0].Column, $"cannot find include file \"{file}\" (looked in {DescribeSearch(dir)})");
        if (_sources.Count(s => s is FileSource) > 64)
            throw new AsmError(origin, at.Column, $"%include nested more than 64 deep (does \"{file}\" include itself?)", fatal: true);
        string text = DecodeText(_options.FileSystem.ReadAllBytes(path));
        _sources.Push(new FileSource(text, path, Path.GetDirectoryName(path)) { CondDepth = _conds.Count });
    }

    private string DescribeSearch(string? dir)
    {
        var places = new List<string>();
        if (dir is not null) places.Add(dir);
        places.AddRange(_options.IncludePaths);
        return places.Count == 0 ? "no directories: give AssemblerOptions.IncludePaths" : string.Join(", ", places);
    }

    /// <summary>Finds a file: as given when absolute, else in the including file's directory, then in each include path.</summary>
    internal static string? ResolveFile(string file, string? dir, AssemblerOptions options)
    {
        var fs = options.FileSystem;
        try
        {
            if (Path.IsPathRooted(file)) return fs.FileExists(file) ? file : null;
            if (dir is not null)
            {
                var p = Path.GetFullPath(Path.Combine(dir, file));
                if (fs.FileExists(p)) return p;
            }
            foreach (var inc in options.IncludePaths)
            {
                var p = Path.GetFullPath(Path.Combine(inc, file));
                if (fs.FileExists(p)) return p;
            }
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
        return null;
    }

    private string? ResolveFile(string file, string? dir) => ResolveFile(file, dir, _options);

    internal static string DecodeText(byte[] bytes)
    {
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
    }
}
