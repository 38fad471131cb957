using Iced.Intel;

namespace VirtLab.Engine;

/// <summary>How an operand of a decoded instruction is reached.</summary>
public enum OperandKind : byte { None = 0, Register, Memory, Immediate }

/// <summary>
/// One instruction decoded once by Iced and prepared for execution: the handler to call, its
/// operands reduced to register numbers, an immediate, and one memory operand (x86 has at most one
/// explicit memory operand). Kept in a <see cref="CodeBlock"/> until its page is written.
/// </summary>
public sealed unsafe class DecodedInstruction
{
    /// <summary>Index of the "no register" slot in <see cref="Cpu.R"/>: always zero, so effective addresses need no branches.</summary>
    public const byte NoRegister = 8;

    internal delegate*<Cpu, DecodedInstruction, void> Handler;

    /// <summary>The instruction as Iced decoded it (for formatting, monitors and exits).</summary>
    public Instruction Instruction;
    /// <summary>Offset in CS of the first byte, and of the next instruction.</summary>
    public uint Ip, NextIp;
    /// <summary>Linear address of the first byte.</summary>
    public uint LinearAddress;
    public byte Length;

    public OperandKind Kind0, Kind1, Kind2;
    /// <summary>Register numbers of operands 0 and 1: 0-7 for 16/32-bit GPRs (ModRM order); for 8-bit, 0-3 = AL..BL, 4-7 = AH..BH; segment registers by <see cref="SegmentRegister"/>.</summary>
    public byte Reg0, Reg1;
    /// <summary>First immediate operand (sign- or zero-extended as the encoding says) and the second (ENTER, far pointers' selector).</summary>
    public uint Immediate, Immediate2;

    // The memory operand: linear = base(Segment) + ((R[Base] + (R[Index] << Scale) + Displacement) & AddressMask)
    public SegmentRegister Segment;
    public byte Base = NoRegister, Index = NoRegister, Scale;
    public uint Displacement;
    /// <summary>0xFFFF for 16-bit addressing, 0xFFFFFFFF for 32-bit.</summary>
    public uint AddressMask;

    /// <summary>Operand size in bytes for the handlers that serve several sizes.</summary>
    public byte OperandSize;
    /// <summary>The instruction has a REP/REPE (1) or REPNE (2) prefix.</summary>
    public byte RepPrefix;
    /// <summary>The instruction ends its block (branches, mode changes, stops).</summary>
    public bool EndsBlock;

    public Code Code => Instruction.Code;

    private static readonly NasmFormatter Formatter = new() { Options = { FirstOperandCharIndex = 0 } };

    /// <summary>The instruction in Intel (nasm) syntax, as Iced formats it.</summary>
    public string Text
    {
        get
        {
            var output = new StringOutput();
            lock (Formatter) Formatter.Format(Instruction, output);
            return output.ToStringAndReset();
        }
    }

    public override string ToString() => $"{Ip:X8} {Text}";
}
