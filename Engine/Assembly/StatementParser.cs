using Iced.Intel;

namespace VirtLab.Engine.Assembly;

/// <summary>
/// Turns preprocessed lines into statements: labels (global, and .local ones attached to the last global
/// label), instructions with prefixes and operands, and the directives (db..dq, resb..resq, times, equ, align,
/// alignb, org, bits, use16/use32, section/segment, incbin, cpu, default, global).
/// </summary>
internal sealed class StatementParser
{
    private readonly DiagnosticBag _diags;
    private readonly AssemblerOptions _options;
    private string _lastGlobal = "";
    private int _bits;

    public StatementParser(AssemblerOptions options, DiagnosticBag diags)
    {
        _options = options;
        _diags = diags;
        _bits = options.Bitness;
    }

    private static readonly HashSet<string> Directives = new(StringComparer.OrdinalIgnoreCase)
    {
        "db", "dw", "dd", "dq", "dt", "do", "dy", "dz", "resb", "resw", "resd", "resq", "rest", "reso", "resy", "resz",
        "incbin", "equ", "times", "align", "alignb", "org", "bits", "use16", "use32", "section", "segment", "cpu",
        "default", "global", "extern", "common", "static", "absolute", "struc", "endstruc", "istruc", "iend", "at", "sectalign",
    };

    private static readonly HashSet<string> Prefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "lock", "rep", "repe", "repz", "repne", "repnz", "o16", "o32", "a16", "a32",
    };

    public static bool IsReserved(string s) =>
        Directives.Contains(s) || Prefixes.Contains(s) || InstructionTable.IsMnemonic(s);

    public List<Statement> Parse(List<PpLine> lines)
    {
        var result = new List<Statement>(lines.Count);
        foreach (var line in lines)
        {
            try
            {
                ParseLine(line, result);
            }
            catch (AsmError e) when (!e.Fatal)
            {
                _diags.Error(e);
            }
        }
        return result;
    }

    private static int EndColumn(PpLine line) => line.Origin.Text.Length + 1;

    private AsmError Err(Token t, string message) => new(t.Origin, t.Column, message);

    private string ResolveName(string name)
    {
        // .local names belong to the last global label; ..@ names (macro locals) and ..name are global
        if (name.StartsWith('.') && !name.StartsWith("..", StringComparison.Ordinal)) return _lastGlobal + name;
        return name;
    }

    private Expr ParseExpr(List<Token> t, int start, int end, PpLine line, bool registers = false)
    {
        if (start >= end)
        {
            var last = start - 1 < t.Count && start > 0 ? t[start - 1] : null;
            throw new AsmError(last?.Origin ?? line.Origin, last is null ? EndColumn(line) : last.Column + last.Text.Length, "expected an expression");
        }
        var e = ExpressionParser.ParseAll(t, start, end, line.Origin, EndColumn(line), registers);
        return Resolve(e);
    }

    private Expr Resolve(Expr e) => !HasLocalName(e) ? e : e switch
    {
        SymbolExpr s when s.Name.StartsWith('.') && !s.Name.StartsWith("..", StringComparison.Ordinal) => new SymbolExpr(s.At, ResolveName(s.Name)),
        UnaryExpr u => new UnaryExpr(u.At, u.Op, Resolve(u.Operand)),
        BinaryExpr b => new BinaryExpr(b.At, b.Op, Resolve(b.Left), Resolve(b.Right)),
        ConditionalExpr c => new ConditionalExpr(c.At, Resolve(c.Cond), Resolve(c.A), Resolve(c.B)),
        _ => e,
    };

    private static bool HasLocalName(Expr e) => e switch
    {
        SymbolExpr s => s.Name.StartsWith('.') && !s.Name.StartsWith("..", StringComparison.Ordinal),
        UnaryExpr u => HasLocalName(u.Operand),
        BinaryExpr b => HasLocalName(b.Left) || HasLocalName(b.Right),
        ConditionalExpr c => HasLocalName(c.Cond) || HasLocalName(c.A) || HasLocalName(c.B),
        _ => false,
    };

    private void ParseLine(PpLine line, List<Statement> output)
    {
        var t = line.Tokens;
        if (t.Count == 0) return;
        int i = 0;
        // [directive ...]
        if (t[0].Is("["))
        {
            if (!t[^1].Is("]")) throw Err(t[^1], "a [directive] line must end with ]");
            var inner = t.GetRange(1, t.Count - 2);
            if (inner.Count == 0 || inner[0].Kind != TokenKind.Identifier || !Directives.Contains(inner[0].Text))
                throw Err(t[0], "expected a directive inside [ ] (bits, org, section, cpu ...)");
            var st = ParseStatement(new PpLine(inner, line.Origin), 0);
            if (st is not null) output.Add(st);
            return;
        }
        // label
        if (t[0].Kind == TokenKind.Identifier)
        {
            bool colon = t.Count > 1 && t[1].Is(":");
            bool segPrefix = !colon && t.Count > 1 && t[1].Kind == TokenKind.Identifier && Registers.IsSegment(Registers.Find(t[0].Text));
            bool isLabel = colon || (!IsReserved(t[0].Text) && !segPrefix);
            if (t[0].Text.StartsWith('$') && t[0].Text.Length > 1) isLabel = true;
            if (isLabel && !colon && t.Count > 1 && !(t[1].Kind == TokenKind.Identifier && IsReserved(t[1].Text)))
                throw Err(t[0], $"'{t[0].Text}' is not an instruction, directive or macro");
            if (isLabel)
            {
                string raw = t[0].Text.StartsWith('$') ? t[0].Text[1..] : t[0].Text;
                if (Registers.Find(raw) != Register.None && !t[0].Text.StartsWith('$'))
                    throw Err(t[0], $"register {raw} cannot be used as a label");
                i = colon ? 2 : 1;
                // NAME equ value: the label is the constant's name
                if (i < t.Count && t[i].IsIdent("equ"))
                {
                    string eqName = ResolveName(raw);
                    var eq = new EquStmt { Name = eqName, Origin = line.Origin, At = t[0], Bits = _bits };
                    eq.Value = ParseExpr(t, i + 1, t.Count, line);
                    output.Add(eq);
                    return;
                }
                string full = ResolveName(raw);
                if (!raw.StartsWith('.') && !raw.StartsWith("..@", StringComparison.Ordinal)) _lastGlobal = raw;
                output.Add(new LabelStmt { Name = full, Origin = line.Origin, At = t[0], Bits = _bits });
                if (i >= t.Count) return;
            }
        }
        var s = ParseStatement(line, i);
        if (s is not null) output.Add(s);
    }

    private Statement? ParseStatement(PpLine line, int i)
    {
        var t = line.Tokens;
        var first = t[i];
        if (first.Kind != TokenKind.Identifier)
        {
            if (first.Kind == TokenKind.PreprocName) throw Err(first, $"unknown preprocessor directive {first.Text}");
            throw Err(first, $"expected an instruction or directive, found '{first.Text}'");
        }
        if (!Directives.Contains(first.Text)) return ParseInstruction(line, i);
        string w = first.Text.ToLowerInvariant();
        switch (w)
        {
            case "times":
                {
                    var p = new ExpressionParser(t, i + 1, t.Count, false, line.Origin, EndColumn(line));
                    if (i + 1 >= t.Count) throw Err(first, "times needs a count and then an instruction or data");
                    var count = Resolve(p.Parse());
                    if (p.Position >= t.Count) throw Err(first, "times needs an instruction or data after the count");
                    var inner = ParseStatement(line, p.Position) ?? throw Err(t[p.Position], "times needs an instruction or data after the count");
                    if (inner is LabelStmt or EquStmt or OrgStmt or SectionStmt or BitsStmt)
                        throw Err(t[p.Position], $"times cannot repeat '{t[p.Position].Text}'");
                    return new TimesStmt { Count = count, Inner = inner, Origin = line.Origin, At = first, Bits = _bits };
                }
            case "db": case "dw": case "dd": case "dq": case "dt": case "do": case "dy": case "dz":
                return ParseData(line, i, w);
            case "resb": case "resw": case "resd": case "resq": case "rest": case "reso": case "resy": case "resz":
                return new ReserveStmt
                {
                    Unit = UnitOf(w[3]), Count = ParseExpr(t, i + 1, t.Count, line),
                    Origin = line.Origin, At = first, Bits = _bits,
                };
            case "equ":
                throw Err(first, "equ needs a name before it: NAME equ value");
            case "align":
            case "alignb":
                {
                    int comma = FindTopLevelComma(t, i + 1, t.Count);
                    int end = comma < 0 ? t.Count : comma;
                    var st = new AlignStmt { Alignment = ParseExpr(t, i + 1, end, line), NoBits = w == "alignb", Origin = line.Origin, At = first, Bits = _bits };
                    if (comma >= 0)
                    {
                        if (comma + 1 >= t.Count) throw Err(t[comma], $"{w} needs what to pad with after the comma");
                        st.Fill = ParseStatement(line, comma + 1);
                        if (st.Fill is not (DataStmt or InstructionStmt or ReserveStmt))
                            throw Err(t[comma + 1], $"{w} pads with data or an instruction, not '{t[comma + 1].Text}'");
                    }
                    return st;
                }
            case "org":
                return new OrgStmt { Value = ParseExpr(t, i + 1, t.Count, line), Origin = line.Origin, At = first, Bits = _bits };
            case "bits":
                {
                    if (i + 2 != t.Count || t[i + 1].Kind != TokenKind.Number || !Lexer.TryParseNumber(t[i + 1].Text, out long b) || (b != 16 && b != 32 && b != 64))
                        throw Err(i + 1 < t.Count ? t[i + 1] : first, "bits must be followed by 16 or 32");
                    if (b == 64) throw Err(t[i + 1], "bits 64 is not supported (VirtLab's CPU is 32-bit): use bits 16 or bits 32");
                    _bits = (int)b;
                    return new BitsStmt { Value = (int)b, Origin = line.Origin, At = first, Bits = _bits };
                }
            case "use16": _bits = 16; return new BitsStmt { Value = 16, Origin = line.Origin, At = first, Bits = 16 };
            case "use32": _bits = 32; return new BitsStmt { Value = 32, Origin = line.Origin, At = first, Bits = 32 };
            case "section":
            case "segment":
                return ParseSection(line, i);
            case "incbin":
                return ParseIncbin(line, i);
            case "cpu": case "default": case "global": case "static": case "sectalign":
                return null;
            case "extern": case "common":
                throw Err(first, $"{w} is not possible in a flat binary (there is no linker)");
            case "absolute": case "struc": case "endstruc": case "istruc": case "iend": case "at":
                throw Err(first, $"{w} is not supported by this assembler");
        }
        return ParseInstruction(line, i);
    }

    private static int UnitOf(char c) => char.ToLowerInvariant(c) switch
    {
        'b' => 1, 'w' => 2, 'd' => 4, 'q' => 8, 't' => 10, 'o' => 16, 'y' => 32, 'z' => 64, _ => 1,
    };

    private static int FindTopLevelComma(List<Token> t, int start, int end)
    {
        int depth = 0;
        for (int k = start; k < end; k++)
        {
            if (t[k].Is("(") || t[k].Is("[")) depth++;
            else if (t[k].Is(")") || t[k].Is("]")) depth--;
            else if (depth == 0 && t[k].Is(",")) return k;
        }
        return -1;
    }

    private DataStmt ParseData(PpLine line, int i, string w)
    {
        var t = line.Tokens;
        var st = new DataStmt { Unit = UnitOf(w[1]), Origin = line.Origin, At = t[i], Bits = _bits };
        if (st.Unit > 8) throw Err(t[i], $"{w} holds floating-point or wide data, which this assembler does not support (use db/dw/dd/dq)");
        int k = i + 1;
        if (k >= t.Count) throw Err(t[i], $"{w} needs at least one value");
        while (k < t.Count)
        {
            int comma = FindTopLevelComma(t, k, t.Count);
            int end = comma < 0 ? t.Count : comma;
            if (k == end) throw Err(k < t.Count ? t[k] : t[i], $"expected a value in the {w} list");
            if (end - k == 1 && t[k].Kind == TokenKind.String)
                st.Items.Add(new DataItem { Bytes = Lexer.StringBytes(t[k]), At = t[k] });
            else if (end - k == 1 && t[k].Is("?"))
                st.Items.Add(new DataItem { Value = new NumberExpr(t[k], 0), At = t[k] });
            else
            {
                if (t[k].Kind == TokenKind.Number && t[k].Text.Contains('.') && !t[k].Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                    throw Err(t[k], $"floating-point constant '{t[k].Text}' is not supported in {w} (expected an integer)");
                st.Items.Add(new DataItem { Value = ParseExpr(t, k, end, line), At = t[k] });
            }
            k = comma < 0 ? t.Count : comma + 1;
            if (comma >= 0 && k >= t.Count) throw Err(t[comma], $"expected a value after ',' in the {w} list");
        }
        return st;
    }

    private SectionStmt ParseSection(PpLine line, int i)
    {
        var t = line.Tokens;
        if (i + 1 >= t.Count) throw Err(t[i], "section needs a name");
        var st = new SectionStmt { Origin = line.Origin, At = t[i], Bits = _bits };
        int k = i + 1;
        // the name runs to the first whitespace (.text, .data, my.sec)
        var sb = new System.Text.StringBuilder(t[k].Text);
        k++;
        while (k < t.Count && !t[k].SpaceBefore) sb.Append(t[k++].Text);
        st.Name = sb.ToString();
        while (k < t.Count)
        {
            var key = t[k];
            if (key.Kind != TokenKind.Identifier) throw Err(key, $"expected a section attribute (start=, vstart=, align=, follows=, vfollows=, progbits, nobits), found '{key.Text}'");
            string kw = key.Text.ToLowerInvariant();
            k++;
            if (kw is "progbits" or "nobits")
            {
                st.NoBits = kw == "nobits";
                continue;
            }
            if (kw is "private" or "public" or "class" or "use16" or "use32" or "exec" or "noexec" or "alloc" or "noalloc" or "write" or "nowrite") continue;
            if (k >= t.Count || !t[k].Is("=")) throw Err(key, $"section attribute {kw} needs '=value'");
            k++;
            // the value runs to the next whitespace-separated attribute
            int end = k;
            while (end < t.Count && !(t[end].Kind == TokenKind.Identifier && t[end].SpaceBefore && end + 1 < t.Count && t[end + 1].Is("=")) &&
                   !(t[end].SpaceBefore && t[end].Kind == TokenKind.Identifier && t[end].Text.ToLowerInvariant() is "progbits" or "nobits")) end++;
            switch (kw)
            {
                case "start": st.Start = ParseExpr(t, k, end, line); break;
                case "vstart": st.VStart = ParseExpr(t, k, end, line); break;
                case "align":
                    {
                        var e = ParseExpr(t, k, end, line);
                        if (!e.IsConstant) throw Err(t[k], "section align= must be a constant");
                        long a = e.Eval(new ConstantContext()).N;
                        if (a <= 0 || (a & (a - 1)) != 0) throw Err(t[k], $"section align={a} is not a power of two");
                        st.Align = a;
                        break;
                    }
                case "follows": st.Follows = Lexer.Join(t.GetRange(k, end - k)); break;
                case "vfollows": st.VFollows = Lexer.Join(t.GetRange(k, end - k)); break;
                default: throw Err(key, $"unknown section attribute {kw} (expected start, vstart, align, follows, vfollows, progbits or nobits)");
            }
            k = end;
        }
        return st;
    }

    private IncbinStmt ParseIncbin(PpLine line, int i)
    {
        var t = line.Tokens;
        if (i + 1 >= t.Count || t[i + 1].Kind != TokenKind.String) throw Err(i + 1 < t.Count ? t[i + 1] : t[i], "incbin needs a file name in quotes: incbin \"file.bin\"[, skip[, length]]");
        var st = new IncbinStmt { Path = System.Text.Encoding.UTF8.GetString(Lexer.StringBytes(t[i + 1])), Origin = line.Origin, At = t[i], Bits = _bits };
        int k = i + 2;
        if (k < t.Count)
        {
            if (!t[k].Is(",")) throw Err(t[k], "expected ',' and a skip count after the incbin file name");
            int comma = FindTopLevelComma(t, k + 1, t.Count);
            st.Skip = ParseExpr(t, k + 1, comma < 0 ? t.Count : comma, line);
            if (comma >= 0) st.Length = ParseExpr(t, comma + 1, t.Count, line);
        }
        string? dir = null;
        try
        {
            dir = t[i].Origin.File == _options.SourceName
                ? Path.GetDirectoryName(Path.GetFullPath(_options.SourceName))
                : Path.GetDirectoryName(t[i].Origin.File);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { }
        var path = Preprocessor.ResolveFile(st.Path, dir, _options)
            ?? throw Err(t[i + 1], $"cannot find incbin file \"{st.Path}\"");
        st.Content = _options.FileSystem.ReadAllBytes(path);
        return st;
    }

    private InstructionStmt ParseInstruction(PpLine line, int i)
    {
        var t = line.Tokens;
        var st = new InstructionStmt { Origin = line.Origin, Bits = _bits, At = t[i] };
        // prefixes
        while (i < t.Count && t[i].Kind == TokenKind.Identifier && (Prefixes.Contains(t[i].Text) || Registers.IsSegment(Registers.Find(t[i].Text))))
        {
            string p = t[i].Text.ToLowerInvariant();
            bool more = i + 1 < t.Count && t[i + 1].Kind == TokenKind.Identifier;
            switch (p)
            {
                case "lock": st.Lock = true; break;
                case "rep": st.RepLock = PrefixKind.Rep; break;
                case "repe": case "repz": st.RepLock = PrefixKind.Repe; break;
                case "repne": case "repnz": st.RepLock = PrefixKind.Repne; break;
                case "o16": st.OperandSizePrefix = 16; break;
                case "o32": st.OperandSizePrefix = 32; break;
                case "a16": st.AddressSizePrefix = 16; break;
                case "a32": st.AddressSizePrefix = 32; break;
                case "es": case "cs": case "ss": case "ds": case "fs": case "gs":
                    if (!more) goto done;
                    st.SegmentPrefix = Registers.Find(p);
                    break;
                default: goto done;
            }
            i++;
        }
    done:
        if (i >= t.Count) throw Err(t[^1], "a prefix must be followed by an instruction");
        var m = t[i];
        if (m.Kind != TokenKind.Identifier) throw Err(m, $"expected an instruction after the prefix, found '{m.Text}'");
        var forms = InstructionTable.Find(m.Text);
        if (forms is null)
        {
            if (Directives.Contains(m.Text)) throw Err(m, $"{m.Text} cannot follow a prefix");
            throw Err(m, $"unknown instruction '{m.Text}' (not an instruction, directive or macro)");
        }
        st.Mnemonic = m.Text.ToLowerInvariant();
        st.MnemonicToken = m;
        st.AllForms = forms;
        i++;
        while (i < t.Count)
        {
            int comma = FindTopLevelComma(t, i, t.Count);
            int end = comma < 0 ? t.Count : comma;
            if (i == end) throw Err(t[i], "expected an operand");
            st.Operands.Add(ParseOperand(line, i, end));
            i = comma < 0 ? t.Count : comma + 1;
            if (comma >= 0 && i >= t.Count) throw Err(t[comma], "expected an operand after ','");
        }
        // LOOP target, CX/ECX: the register picks the address size
        if (st.Mnemonic.StartsWith("loop", StringComparison.Ordinal) && st.Operands.Count == 2 && st.Operands[1].Type == OperandType.Register)
        {
            var r = st.Operands[1].Reg;
            if (r != Register.CX && r != Register.ECX) throw Err(st.Operands[1].At, $"the count register of {st.Mnemonic.ToUpperInvariant()} is cx or ecx, not {st.Operands[1].At.Text}");
            st.AddressSizePrefix = r == Register.CX ? 16 : 32;
            st.Operands.RemoveAt(1);
        }
        foreach (var o in st.Operands)
            if (o.Type == OperandType.Memory && st.AddressSizePrefix != 0 && o.RegAddressSize != 0 && o.RegAddressSize != st.AddressSizePrefix)
                throw Err(o.At, $"a{st.AddressSizePrefix} conflicts with the {o.RegAddressSize}-bit registers of the memory operand");
        // IMUL reg, imm is IMUL reg, reg, imm
        if (st.Mnemonic == "imul" && st.Operands.Count == 2 && st.Operands[0].Type == OperandType.Register && st.Operands[1].Type == OperandType.Immediate)
            st.Operands.Insert(1, st.Operands[0]);
        // AAM/AAD without an operand divide by 10
        if (st.Mnemonic is "aam" or "aad" && st.Operands.Count == 0)
            st.Operands.Add(new Operand { Type = OperandType.Immediate, Imm = new NumberExpr(m, 10), At = m });
        // relative branches depend on their own address even with a constant target
        st.IsConstant = st.Operands.All(o => o.IsConstant) &&
            !(st.Operands.Any(o => o.Type == OperandType.Immediate) && HasRelativeBranch(forms));
        return st;
    }

    private static bool HasRelativeBranch(InstructionForm[] forms)
    {
        foreach (var f in forms) if (f.IsRelativeBranch) return true;
        return false;
    }

    private Operand ParseOperand(PpLine line, int start, int end)
    {
        var t = line.Tokens;
        var op = new Operand { At = t[start] };
        int i = start;
        while (i < end && t[i].Kind == TokenKind.Identifier && (Keywords.IsSizeKeyword(t[i].Text) || Keywords.IsOperandKeyword(t[i].Text)))
        {
            string w = t[i].Text.ToLowerInvariant();
            int size = Keywords.SizeOf(w);
            if (size != 0)
            {
                // nasm keeps the first size keyword (push dword strict byte -1 pushes a dword immediate)
                if (op.Size == 0) op.Size = size;
            }
            else if (w == "strict") op.Strict = true;
            else if (w == "short") op.Short = true;
            else if (w == "near") op.Near = true;
            else if (w == "far") op.Far = true;
            else if (w is "ptr" or "nosplit" or "abs" or "rel" or "to") { }
            else break;
            i++;
        }
        if (i >= end) throw Err(t[end - 1], "expected an operand after the size or jump keyword");
        op.At = t[i];
        // es:[bx] is [es:bx]
        if (t[i].Kind == TokenKind.Identifier && i + 2 < end && t[i + 1].Is(":") && t[i + 2].Is("[") && Registers.IsSegment(Registers.Find(t[i].Text)))
        {
            ParseMemory(line, i + 2, end, op);
            op.Segment = Registers.Find(t[i].Text);
            return op;
        }
        if (t[i].Is("["))
        {
            ParseMemory(line, i, end, op);
            return op;
        }
        if (t[i].Kind == TokenKind.Identifier && i + 1 == end)
        {
            var r = Registers.Find(t[i].Text);
            if (r != Register.None)
            {
                if (op.Size != 0 && Registers.GprSize(r) != 0 && Registers.GprSize(r) != op.Size)
                    throw Err(t[start], $"size keyword does not match register {t[i].Text}");
                op.Type = OperandType.Register;
                op.Reg = r;
                return op;
            }
        }
        int colon = -1;
        int depth = 0;
        for (int k = i; k < end; k++)
        {
            if (t[k].Is("(")) depth++;
            else if (t[k].Is(")")) depth--;
            else if (depth == 0 && t[k].Is(":")) { colon = k; break; }
        }
        if (colon >= 0)
        {
            op.Type = OperandType.FarPointer;
            op.Seg = ParseExpr(t, i, colon, line);
            op.Imm = ParseExpr(t, colon + 1, end, line);
            return op;
        }
        op.Type = OperandType.Immediate;
        op.Imm = ParseExpr(t, i, end, line);
        return op;
    }

    private void ParseMemory(PpLine line, int open, int end, Operand op)
    {
        var t = line.Tokens;
        int close = -1, depth = 0;
        for (int k = open; k < end; k++)
        {
            if (t[k].Is("[")) depth++;
            else if (t[k].Is("]")) { depth--; if (depth == 0) { close = k; break; } }
        }
        if (close < 0) throw Err(t[open], "memory operand has no closing ]");
        if (close != end - 1) throw Err(t[close + 1], $"unexpected '{t[close + 1].Text}' after the memory operand");
        op.Type = OperandType.Memory;
        int i = open + 1;
        bool nosplit = false;
        while (i < close && t[i].Kind == TokenKind.Identifier)
        {
            string w = t[i].Text.ToLowerInvariant();
            int size = Keywords.SizeOf(w);
            if (size is 1 or 2 or 4) op.DispSize = size;
            else if (w == "nosplit") nosplit = true;
            else if (w is "abs" or "rel") { }
            else break;
            i++;
        }
        if (i + 1 < close && t[i].Kind == TokenKind.Identifier && t[i + 1].Is(":"))
        {
            var seg = Registers.Find(t[i].Text);
            if (!Registers.IsSegment(seg)) throw Err(t[i], $"'{t[i].Text}' is not a segment register (expected es, cs, ss, ds, fs or gs before ':')");
            op.Segment = seg;
            i += 2;
        }
        if (i >= close) throw Err(t[open], "empty memory operand: expected an address inside [ ]");
        var e = ParseExpr(t, i, close, line, registers: true);
        Analyze(e, op, nosplit, t[open]);
    }

    /// <summary>Splits an address expression into base, index*scale and displacement, with nasm's rules.</summary>
    private void Analyze(Expr e, Operand op, bool nosplit, Token open)
    {
        var regs = new List<(Register reg, long scale, bool explicitScale, Token at)>();
        var rest = new List<(Expr e, int sign)>();
        Walk(e, 1, regs, rest);
        Expr? disp = null;
        foreach (var (x, sign) in rest)
        {
            var term = sign < 0 ? new UnaryExpr(x.At, "-", x) : x;
            disp = disp is null ? term : new BinaryExpr(x.At, "+", disp, term);
        }
        op.Disp = disp;
        if (regs.Count == 0) return;
        foreach (var r in regs)
            if (!Registers.IsGpr16(r.reg) && !Registers.IsGpr32(r.reg))
                throw Err(r.at, $"register {r.at.Text} cannot be used in an address (expected bx, bp, si, di or a 32-bit register)");
        int size = Registers.IsGpr16(regs[0].reg) ? 16 : 32;
        foreach (var r in regs)
            if ((Registers.IsGpr16(r.reg) ? 16 : 32) != size)
                throw Err(r.at, "16-bit and 32-bit registers cannot be mixed in one address");
        op.RegAddressSize = size;
        if (op.DispSize != 0 && op.DispSize != 1 && op.DispSize * 8 != size)
            throw Err(open, $"a {op.DispSize * 8}-bit displacement does not fit {size}-bit addressing");
        // merge repeated registers: [eax+eax] stays two, [eax*2+eax*2] becomes eax*4
        Register baseReg = Register.None, index = Register.None;
        long scale = 1;
        var indexed = regs.Where(r => r.explicitScale).ToList();
        var plain = regs.Where(r => !r.explicitScale).ToList();
        if (indexed.Count > 1) throw Err(indexed[1].at, "only one register can be scaled in an address");
        if (indexed.Count == 1)
        {
            index = indexed[0].reg;
            scale = indexed[0].scale;
            if (plain.Count > 1) throw Err(plain[1].at, "too many registers in the address (at most a base and an index)");
            if (plain.Count == 1) baseReg = plain[0].reg;
        }
        else
        {
            if (plain.Count > 2) throw Err(plain[2].at, "too many registers in the address (at most a base and an index)");
            baseReg = plain[0].reg;
            if (plain.Count == 2) index = plain[1].reg;
        }
        if (size == 16)
        {
            if (index != Register.None && scale != 1) throw Err(indexed[0].at, "16-bit addresses cannot scale a register");
            if (baseReg == Register.None && index != Register.None) { baseReg = index; index = Register.None; }
            // [si+bx] is [bx+si]
            if (baseReg is Register.SI or Register.DI && index is Register.BX or Register.BP) (baseReg, index) = (index, baseReg);
            bool ok = index == Register.None ? baseReg is Register.BX or Register.BP or Register.SI or Register.DI
                : baseReg is Register.BX or Register.BP && index is Register.SI or Register.DI;
            if (!ok) throw Err(regs[0].at, "invalid 16-bit address: use [bx|bp] + [si|di] + displacement");
            op.Base = baseReg;
            op.Index = index;
            op.Scale = 1;
            return;
        }
        if (scale is not (1 or 2 or 3 or 4 or 5 or 8 or 9)) throw Err(indexed[0].at, $"scale {scale} is not 1, 2, 4 or 8");
        if (baseReg == Register.None && index != Register.None && !nosplit)
        {
            // nasm: [eax*2] is [eax+eax], [eax*3] is [eax+eax*2], [eax*1] is [eax]
            if (scale is 1 or 2 or 3 or 5 or 9) { baseReg = index; scale -= 1; if (scale == 0) index = Register.None; }
        }
        else if (scale is 3 or 5 or 9)
        {
            if (baseReg != Register.None) throw Err(indexed[0].at, $"scale {scale} is only possible without a base register");
            baseReg = index;
            scale -= 1;
        }
        if (index == Register.ESP)
        {
            if (scale == 1 && baseReg != Register.ESP) (baseReg, index) = (index, baseReg);
            else throw Err(regs.First(r => r.reg == Register.ESP).at, "esp cannot be an index register");
        }
        op.Base = baseReg;
        op.Index = index;
        op.Scale = index == Register.None ? 1 : (int)scale;
    }

    private void Walk(Expr e, int sign, List<(Register, long, bool, Token)> regs, List<(Expr, int)> rest)
    {
        switch (e)
        {
            case RegisterExpr r:
                if (sign < 0) throw Err(r.At, $"register {r.At.Text} cannot be subtracted in an address");
                regs.Add((r.Register, 1, false, r.At));
                return;
            case BinaryExpr { Op: "+" } b:
                Walk(b.Left, sign, regs, rest);
                Walk(b.Right, sign, regs, rest);
                return;
            case BinaryExpr { Op: "-" } b:
                Walk(b.Left, sign, regs, rest);
                Walk(b.Right, -sign, regs, rest);
                return;
            case UnaryExpr { Op: "+" } u:
                Walk(u.Operand, sign, regs, rest);
                return;
            case UnaryExpr { Op: "-" } u when HasRegister(u.Operand):
                Walk(u.Operand, -sign, regs, rest);
                return;
            case BinaryExpr { Op: "*" } b when HasRegister(b.Left) || HasRegister(b.Right):
                {
                    var (regSide, numSide) = HasRegister(b.Left) ? (b.Left, b.Right) : (b.Right, b.Left);
                    if (HasRegister(numSide) || regSide is not RegisterExpr reg)
                        throw Err(b.At, "invalid address: only a register times a constant can be scaled");
                    if (!numSide.IsConstant) throw Err(numSide.At, "the scale of an index register must be a constant");
                    long scale = numSide.Eval(new ConstantContext()).N;
                    if (sign < 0) throw Err(reg.At, $"register {reg.At.Text} cannot be subtracted in an address");
                    regs.Add((reg.Register, scale, true, reg.At));
                    return;
                }
            default:
                if (HasRegister(e)) throw Err(e.At, "invalid address: registers can only be added, or multiplied by a constant");
                rest.Add((e, sign));
                return;
        }
    }

    private static bool HasRegister(Expr e) => e switch
    {
        RegisterExpr => true,
        UnaryExpr u => HasRegister(u.Operand),
        BinaryExpr b => HasRegister(b.Left) || HasRegister(b.Right),
        ConditionalExpr c => HasRegister(c.Cond) || HasRegister(c.A) || HasRegister(c.B),
        _ => false,
    };
}

/// <summary>Evaluates constant expressions (no symbols).</summary>
internal sealed class ConstantContext : IEvalContext
{
    public Value Symbol(string name, Token at) => throw new AsmError(at.Origin, at.Column, $"'{name}' must be a constant here");
    public Value Here(Token at) => throw new AsmError(at.Origin, at.Column, "$ is not a constant");
    public Value SectionStart(Token at) => throw new AsmError(at.Origin, at.Column, "$$ is not a constant");
}
