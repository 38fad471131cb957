namespace VirtLab.Engine.Assembly;

internal sealed partial class Preprocessor
{
    /// <summary>
    /// Expands single-line macros, %$context names, %[...], %str(...) and pastes tokens (%+, and adjacent
    /// identifiers/numbers with no space between them, as nasm does after an expansion), until nothing changes.
    /// </summary>
    private List<Token> Expand(List<Token> input)
    {
        var work = input;
        for (int round = 0; ; round++)
        {
            if (round > 1000)
                throw new AsmError(input[0].Origin, input[0].Column, "single-line macro expansion does not terminate (recursive %define?)");
            bool changed = false;
            List<Token>? output = null;
            for (int i = 0; i < work.Count; i++)
            {
                var t = work[i];
                switch (t.Kind)
                {
                    case TokenKind.Identifier:
                        {
                            var defs = FindSMacros(t.Text);
                            if (defs is null) break;
                            if (TryExpandSMacro(work, i, defs, out var body, out int end))
                            {
                                output ??= work.GetRange(0, i);
                                output.AddRange(body);
                                i = end - 1;
                                changed = true;
                                continue;
                            }
                            break;
                        }
                    case TokenKind.ContextLocal:
                        output ??= work.GetRange(0, i);
                        output.Add(new Token(TokenKind.Identifier, ContextName(t), t.Column, t.SpaceBefore, t.Origin, t.Guard));
                        changed = true;
                        continue;
                    case TokenKind.ExpandOpen:
                        {
                            int close = MatchingBracket(work, i + 1, t);
                            var inner = Expand(work.GetRange(i + 1, close - i - 1));
                            output ??= work.GetRange(0, i);
                            for (int k = 0; k < inner.Count; k++)
                                output.Add(k == 0 ? inner[k].WithSpace(t.SpaceBefore) : inner[k]);
                            // the token after ] is pasted onto the expansion when no space separates them
                            i = close;
                            changed = true;
                            continue;
                        }
                    case TokenKind.PreprocName when t.Text.Equals("%str", StringComparison.OrdinalIgnoreCase):
                        {
                            if (i + 1 >= work.Count || !work[i + 1].Is("("))
                                throw new AsmError(t.Origin, t.Column, "%str needs a parenthesized argument: %str(tokens)");
                            int close = MatchingParen(work, i + 1, t);
                            string text = Lexer.Join(Expand(work.GetRange(i + 2, close - i - 2)));
                            output ??= work.GetRange(0, i);
                            output.Add(new Token(TokenKind.String, Quote(text), t.Column, t.SpaceBefore, t.Origin));
                            i = close;
                            changed = true;
                            continue;
                        }
                }
                output?.Add(t);
            }
            if (output is not null) work = output;
            // pasting happens once nothing is left to expand (as nasm), then the result is scanned again
            if (changed) continue;
            if (!Paste(ref work)) return work;
        }
    }

    private static string Quote(string text) => text.Contains('\'') ? (text.Contains('"') ? "`" + text.Replace("\\", "\\\\").Replace("`", "\\`") + "`" : "\"" + text + "\"") : "'" + text + "'";

    private string ContextName(Token t)
    {
        int depth = 0;
        int i = 1;
        while (i < t.Text.Length && t.Text[i] == '$') { depth++; i++; }
        // %$x is the innermost context, %$$x the one outside it, ...
        int index = _contexts.Count - depth;
        if (_contexts.Count == 0)
            throw new AsmError(t.Origin, t.Column, $"context-local name {t.Text} used outside any %push context");
        if (index < 0)
            throw new AsmError(t.Origin, t.Column, $"{t.Text} refers to a context {depth - 1} levels out, but only {_contexts.Count} context(s) exist");
        return "..@c" + _contexts[index].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + t.Text.Substring(i);
    }

    private static int MatchingBracket(List<Token> toks, int from, Token open)
    {
        int depth = 0;
        for (int i = from; i < toks.Count; i++)
        {
            if (toks[i].Is("[") || toks[i].Kind == TokenKind.ExpandOpen) depth++;
            else if (toks[i].Is("]")) { if (depth == 0) return i; depth--; }
        }
        throw new AsmError(open.Origin, open.Column, "%[ has no matching ]");
    }

    private static int MatchingParen(List<Token> toks, int openIndex, Token at)
    {
        int depth = 0;
        for (int i = openIndex; i < toks.Count; i++)
        {
            if (toks[i].Is("(")) depth++;
            else if (toks[i].Is(")")) { depth--; if (depth == 0) return i; }
        }
        throw new AsmError(at.Origin, at.Column, $"'(' after {at.Text} has no matching ')'");
    }

    private bool TryExpandSMacro(List<Token> work, int i, List<SingleLineMacro> defs, out List<Token> body, out int end)
    {
        var t = work[i];
        body = null!;
        end = i + 1;
        SingleLineMacro? plain = null;
        foreach (var d in defs) if (d.Parameters is null) plain = d;
        bool hasParen = i + 1 < work.Count && work[i + 1].Is("(");
        if (hasParen && defs.Any(d => d.Parameters is not null))
        {
            int close = MatchingParen(work, i + 1, t);
            var args = SplitCallArgs(work, i + 2, close);
            var d = defs.FirstOrDefault(x => x.Parameters is not null && x.Parameters.Count == args.Count)
                    ?? (args.Count == 1 && args[0].Count == 0 ? defs.FirstOrDefault(x => x.Parameters is { Count: 0 }) : null);
            if (d is not null && !MacroGuard.Contains(t.Guard, d))
            {
                var guard = new MacroGuard(d, t.Guard);
                body = new List<Token>(d.Body.Count);
                foreach (var bt in d.Body)
                {
                    int pi = bt.Kind == TokenKind.Identifier ? d.Parameters!.IndexOf(bt.Text) : -1;
                    if (pi >= 0)
                    {
                        var arg = args.Count > pi ? args[pi] : new List<Token>();
                        for (int k = 0; k < arg.Count; k++)
                        {
                            var a = arg[k];
                            bool sp = k == 0 ? (body.Count == 0 ? t.SpaceBefore : bt.SpaceBefore) : a.SpaceBefore;
                            body.Add(a.At(t.Origin, t.Column, sp, MacroGuardUnion(a.Guard, guard)));
                        }
                        continue;
                    }
                    body.Add(bt.At(t.Origin, t.Column, body.Count == 0 ? t.SpaceBefore : bt.SpaceBefore, guard));
                }
                end = close + 1;
                return true;
            }
            if (plain is null)
                throw new AsmError(t.Origin, t.Column, $"macro {t.Text} takes {string.Join(" or ", defs.Where(x => x.Parameters is not null).Select(x => x.Parameters!.Count))} parameters, but {args.Count} were given");
        }
        if (plain is null || MacroGuard.Contains(t.Guard, plain)) return false;
        var g = new MacroGuard(plain, t.Guard);
        body = new List<Token>(plain.Body.Count);
        for (int k = 0; k < plain.Body.Count; k++)
            body.Add(plain.Body[k].At(t.Origin, t.Column, k == 0 ? t.SpaceBefore : plain.Body[k].SpaceBefore, g));
        return true;
    }

    private static MacroGuard MacroGuardUnion(MacroGuard? a, MacroGuard b)
    {
        // arguments keep their own guards and also get the macro's
        var r = b;
        for (var x = a; x is not null; x = x.Next) if (!MacroGuard.Contains(r, x.Macro)) r = new MacroGuard(x.Macro, r);
        return r;
    }

    private static List<List<Token>> SplitCallArgs(List<Token> toks, int start, int close)
    {
        var result = new List<List<Token>>();
        var cur = new List<Token>();
        int paren = 0, brace = 0;
        for (int i = start; i < close; i++)
        {
            var t = toks[i];
            if (t.Is("(")) paren++;
            else if (t.Is(")")) paren--;
            else if (t.Is("{")) brace++;
            else if (t.Is("}")) brace--;
            if (paren == 0 && brace == 0 && t.Is(",")) { result.Add(StripBraces(cur)); cur = new List<Token>(); continue; }
            cur.Add(t);
        }
        if (cur.Count > 0 || result.Count > 0) result.Add(StripBraces(cur));
        if (result.Count == 0) result.Add(new List<Token>());
        return result;
    }

    /// <summary>Handles %+ and implicit pasting; true when something was pasted.</summary>
    private static bool Paste(ref List<Token> work)
    {
        bool any = false;
        for (int i = 0; i < work.Count; i++)
        {
            if (work[i].Kind == TokenKind.Paste || (i > 0 && !work[i].SpaceBefore && Pasteable(work[i - 1]) && Pasteable(work[i])))
            {
                any = true;
                break;
            }
        }
        if (!any) return false;
        var result = new List<Token>(work.Count);
        for (int i = 0; i < work.Count; i++)
        {
            var t = work[i];
            if (t.Kind == TokenKind.Paste)
            {
                // a %+ b: join the tokens on both sides, whitespace dropped
                if (result.Count == 0 || i + 1 >= work.Count) continue;
                var left = result[^1];
                var right = work[++i];
                result[^1] = Join(left, right);
                continue;
            }
            if (result.Count > 0 && !t.SpaceBefore && Pasteable(result[^1]) && Pasteable(t))
            {
                result[^1] = Join(result[^1], t);
                continue;
            }
            result.Add(t);
        }
        work = result;
        return true;
    }

    private static bool Pasteable(Token t) => t.Kind is TokenKind.Identifier or TokenKind.Number;

    private static Token Join(Token left, Token right)
    {
        string text = left.Text + right.Text;
        TokenKind kind = char.IsAsciiDigit(text[0]) ? TokenKind.Number : Lexer.IsIdentStart(text[0]) || text[0] == '$' ? TokenKind.Identifier : left.Kind;
        return new Token(kind, text, left.Column, left.SpaceBefore, left.Origin);
    }
}
