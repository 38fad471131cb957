namespace VirtLab.Engine.Assembly;

/// <summary>
/// The value of an expression: a 64-bit number, whether it is still unknown (a forward reference in the first
/// pass), and whether it is an address in a section (a label, $, $$, or such a value plus or minus a number).
/// nasm treats section addresses as relocatable: they never qualify for the sign-extended-byte, disp8 or
/// short-jump optimizations, and label - label is a plain number.
/// </summary>
internal readonly struct Value
{
    public Value(long n, bool unknown = false, int section = -1) { N = n; Unknown = unknown; Section = section; }
    public readonly long N;
    public readonly bool Unknown;
    /// <summary>Index of the section this value is an address in; -1 for a plain number.</summary>
    public readonly int Section;
    public bool IsRelocatable => Section >= 0;
    public static Value Num(long n) => new(n);
}

/// <summary>What an expression needs from the assembler to evaluate.</summary>
internal interface IEvalContext
{
    /// <summary>The value of a symbol; a value marked unknown when it is not defined yet (first pass). Throws AsmError when it can never be known.</summary>
    Value Symbol(string name, Token at);
    /// <summary>$: the address of the start of the current statement.</summary>
    Value Here(Token at);
    /// <summary>$$: the address of the start of the current section.</summary>
    Value SectionStart(Token at);
}

/// <summary>An expression tree node.</summary>
internal abstract class Expr
{
    protected Expr(Token at) { At = at; }
    /// <summary>The token the node starts at (for diagnostics).</summary>
    public readonly Token At;
    public abstract Value Eval(IEvalContext ctx);
    /// <summary>True when the expression uses no symbol, $ or $$ (its value never changes between passes).</summary>
    public abstract bool IsConstant { get; }
}

internal sealed class NumberExpr : Expr
{
    public NumberExpr(Token at, long value) : base(at) { Value = value; }
    public readonly long Value;
    public override Value Eval(IEvalContext ctx) => new(Value);
    public override bool IsConstant => true;
}

internal sealed class SymbolExpr : Expr
{
    public SymbolExpr(Token at, string name) : base(at) { Name = name; }
    public readonly string Name;
    public override Value Eval(IEvalContext ctx) => ctx.Symbol(Name, At);
    public override bool IsConstant => false;
}

internal sealed class HereExpr : Expr
{
    public HereExpr(Token at, bool sectionStart) : base(at) { SectionStartRef = sectionStart; }
    public readonly bool SectionStartRef;
    public override Value Eval(IEvalContext ctx) => SectionStartRef ? ctx.SectionStart(At) : ctx.Here(At);
    public override bool IsConstant => false;
}

/// <summary>A register inside a memory operand ([bx+si+4]); evaluating it as a number is an error.</summary>
internal sealed class RegisterExpr : Expr
{
    public RegisterExpr(Token at, Iced.Intel.Register reg) : base(at) { Register = reg; }
    public readonly Iced.Intel.Register Register;
    public override Value Eval(IEvalContext ctx) =>
        throw new AsmError(At.Origin, At.Column, $"register {At.Text} cannot be used in an expression outside a memory operand [...]");
    public override bool IsConstant => true;
}

internal sealed class UnaryExpr : Expr
{
    public UnaryExpr(Token at, string op, Expr operand) : base(at) { Op = op; Operand = operand; }
    public readonly string Op;
    public readonly Expr Operand;
    public override bool IsConstant => Operand.IsConstant;

    public override Value Eval(IEvalContext ctx)
    {
        var v = Operand.Eval(ctx);
        long r = Op switch
        {
            "-" => unchecked(-v.N),
            "+" => v.N,
            "~" => ~v.N,
            "!" => v.N == 0 ? 1 : 0,
            _ => throw new InvalidOperationException(Op),
        };
        return new Value(r, v.Unknown, Op == "+" ? v.Section : -1);
    }
}

internal sealed class BinaryExpr : Expr
{
    public BinaryExpr(Token at, string op, Expr left, Expr right) : base(at) { Op = op; Left = left; Right = right; }
    public readonly string Op;
    public readonly Expr Left, Right;
    public override bool IsConstant => Left.IsConstant && Right.IsConstant;

    public override Value Eval(IEvalContext ctx)
    {
        // short-circuit operators evaluate their right side only when needed
        if (Op is "&&" or "||")
        {
            var l = Left.Eval(ctx);
            if (!l.Unknown && (Op == "&&" ? l.N == 0 : l.N != 0)) return new Value(Op == "&&" ? 0 : 1);
            var rr = Right.Eval(ctx);
            return new Value(rr.N != 0 ? 1 : 0, l.Unknown || rr.Unknown);
        }
        var a = Left.Eval(ctx);
        var b = Right.Eval(ctx);
        bool unknown = a.Unknown || b.Unknown;
        int section = -1;
        long r;
        switch (Op)
        {
            case "+":
                r = unchecked(a.N + b.N);
                section = a.IsRelocatable && !b.IsRelocatable ? a.Section : !a.IsRelocatable && b.IsRelocatable ? b.Section : -1;
                break;
            case "-":
                r = unchecked(a.N - b.N);
                section = a.IsRelocatable && !b.IsRelocatable ? a.Section : -1;
                break;
            case "*": r = unchecked(a.N * b.N); break;
            case "/":
            case "//":
            case "%":
            case "%%":
                if (b.N == 0)
                {
                    if (unknown) { r = 0; break; }
                    throw new AsmError(At.Origin, At.Column, $"division by zero in '{Op}'");
                }
                r = Op switch
                {
                    "/" => (long)((ulong)a.N / (ulong)b.N),
                    "%" => (long)((ulong)a.N % (ulong)b.N),
                    "//" => a.N == long.MinValue && b.N == -1 ? a.N : a.N / b.N,
                    _ => a.N == long.MinValue && b.N == -1 ? 0 : a.N % b.N,
                };
                break;
            case "<<": case "<<<": r = b.N >= 64 || b.N < 0 ? 0 : a.N << (int)b.N; break;
            case ">>": r = b.N >= 64 || b.N < 0 ? 0 : (long)((ulong)a.N >> (int)b.N); break;
            case ">>>": r = b.N >= 64 || b.N < 0 ? (a.N < 0 ? -1 : 0) : a.N >> (int)b.N; break;
            case "&": r = a.N & b.N; break;
            case "|": r = a.N | b.N; break;
            case "^": r = a.N ^ b.N; break;
            case "^^": r = (a.N != 0) ^ (b.N != 0) ? 1 : 0; break;
            case "==": case "=": r = a.N == b.N ? 1 : 0; break;
            case "!=": case "<>": r = a.N != b.N ? 1 : 0; break;
            case "<": r = a.N < b.N ? 1 : 0; break;
            case "<=": r = a.N <= b.N ? 1 : 0; break;
            case ">": r = a.N > b.N ? 1 : 0; break;
            case ">=": r = a.N >= b.N ? 1 : 0; break;
            case "<=>": r = a.N < b.N ? -1 : a.N > b.N ? 1 : 0; break;
            default: throw new InvalidOperationException(Op);
        }
        return new Value(r, unknown, section);
    }
}

internal sealed class ConditionalExpr : Expr
{
    public ConditionalExpr(Token at, Expr cond, Expr a, Expr b) : base(at) { Cond = cond; A = a; B = b; }
    public readonly Expr Cond, A, B;
    public override bool IsConstant => Cond.IsConstant && A.IsConstant && B.IsConstant;

    public override Value Eval(IEvalContext ctx)
    {
        var c = Cond.Eval(ctx);
        var v = c.N != 0 ? A.Eval(ctx) : B.Eval(ctx);
        return c.Unknown ? new Value(v.N, true, v.Section) : v;
    }
}
