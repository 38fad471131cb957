using System.Text;
using Iced.Intel;
using Decoder = Iced.Intel.Decoder;

namespace VirtLab.Engine.Images;

/// <summary>Assembly syntax of a listing.</summary>
public enum DisassemblySyntax
{
    /// <summary>nasm syntax (Iced's NasmFormatter): <c>mov dword [ebx+4],1</c>; re-assembles with nasm.</summary>
    Nasm,
    /// <summary>Intel syntax (Iced's IntelFormatter, as Intel XED writes it): <c>mov dword ptr [ebx+4],1</c>.</summary>
    Intel,
}

/// <summary>How to disassemble a range of guest memory.</summary>
public sealed record DisassemblyOptions
{
    public DisassemblySyntax Syntax { get; init; } = DisassemblySyntax.Nasm;
    /// <summary>Code size: 16 (real mode, CS.D = 0) or 32.</summary>
    public int Bitness { get; init; } = 32;
    /// <summary>Names for labels and operands, or null.</summary>
    public SymbolTable? Symbols { get; init; }
    /// <summary>
    /// Base of the code segment: instructions are decoded at offset = physical - base (so 16-bit
    /// branch targets come out as offsets), and symbols are looked up at base + offset. 0 for flat code.
    /// </summary>
    public uint SegmentBase { get; init; }
}

/// <summary>What a listing line holds.</summary>
public enum DisassemblyLineKind
{
    /// <summary>A symbol defined at the next instruction's address: <c>name:</c> on its own line.</summary>
    Label,
    /// <summary>One decoded instruction.</summary>
    Instruction,
    /// <summary>A byte that is not a valid instruction, shown as <c>db 0xNN</c>.</summary>
    Data,
}

/// <summary>One line of a listing: a label, or an instruction (or undecodable byte) with its address and bytes.</summary>
public sealed record DisassemblyLine(DisassemblyLineKind Kind, uint Address, byte[] Bytes, string Text)
{
    /// <summary>Column width of the bytes column: 15 bytes (the longest x86 instruction) as hex pairs.</summary>
    public const int BytesColumn = 30;

    /// <summary><c>name:</c> for a label; <c>AAAAAAAA  BYTES...  text</c> otherwise.</summary>
    public override string ToString() => Kind == DisassemblyLineKind.Label
        ? Text + ":"
        : $"{Address:X8}  {Convert.ToHexString(Bytes).PadRight(BytesColumn)}  {Text}";
}

/// <summary>Why a listing ended.</summary>
public enum DisassemblyStop
{
    /// <summary>The next instruction would start past the requested range.</summary>
    EndOfRange,
    /// <summary>The next instruction starts in, or runs into, memory that is neither RAM nor ROM.</summary>
    UnmappedMemory,
    /// <summary>The listing reached physical address 0xFFFFFFFF: the next instruction would start or end beyond it.</summary>
    EndOfAddressSpace,
}

/// <summary>A disassembly listing and where and why it stopped.</summary>
/// <param name="StopAddress">Address of the first instruction not listed (0x100000000 when the listing ran to the end of the address space).</param>
/// <param name="FaultAddress">For <see cref="DisassemblyStop.UnmappedMemory"/>, the first unmapped byte the next instruction needed.</param>
public sealed record DisassemblyListing(IReadOnlyList<DisassemblyLine> Lines, DisassemblyStop Stop, ulong StopAddress, uint? FaultAddress)
{
    /// <summary>The instruction and data lines, without labels.</summary>
    public IEnumerable<DisassemblyLine> Instructions => Lines.Where(l => l.Kind != DisassemblyLineKind.Label);

    /// <summary>All lines, one per text line, then a final comment line when the listing stopped at unmapped memory or the end of the address space.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var l in Lines) sb.Append(l).Append('\n');
        if (Stop == DisassemblyStop.UnmappedMemory) sb.Append($"; stopped at 0x{StopAddress:X8}: byte 0x{FaultAddress:X8} is unmapped\n");
        else if (Stop == DisassemblyStop.EndOfAddressSpace) sb.Append($"; stopped at 0x{StopAddress:X8}: reached the end of the 4 GiB address space\n");
        return sb.ToString();
    }
}

/// <summary>
/// Lists guest memory as assembly through Iced's decoder and formatters: one line per
/// instruction with its address and bytes, labels on their own lines, branch targets and
/// absolute memory operands shown as symbol names. Reading is side-effect free (no unmapped-read
/// counts) and stops cleanly at unmapped memory. Immediates and far-branch targets stay numbers (a
/// constant is not an address; a far target's selector base is not known here); a symbol that falls
/// inside an instruction rather than on its first byte gets no label line. A byte Iced cannot
/// decode is listed as <c>db 0xNN</c> and decoding resumes at the next byte.
/// </summary>
public static class Disassembler
{
    /// <summary>Lists the instructions that start in [<paramref name="address"/>, <paramref name="address"/> + <paramref name="length"/>); the last may extend past the range.</summary>
    public static DisassemblyListing List(PhysicalMemory memory, uint address, int length, DisassemblyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        options ??= new DisassemblyOptions();
        if (options.Bitness is not (16 or 32))
            throw new ArgumentOutOfRangeException(nameof(options), options.Bitness, "Bitness must be 16 or 32 (the engine runs 16- and 32-bit code).");
        var symbols = options.Symbols;
        var resolver = symbols is null ? null : new Resolver(symbols, options.SegmentBase);
        Formatter formatter = options.Syntax switch
        {
            DisassemblySyntax.Nasm => new NasmFormatter(resolver),
            DisassemblySyntax.Intel => new IntelFormatter(resolver),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Syntax, "Unknown syntax."),
        };
        formatter.Options.FirstOperandCharIndex = 0;

        var reader = new MemoryReader(memory);
        var decoder = Decoder.Create(options.Bitness, reader);
        var lines = new List<DisassemblyLine>();
        var output = new StringOutput();
        ulong end = (ulong)address + (ulong)length;
        ulong at = address;
        uint ipMask = options.Bitness == 16 ? 0xFFFFu : 0xFFFF_FFFFu;
        while (true)
        {
            if (at >= end) return new DisassemblyListing(lines, DisassemblyStop.EndOfRange, at, null);
            if (at > uint.MaxValue) return new DisassemblyListing(lines, DisassemblyStop.EndOfAddressSpace, at, null);
            uint pc = (uint)at;
            reader.Start(pc);
            decoder.IP = (pc - options.SegmentBase) & ipMask;
            decoder.Decode(out var instruction);
            if (decoder.LastError == DecoderError.NoMoreBytes)
            {
                return reader.BeyondAddressSpace
                    ? new DisassemblyListing(lines, DisassemblyStop.EndOfAddressSpace, pc, null)
                    : new DisassemblyListing(lines, DisassemblyStop.UnmappedMemory, pc, reader.FaultAddress);
            }
            if (symbols is not null)
                foreach (var s in symbols.At(pc))
                    lines.Add(new DisassemblyLine(DisassemblyLineKind.Label, pc, Array.Empty<byte>(), s.Name));
            if (instruction.IsInvalid)
            {
                byte b = memory.ReadByte(pc);
                lines.Add(new DisassemblyLine(DisassemblyLineKind.Data, pc, new[] { b }, $"db 0x{b:x2}"));
                at = (ulong)pc + 1;
                continue;
            }
            formatter.Format(instruction, output);
            string text = output.ToStringAndReset();
            if (options.Syntax == DisassemblySyntax.Nasm) text = NasmExactForm(instruction, text, options.Bitness);
            lines.Add(new DisassemblyLine(DisassemblyLineKind.Instruction, pc, reader.Consumed(instruction.Length), text));
            at = (ulong)pc + (uint)instruction.Length;
        }
    }

    /// <summary>
    /// Makes the nasm text name the encoding that was decoded where Iced leaves it to the assembler:
    /// nasm turns a plain <c>jmp label</c> into the 2-byte short form when the target is in range,
    /// so an E9 jump is written <c>jmp near</c>; and Iced writes a PUSH immediate of the non-default
    /// operand size (66h prefix) without its size, which nasm would assemble at the default size.
    /// </summary>
    private static string NasmExactForm(in Instruction instruction, string text, int bitness)
    {
        if (instruction.Code is Code.Jmp_rel16 or Code.Jmp_rel32_32 && text.StartsWith("jmp ", StringComparison.Ordinal) && !text.StartsWith("jmp near ", StringComparison.Ordinal))
            return "jmp near " + text[4..];
        if (bitness == 32 && instruction.Code is Code.Push_imm16 or Code.Pushw_imm8 || bitness == 16 && instruction.Code is Code.Pushd_imm32 or Code.Pushd_imm8)
        {
            // "push 1234h" or "o16 push 0FFFEh": nasm needs the size as an operand keyword
            string operand = text[(text.IndexOf("push ", StringComparison.Ordinal) + 5)..];
            if (!operand.Contains("word", StringComparison.Ordinal)) return (bitness == 32 ? "push word " : "push dword ") + operand;
        }
        return text;
    }

    /// <summary>Feeds Iced guest bytes from one start address; reports -1 (no more bytes) at the first unmapped byte or past 4 GiB.</summary>
    private sealed class MemoryReader(PhysicalMemory memory) : CodeReader
    {
        private readonly byte[] _bytes = new byte[16];
        private uint _start;
        private int _count;
        public uint FaultAddress { get; private set; }
        public bool BeyondAddressSpace { get; private set; }

        public void Start(uint address) { _start = address; _count = 0; BeyondAddressSpace = false; }

        public byte[] Consumed(int length) => _bytes.AsSpan(0, length).ToArray();

        public override int ReadByte()
        {
            ulong a = (ulong)_start + (uint)_count;
            if (a > uint.MaxValue) { BeyondAddressSpace = true; return -1; }
            if (memory.KindAt((uint)a) == MemoryRegionKind.Unmapped) { FaultAddress = (uint)a; return -1; }
            if (_count == _bytes.Length) return -1; // Iced never asks for more than 15 bytes
            byte b = memory.ReadByte((uint)a);
            _bytes[_count++] = b;
            return b;
        }
    }

    /// <summary>Shows near-branch targets and absolute memory operands (no base, no index) as symbols; immediates stay numbers.</summary>
    private sealed class Resolver(SymbolTable symbols, uint segmentBase) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
        {
            symbol = default;
            if (instructionOperand < 0) return false;
            var kind = instruction.GetOpKind(instructionOperand);
            bool target = kind is OpKind.NearBranch16 or OpKind.NearBranch32;
            bool absolute = kind == OpKind.Memory && instruction.MemoryBase == Register.None && instruction.MemoryIndex == Register.None;
            if (!target && !absolute) return false;
            uint linear = unchecked((uint)address + segmentBase);
            var s = symbols.Resolve(linear);
            if (s is null) return false;
            symbol = new SymbolResult(unchecked(s.Address - segmentBase), s.Name);
            return true;
        }
    }
}
