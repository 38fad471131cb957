using System.Diagnostics;

namespace VirtLab.Engine.Assembly;

/// <summary>
/// VirtLab's Intel-syntax (nasm dialect) assembler for 16- and 32-bit x86, producing flat binaries
/// byte-identical to <c>nasm -f bin</c> for the sources it accepts. Instructions are matched against Iced's
/// opcode tables and encoded by Iced's encoder; see Engine/Assembly/README.md for what nasm features exist.
/// </summary>
public static class Assembler
{
    /// <summary>
    /// Assembles <paramref name="source"/>. On any error throws one <see cref="AssemblyException"/> carrying every
    /// diagnostic (file, line, column, source line, what was expected); nothing is emitted for a failed assembly.
    /// </summary>
    public static AssemblyResult Assemble(string source, AssemblerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new AssemblerOptions();
        options.Validate();
        return new AssemblyRun(options).Run(source);
    }

    /// <summary>Reads <paramref name="path"/> through the options' file system and assembles it (SourceName = the path).</summary>
    public static AssemblyResult AssembleFile(string path, AssemblerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new AssemblerOptions();
        var full = Path.GetFullPath(path);
        if (!options.FileSystem.FileExists(full)) throw new FileNotFoundException($"Assembly source '{path}' does not exist.", path);
        var text = Preprocessor.DecodeText(options.FileSystem.ReadAllBytes(full));
        var o = new AssemblerOptions
        {
            SourceName = full,
            Bitness = options.Bitness,
            Origin = options.Origin,
            IncludePaths = options.IncludePaths,
            FileSystem = options.FileSystem,
            Defines = options.Defines,
        };
        return Assemble(text, o);
    }

    /// <summary>
    /// Assembles <paramref name="source"/> in <paramref name="repetitions"/> timed batches (after a warm-up) and returns
    /// the source lines per second of the fastest batch, so that other load on a shared machine skews it as little as possible
    /// (for the benchmark and test output; nothing asserts it).
    /// </summary>
    public static double MeasureLinesPerSecond(string source, AssemblerOptions? options = null, int repetitions = 5)
    {
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), "repetitions must be at least 1");
        // Warm up until tiered compilation has optimized the hot paths (instrumented tier, then tier 1
        // with PGO: about two seconds of steady work), then time batches of at least 200 ms each.
        var warm = Stopwatch.StartNew();
        do Assemble(source, options); while (warm.ElapsedMilliseconds < 2000);
        double best = double.MaxValue;
        int lines = 0;
        for (int i = 0; i < repetitions; i++)
        {
            var sw = Stopwatch.StartNew();
            int runs = 0;
            do { lines = Assemble(source, options).SourceLines; runs++; } while (sw.ElapsedMilliseconds < 200);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / runs);
        }
        return lines / Math.Max(best, 1e-9);
    }
}

/// <summary>One assembly: preprocess, parse, then passes until every label keeps its address.</summary>
internal sealed class AssemblyRun : InstructionEncoder.IPlace
{
    private const int MaxPasses = 60;
    private readonly AssemblerOptions _options;
    private readonly DiagnosticBag _diags = new();
    private readonly List<SectionState> _sections = new();
    private readonly Dictionary<string, SectionState> _sectionByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SymbolState> _symbols = new(StringComparer.Ordinal);
    private readonly InstructionEncoder _encoder = new();

    private int _pass;
    private SectionState _current = null!;
    private long _offset;        // offset in the current section of the current statement
    private long _org;
    private bool _orgSet;
    private bool _unknownSeen;
    private List<(SourceLine, int, string)> _passErrors = new();
    private List<(SourceLine, int, string)> _passWarnings = new();
    private List<ListingLine> _listing = new();
    private int _symbolOrder;

    private sealed class SymbolState
    {
        public string Name = null!;
        public bool IsLabel;
        public SectionState? Section;
        public long Offset;
        public Value Value;
        public int DefinedPass;
        public long LastAbsolute;
        public bool LastUnknown = true;
        public SourceLine Origin = null!;
        public Token At = null!;
        public int Order;
    }

    public AssemblyRun(AssemblerOptions options)
    {
        _options = options;
        _org = options.Origin;
    }

    public AssemblyResult Run(string source)
    {
        var pp = new Preprocessor(_options, _diags);
        List<Statement> statements;
        try
        {
            var lines = pp.Run(source);
            statements = new StatementParser(_options, _diags).Parse(lines);

        }
        catch (AsmError e)
        {
            _diags.Error(e);
            throw new AssemblyException(_diags.Sorted());
        }
        if (_diags.ErrorCount > 0) throw new AssemblyException(_diags.Sorted());

        GetSection(".text");
        bool stable = false;
        for (_pass = 1; _pass <= MaxPasses; _pass++)
        {
            RunPass(statements);
            bool layoutChanged = Layout();
            bool labelsChanged = CommitSymbols();
            if (_pass > 1 && !labelsChanged && !layoutChanged && !_unknownSeen) { stable = true; break; }
        }
        if (!stable)
            _passErrors.Add((statements.Count > 0 ? statements[0].Origin : new SourceLine(_options.SourceName, 1, ""), 1,
                $"the code sizes did not settle after {MaxPasses} passes (jumps or sizes that depend on each other)"));
        foreach (var (src, col, msg) in _passErrors) _diags.Error(src, col, msg);
        foreach (var (src, col, msg) in _passWarnings) _diags.Warning(src, col, msg);
        byte[] image = Array.Empty<byte>();
        if (_diags.ErrorCount == 0)
        {
            image = SectionLayout.Build(_sections, _org, (s, m) => _diags.Error(s.Declaration?.Origin ?? new SourceLine(_options.SourceName, 1, ""), 1, m));
        }
        if (_diags.ErrorCount > 0) throw new AssemblyException(_diags.Sorted());

        var symbols = _symbols.Values.OrderBy(s => s.Order).Select(s => new AssemblySymbol(
            s.Name, s.LastAbsolute, s.IsLabel, s.IsLabel ? s.Section!.Name : null, s.Origin)).ToList();
        var sections = _sections.Select(s => new AssemblySection(s.Name, s.LayoutStart, s.LayoutVStart, s.Size, s.NoBits)).ToList();
        var warnings = _diags.Items.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();
        // listing addresses and file offsets with the final layout
        var listing = _listing.Select(l =>
        {
            var s = _sectionByName[l.Section];
            long off = l.Address; // stored as the offset in the section during the pass
            return l with
            {
                Address = s.LayoutVStart + off,
                FileOffset = s.NoBits ? -1 : s.LayoutStart - _org + off,
            };
        }).ToList();
        return new AssemblyResult(image, _org, symbols, listing, sections, warnings, _pass, pp.SourceLineCount);
    }

    private SectionState GetSection(string name)
    {
        if (_sectionByName.TryGetValue(name, out var s)) return s;
        s = new SectionState(name, _sections.Count);
        _sections.Add(s);
        _sectionByName[name] = s;
        return s;
    }

    // ------------------------------------------------------------------ one pass

    private void RunPass(List<Statement> statements)
    {
        foreach (var s in _sections) s.ResetPass();
        _current = _sections[0];
        _offset = 0;
        _orgSet = false;
        _unknownSeen = false;
        _passErrors = new List<(SourceLine, int, string)>();
        _passWarnings = new List<(SourceLine, int, string)>();
        _listing = new List<ListingLine>();
        foreach (var st in statements)
        {
            _offset = _current.Size;
            try
            {
                Execute(st);
            }
            catch (AsmError e)
            {
                if (e.Fatal) throw;
                _passErrors.Add((e.Line, e.Column, e.Message));
            }
        }
    }

    private void Execute(Statement st)
    {
        switch (st)
        {
            case LabelStmt l:
                DefineLabel(l.Name, l.At, l.Origin);
                return;
            case EquStmt e:
                DefineEqu(e);
                return;
            case InstructionStmt ins:
                {
                    var bytes = ins.IsConstant && ins.CachedBytes is not null ? ins.CachedBytes : _encoder.Encode(ins, this);
                    if (ins.IsConstant) ins.CachedBytes = bytes;
                    Emit(bytes, st, isCode: true);
                    return;
                }
            case DataStmt d:
                Emit(DataBytes(d), st, isCode: false);
                return;
            case ReserveStmt r:
                {
                    var v = r.Count.Eval(this);
                    long n = v.Unknown ? 0 : v.N;
                    if (n < 0) throw new AsmError(r.Origin, r.Count.At.Column, $"reserve count {n} is negative");
                    Reserve(n * r.Unit, st);
                    return;
                }
            case TimesStmt t:
                ExecuteTimes(t);
                return;
            case AlignStmt a:
                ExecuteAlign(a);
                return;
            case OrgStmt o:
                {
                    var v = o.Value.Eval(this);
                    if (v.IsRelocatable || !o.Value.IsConstant && v.Unknown)
                        throw new AsmError(o.Origin, o.Value.At.Column, "org needs a constant address");
                    if (_orgSet && v.N != _org) throw new AsmError(o.Origin, o.At.Column, $"org is already 0x{_org:X} (a flat binary has one origin)");
                    _org = v.N;
                    _orgSet = true;
                    return;
                }
            case BitsStmt:
                return;
            case SectionStmt sec:
                ExecuteSection(sec);
                return;
            case IncbinStmt inc:
                {
                    long skip = inc.Skip is null ? 0 : inc.Skip.Eval(this).N;
                    var content = inc.Content!;
                    if (skip < 0 || skip > content.Length) throw new AsmError(inc.Origin, inc.Skip!.At.Column, $"incbin skip {skip} is outside the file ({content.Length} bytes)");
                    long len = inc.Length is null ? content.Length - skip : inc.Length.Eval(this).N;
                    if (len < 0) throw new AsmError(inc.Origin, inc.Length!.At.Column, $"incbin length {len} is negative");
                    len = Math.Min(len, content.Length - skip);
                    Emit(content.AsSpan((int)skip, (int)len).ToArray(), st, isCode: false);
                    return;
                }
        }
        throw new InvalidOperationException($"unhandled statement {st.GetType().Name}");
    }

    private void ExecuteSection(SectionStmt sec)
    {
        var s = GetSection(sec.Name);
        if (s.Declaration is null || (sec.Start ?? sec.VStart ?? (object?)sec.Align ?? sec.Follows ?? sec.VFollows ?? (object?)sec.NoBits) is not null)
        {
            if (s.Declaration is not null && !ReferenceEquals(s.Declaration, sec) && s.Declaration.Start is not null && sec.Start is not null)
                throw new AsmError(sec.Origin, sec.At.Column, $"section {sec.Name} already has its attributes (set at {s.Declaration.Origin})");
            if (s.Declaration is null) s.Declaration = sec;
            if (sec.Start is not null) s.Start = ConstantOf(sec.Start, "start=");
            if (sec.VStart is not null) s.VStart = ConstantOf(sec.VStart, "vstart=");
            if (sec.Align is long a) s.Align = a;
            if (sec.Follows is not null) s.Follows = sec.Follows;
            if (sec.VFollows is not null) s.VFollows = sec.VFollows;
            if (sec.NoBits is bool nb) s.NoBits = nb;
        }
        _current = s;
    }

    private long ConstantOf(Expr e, string what)
    {
        var v = e.Eval(this);
        if (v.IsRelocatable) throw new AsmError(e.At.Origin, e.At.Column, $"section {what} must be a number, not an address");
        return v.N;
    }

    private void ExecuteTimes(TimesStmt t)
    {
        var v = t.Count.Eval(this);
        long n = v.N;
        if (v.Unknown && n < 0) n = 0;
        if (n < 0) throw new AsmError(t.Origin, t.Count.At.Column, $"TIMES count {n} is negative");
        if (n > 100_000_000) throw new AsmError(t.Origin, t.Count.At.Column, $"TIMES count {n} is too large");
        if (n == 0) return;
        if (t.Inner is ReserveStmt r)
        {
            var c = r.Count.Eval(this);
            Reserve(n * (c.Unknown ? 0 : c.N) * r.Unit, t);
            return;
        }
        bool constant = t.Inner switch
        {
            InstructionStmt i => i.IsConstant,
            DataStmt d => d.Items.All(x => x.Value is null || x.Value.IsConstant),
            _ => false,
        };
        if (constant)
        {
            var one = t.Inner is DataStmt d ? DataBytes(d) : _encoder.Encode((InstructionStmt)t.Inner, this);
            var all = new byte[one.Length * n];
            for (long k = 0; k < n; k++) Array.Copy(one, 0, all, k * one.Length, one.Length);
            Emit(all, t, t.Inner is InstructionStmt);
            return;
        }
        var buf = new ByteBuffer();
        long start = _offset;
        for (long k = 0; k < n; k++)
        {
            _offset = start + buf.Length;
            var b = t.Inner is DataStmt d2 ? DataBytes(d2) : t.Inner is InstructionStmt ins ? _encoder.Encode(ins, this)
                : throw new AsmError(t.Origin, t.At.Column, "times repeats an instruction or data");
            buf.Add(b);
        }
        _offset = start;
        Emit(buf.Span.ToArray(), t, t.Inner is InstructionStmt);
    }

    private void ExecuteAlign(AlignStmt a)
    {
        var v = a.Alignment.Eval(this);
        long n = v.N;
        if (v.Unknown) return;
        if (n <= 0 || (n & (n - 1)) != 0) throw new AsmError(a.Origin, a.Alignment.At.Column, $"align {n} is not a power of two");
        if (n > _current.Align && _current.Start is null) _current.Align = n;
        long pad = (n - _offset % n) % n;
        if (pad == 0) return;
        if (a.NoBits || _current.NoBits || a.Fill is ReserveStmt)
        {
            Reserve(pad, a);
            return;
        }
        if (a.Fill is null)
        {
            var nops = new byte[pad];
            Array.Fill(nops, (byte)0x90);
            Emit(nops, a, isCode: true);
            return;
        }
        // align n, <statement>: times pad <statement> (as nasm's align macro)
        var buf = new ByteBuffer();
        long start = _offset;
        for (long k = 0; k < pad; k++)
        {
            _offset = start + buf.Length;
            buf.Add(a.Fill is DataStmt d ? DataBytes(d) : _encoder.Encode((InstructionStmt)a.Fill, this));
        }
        _offset = start;
        Emit(buf.Span.ToArray(), a, a.Fill is InstructionStmt);
    }

    private void Emit(byte[] bytes, Statement st, bool isCode)
    {
        if (bytes.Length == 0) return;
        if (_current.NoBits)
        {
            _passWarnings.Add((st.Origin, st.At.Column, $"data in nobits section {_current.Name} is ignored (only space is reserved)"));
            _current.Size += bytes.Length;
            return;
        }
        _listing.Add(new ListingLine(_offset, 0, bytes, _current.Name, st.Bits, isCode, st.Origin));
        _current.Data.Add(bytes);
        _current.Size += bytes.Length;
    }

    private void Reserve(long n, Statement st)
    {
        if (n <= 0) return;
        if (!_current.NoBits) _current.Data.Fill(0, n);
        _current.Size += n;
    }

    private byte[] DataBytes(DataStmt d)
    {
        var buf = new List<byte>(d.Items.Count * d.Unit);
        foreach (var item in d.Items)
        {
            if (item.Bytes is not null)
            {
                buf.AddRange(item.Bytes);
                // strings in dw/dd/dq are padded with zeros to a whole number of units
                int rem = item.Bytes.Length % d.Unit;
                if (rem != 0) for (int k = rem; k < d.Unit; k++) buf.Add(0);
                continue;
            }
            var v = item.Value!.Eval(this);
            long n = v.Unknown ? 0 : v.N;
            if (!v.Unknown && d.Unit < 8 && !v.IsRelocatable)
            {
                int bits = d.Unit * 8;
                if (n < -(1L << bits) || n >= (1L << bits))
                    _passWarnings.Add((d.Origin, item.At.Column, $"{(d.Unit == 1 ? "byte" : d.Unit == 2 ? "word" : "dword")} data {n} exceeds bounds (truncated)"));
            }
            for (int k = 0; k < d.Unit; k++) buf.Add((byte)(n >> (8 * k)));
        }
        return buf.ToArray();
    }

    // ------------------------------------------------------------------ symbols

    private void DefineLabel(string name, Token at, SourceLine origin)
    {
        var s = Symbol(name, at, origin);
        if (s.DefinedPass == _pass)
            throw new AsmError(origin, at.Column, $"label '{name}' is already defined at {s.Origin}");
        s.DefinedPass = _pass;
        s.IsLabel = true;
        s.Section = _current;
        s.Offset = _offset;
        s.Origin = origin;
    }

    private void DefineEqu(EquStmt e)
    {
        var s = Symbol(e.Name, e.At, e.Origin);
        if (s.DefinedPass == _pass)
            throw new AsmError(e.Origin, e.At.Column, $"symbol '{e.Name}' is already defined at {s.Origin}");
        var v = e.Value.Eval(this);
        s.DefinedPass = _pass;
        s.IsLabel = false;
        s.Value = v;
        s.Section = v.IsRelocatable ? _sections[v.Section] : null;
        s.Origin = e.Origin;
    }

    private SymbolState Symbol(string name, Token at, SourceLine origin)
    {
        if (!_symbols.TryGetValue(name, out var s))
        {
            s = new SymbolState { Name = name, At = at, Origin = origin, Order = _symbolOrder++ };
            _symbols[name] = s;
        }
        return s;
    }

    public Value Symbol(string name, Token at)
    {
        if (!_symbols.TryGetValue(name, out var s) || s.DefinedPass == 0)
        {
            if (_pass == 1) { _unknownSeen = true; return new Value(0, unknown: true); }
            throw new AsmError(at.Origin, at.Column, $"symbol '{name}' is not defined");
        }
        if (s.IsLabel)
        {
            // defined earlier in this pass: this pass's offset; later: the previous pass's
            return new Value(s.Section!.LayoutVStart + s.Offset, false, s.Section.Index);
        }
        if (s.DefinedPass < _pass && s.LastUnknown) { _unknownSeen = true; return new Value(s.LastAbsolute, true); }
        if (s.DefinedPass < _pass) return new Value(s.LastAbsolute, false, s.Value.Section);
        if (s.Value.Unknown) _unknownSeen = true;
        return s.Value;
    }

    public Value Here(Token at) => new(_current.LayoutVStart + _offset, false, _current.Index);
    public Value SectionStart(Token at) => new(_current.LayoutVStart, false, _current.Index);
    public int Section => _current.Index;
    public long Address => _current.LayoutVStart + _offset;
    public bool FinalPass => true;
    public void Warn(Token at, string message) => _passWarnings.Add((at.Origin, at.Column, message));

    /// <summary>Places the sections with this pass's sizes; true when a start or vstart moved.</summary>
    private bool Layout()
    {
        var before = _sections.Select(s => (s.LayoutStart, s.LayoutVStart)).ToList();
        SectionLayout.Place(_sections, _org, (s, m) => _passErrors.Add((s.Declaration?.Origin ?? new SourceLine(_options.SourceName, 1, ""), 1, m)));
        for (int i = 0; i < _sections.Count; i++)
            if (before[i] != (_sections[i].LayoutStart, _sections[i].LayoutVStart)) return true;
        return false;
    }

    /// <summary>Records every symbol's value with the new layout; true when one changed since the last pass.</summary>
    private bool CommitSymbols()
    {
        bool changed = false;
        foreach (var s in _symbols.Values)
        {
            if (s.DefinedPass != _pass) continue;
            long v;
            bool unknown;
            if (s.IsLabel) { v = s.Section!.LayoutVStart + s.Offset; unknown = false; }
            else { v = s.Value.N; unknown = s.Value.Unknown; }
            if (v != s.LastAbsolute || unknown != s.LastUnknown) changed = true;
            s.LastAbsolute = v;
            s.LastUnknown = unknown;
        }
        return changed;
    }
}

