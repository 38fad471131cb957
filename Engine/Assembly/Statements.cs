using Iced.Intel;

namespace VirtLab.Engine.Assembly;

internal enum OperandType { Register, Memory, Immediate, FarPointer }

/// <summary>A parsed instruction operand.</summary>
internal sealed class Operand
{
    public OperandType Type;
    public Token At = null!;
    /// <summary>Size keyword (byte=1, word=2, dword=4 ...), 0 when none.</summary>
    public int Size;
    public bool Strict, Short, Near, Far;

    // register
    public Register Reg;

    // memory
    public Register Segment;
    public Register Base, Index;
    public int Scale = 1;
    public Expr? Disp;
    /// <summary>Displacement size from a keyword inside the brackets ([byte bp+1], [dword 0x10]); 0 = automatic.</summary>
    public int DispSize;
    /// <summary>16 or 32 when the registers fix the address size, 0 when there are none.</summary>
    public int RegAddressSize;

    // immediate, branch target, far pointer offset
    public Expr? Imm;
    /// <summary>Segment part of a far pointer (seg:offset).</summary>
    public Expr? Seg;

    public bool IsGpr => Type == OperandType.Register && Registers.GprSize(Reg) != 0;

    /// <summary>True when the operand says how big the operation is (a general register, a sized memory operand, a size keyword).</summary>
    public bool GivesSize => IsGpr || Size != 0;

    public bool IsConstant => (Disp?.IsConstant ?? true) && (Imm?.IsConstant ?? true) && (Seg?.IsConstant ?? true);
}

internal enum PrefixKind { None, Lock, Rep, Repe, Repne }

/// <summary>A statement of the assembly source (one line after preprocessing).</summary>
internal abstract class Statement
{
    public SourceLine Origin = null!;
    public Token At = null!;
    /// <summary>BITS in force for this statement.</summary>
    public int Bits;
}

internal sealed class LabelStmt : Statement
{
    public string Name = null!;
}

internal sealed class InstructionStmt : Statement
{
    public string Mnemonic = null!;
    public Token MnemonicToken = null!;
    public PrefixKind RepLock;
    public bool Lock;
    public Register SegmentPrefix;
    public int OperandSizePrefix; // 16/32 from o16/o32
    public int AddressSizePrefix; // 16/32 from a16/a32
    public readonly List<Operand> Operands = new();
    public InstructionForm[] AllForms = null!;
    /// <summary>Static candidates (operand shapes match), computed once.</summary>
    public List<Candidate>? Candidates;
    /// <summary>Bytes of a constant instruction, encoded once.</summary>
    public byte[]? CachedBytes;
    public bool IsConstant;
}

/// <summary>A form with the order the source operands map onto it (swapped for XCHG/TEST written the other way).</summary>
internal readonly record struct Candidate(InstructionForm Form, bool Swapped);

internal sealed class DataItem
{
    public Expr? Value;
    public byte[]? Bytes;
    public Token At = null!;
}

internal sealed class DataStmt : Statement
{
    public int Unit;
    public readonly List<DataItem> Items = new();
}

internal sealed class ReserveStmt : Statement
{
    public int Unit;
    public Expr Count = null!;
}

internal sealed class TimesStmt : Statement
{
    public Expr Count = null!;
    public Statement Inner = null!;
}

internal sealed class EquStmt : Statement
{
    public string Name = null!;
    public Expr Value = null!;
}

internal sealed class AlignStmt : Statement
{
    public Expr Alignment = null!;
    /// <summary>What pads (a db/instruction statement); null: NOP (align) or reserved space (alignb).</summary>
    public Statement? Fill;
    public bool NoBits;
}

internal sealed class OrgStmt : Statement
{
    public Expr Value = null!;
}

internal sealed class BitsStmt : Statement
{
    public int Value;
}

internal sealed class SectionStmt : Statement
{
    public string Name = null!;
    public Expr? Start, VStart;
    public long? Align;
    public string? Follows, VFollows;
    public bool? NoBits;
}

internal sealed class IncbinStmt : Statement
{
    public string Path = null!;
    public Expr? Skip, Length;
    public byte[]? Content;
}
