using System.Text;

namespace VirtLab.Engine.Assembly;

/// <summary>Splits one source line into tokens (nasm's lexical rules; a ';' starts a comment outside strings).</summary>
internal static class Lexer
{
    public static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == '.' || c == '?' || c == '@';
    public static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '?' or '@' or '$' or '#' or '~';

    public static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || !IsIdentStart(s[0])) return false;
        foreach (var c in s) if (!IsIdentChar(c)) return false;
        return true;
    }

    private static readonly string[] Operators3 = { "<=>", ">>>", "<<<" };
    private static readonly string[] Operators2 = { "//", "<<", ">>", "&&", "||", "^^", "==", "!=", "<>", "<=", ">=" };
    private const string Operators1 = ",:[](){}+-*/%<>&|^~!=?";

    /// <summary>Tokenizes <paramref name="text"/> (the whole line, or part of it starting at <paramref name="start"/>).</summary>
    public static List<Token> Tokenize(string text, SourceLine origin, int start = 0, int end = -1, int columnBase = 0)
    {
        var list = new List<Token>();
        if (end < 0) end = text.Length;
        int i = start;
        bool space = true;
        while (i < end)
        {
            char c = text[i];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\0') { space = true; i++; continue; }
            if (c == ';') break;
            int begin = i;
            int col = columnBase + i + 1;
            TokenKind kind;
            if (IsIdentStart(c) && !(c == '?' && (i + 1 >= end || !IsIdentChar(text[i + 1]))))
            {
                i++;
                while (i < end && IsIdentChar(text[i])) i++;
                kind = TokenKind.Identifier;
            }
            else if (char.IsAsciiDigit(c))
            {
                i++;
                while (i < end && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '.'
                       || ((text[i] == '+' || text[i] == '-') && IsExponentSign(text, begin, i)))) i++;
                kind = TokenKind.Number;
            }
            else if (c == '\'' || c == '"' || c == '`')
            {
                i++;
                bool closed = false;
                while (i < end)
                {
                    if (c == '`' && text[i] == '\\' && i + 1 < end) { i += 2; continue; }
                    if (text[i] == c) { i++; closed = true; break; }
                    i++;
                }
                if (!closed) throw new AsmError(origin, col, $"unterminated string: missing closing {c}");
                kind = TokenKind.String;
            }
            else if (c == '$')
            {
                if (i + 1 < end && text[i + 1] == '$') { i += 2; kind = TokenKind.DollarDollar; }
                else if (i + 1 < end && char.IsAsciiDigit(text[i + 1]))
                {
                    // $ followed by a digit: a hex number ($0FF)
                    i++;
                    while (i < end && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                    kind = TokenKind.Number;
                }
                else if (i + 1 < end && IsIdentStart(text[i + 1]))
                {
                    // $name: an identifier that is never a keyword or register
                    i++;
                    while (i < end && IsIdentChar(text[i])) i++;
                    kind = TokenKind.Identifier;
                }
                else { i++; kind = TokenKind.Dollar; }
            }
            else if (c == '%' && i + 1 < end && PercentToken(text, i, end, out int len, out kind))
            {
                i += len;
            }
            else
            {
                string? op = null;
                foreach (var o in Operators3) if (Matches(text, i, end, o)) { op = o; break; }
                if (op is null) foreach (var o in Operators2) if (Matches(text, i, end, o)) { op = o; break; }
                if (op is null && c == '%' && i + 1 < end && text[i + 1] == '%') op = "%%";
                if (op is null && Operators1.IndexOf(c) >= 0) op = c.ToString();
                if (op is null)
                    throw new AsmError(origin, col, $"unexpected character '{Printable(c)}'");
                i += op.Length;
                list.Add(new Token(TokenKind.Operator, op, col, space, origin));
                space = false;
                continue;
            }
            list.Add(new Token(kind, text.Substring(begin, i - begin), col, space, origin));
            space = false;
        }
        return list;
    }

    private static string Printable(char c) => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString();

    private static bool IsExponentSign(string text, int begin, int i)
    {
        // 1.5e+3: a sign right after 'e' in a decimal number that has a '.'
        char prev = text[i - 1];
        if (prev != 'e' && prev != 'E') return false;
        var s = text.AsSpan(begin, i - begin);
        return s.Contains('.') && !s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
    }

    private static bool Matches(string text, int i, int end, string op) =>
        i + op.Length <= end && string.CompareOrdinal(text, i, op, 0, op.Length) == 0;

    private static bool PercentToken(string text, int i, int end, out int len, out TokenKind kind)
    {
        char n = text[i + 1];
        len = 0;
        kind = TokenKind.Operator;
        if (n == '%' && i + 2 < end && IsIdentStart(text[i + 2]) || n == '%' && i + 2 < end && char.IsAsciiDigit(text[i + 2]))
        {
            int j = i + 2;
            while (j < end && IsIdentChar(text[j])) j++;
            len = j - i; kind = TokenKind.MacroLocal; return true;
        }
        if (n == '$')
        {
            int j = i + 1;
            while (j < end && text[j] == '$') j++;
            if (j < end && (IsIdentStart(text[j]) || char.IsAsciiDigit(text[j])))
            {
                while (j < end && IsIdentChar(text[j])) j++;
                len = j - i; kind = TokenKind.ContextLocal; return true;
            }
            return false;
        }
        if (char.IsAsciiDigit(n))
        {
            int j = i + 1;
            while (j < end && char.IsAsciiDigit(text[j])) j++;
            len = j - i; kind = TokenKind.MacroParam; return true;
        }
        if (n == '{')
        {
            int j = text.IndexOf('}', i + 2);
            if (j < 0 || j >= end) return false;
            len = j + 1 - i; kind = TokenKind.MacroParamBraced; return true;
        }
        if (n == '+') { len = 2; kind = TokenKind.Paste; return true; }
        if (n == '[') { len = 2; kind = TokenKind.ExpandOpen; return true; }
        if (char.IsAsciiLetter(n) || n == '_')
        {
            int j = i + 1;
            while (j < end && (char.IsAsciiLetterOrDigit(text[j]) || text[j] == '_')) j++;
            len = j - i; kind = TokenKind.PreprocName; return true;
        }
        return false;
    }

    /// <summary>Decodes a string token (with its quotes) to bytes: '...' and "..." verbatim, `...` with C-style escapes (UTF-8).</summary>
    public static byte[] StringBytes(Token t)
    {
        string s = t.Text;
        char q = s[0];
        string body = s.Substring(1, s.Length - 2);
        if (q != '`') return Encoding.UTF8.GetBytes(body);
        var bytes = new List<byte>();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                if (c < 0x80) bytes.Add((byte)c); else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }
            char e = body[++i];
            switch (e)
            {
                case 'n': bytes.Add(10); break;
                case 't': bytes.Add(9); break;
                case 'r': bytes.Add(13); break;
                case '0' or '1' or '2' or '3' or '4' or '5' or '6' or '7':
                    {
                        int v = 0, k = 0;
                        while (k < 3 && i < body.Length && body[i] >= '0' && body[i] <= '7') { v = v * 8 + (body[i] - '0'); i++; k++; }
                        i--;
                        bytes.Add((byte)v);
                        break;
                    }
                case 'x':
                    {
                        int v = 0, k = 0;
                        while (k < 2 && i + 1 < body.Length && Uri.IsHexDigit(body[i + 1])) { v = v * 16 + Convert.ToInt32(body[i + 1].ToString(), 16); i++; k++; }
                        bytes.Add((byte)v);
                        break;
                    }
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case 'e': bytes.Add(27); break;
                case '?': bytes.Add((byte)'?'); break;
                default: bytes.Add((byte)e); break;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>Parses a nasm number: 0x1F 1Fh 0h1F $1F, 0b101 101b 0y101, 0o17 17q 17o, 0d99 99d, decimal; underscores allowed.</summary>
    public static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        string s = text.Replace("_", "");
        if (s.Length == 0) return false;
        int radix = 10;
        string digits = s;
        if (s[0] == '$') { radix = 16; digits = s[1..]; }
        else if (s.Length > 2 && s[0] == '0' && "xXhH".Contains(s[1])) { radix = 16; digits = s[2..]; }
        else if (s.Length > 2 && s[0] == '0' && "bByY".Contains(s[1]) && IsAllDigits(s[2..], 2)) { radix = 2; digits = s[2..]; }
        else if (s.Length > 2 && s[0] == '0' && "oOqQ".Contains(s[1])) { radix = 8; digits = s[2..]; }
        else if (s.Length > 2 && s[0] == '0' && "dDtT".Contains(s[1]) && IsAllDigits(s[2..], 10)) { radix = 10; digits = s[2..]; }
        else
        {
            char last = char.ToLowerInvariant(s[^1]);
            if (last == 'h') { radix = 16; digits = s[..^1]; }
            else if ((last == 'b' || last == 'y') && IsAllDigits(s[..^1], 2)) { radix = 2; digits = s[..^1]; }
            else if (last == 'q' || last == 'o') { radix = 8; digits = s[..^1]; }
            else if ((last == 'd' || last == 't') && IsAllDigits(s[..^1], 10)) { radix = 10; digits = s[..^1]; }
        }
        if (digits.Length == 0) return false;
        ulong v = 0;
        foreach (char ch in digits)
        {
            int d = char.IsAsciiDigit(ch) ? ch - '0' : char.IsAsciiLetter(ch) ? char.ToLowerInvariant(ch) - 'a' + 10 : 99;
            if (d >= radix) return false;
            v = unchecked(v * (ulong)radix + (ulong)d);
        }
        value = unchecked((long)v);
        return true;
    }

    private static bool IsAllDigits(string s, int radix)
    {
        if (s.Length == 0) return false;
        foreach (char ch in s)
        {
            int d = char.IsAsciiDigit(ch) ? ch - '0' : char.IsAsciiLetter(ch) ? char.ToLowerInvariant(ch) - 'a' + 10 : 99;
            if (d >= radix) return false;
        }
        return true;
    }

    /// <summary>Joins tokens back into text (a space where the source had whitespace).</summary>
    public static string Join(IEnumerable<Token> tokens)
    {
        var sb = new StringBuilder();
        bool first = true;
        foreach (var t in tokens)
        {
            if (!first && t.SpaceBefore) sb.Append(' ');
            sb.Append(t.Text);
            first = false;
        }
        return sb.ToString();
    }
}
