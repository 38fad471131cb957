using Iced.Intel;

namespace VirtLab.Engine;

/// <summary>
/// The decoded-instruction cache: blocks keyed by (linear start, CS base, code size), found first
/// in a small direct-mapped table and then in a dictionary, and reused only while the linear start
/// still translates to the physical address they were decoded from; each block is registered on
/// the physical pages its bytes come from, and a write to such a page invalidates them all
/// (QEMU's and Blink's design: translation blocks invalidated on write).
/// </summary>
public sealed partial class Cpu
{
    private const int MaxBlockInstructions = 64;
    private const int FastCacheSize = 4096;

    private readonly CodeBlock?[] _fastCache = new CodeBlock?[FastCacheSize];
    private readonly Dictionary<(uint Linear, uint CsBase, bool Code32), CodeBlock> _blocks = new();
    private readonly Dictionary<uint, List<CodeBlock>> _blocksByPage = new();
    private GuestCodeReader? _reader;
    private Decoder? _decoder16, _decoder32;
    private CodeBlock? _currentBlock;
    private bool _breakBlock;

    /// <summary>Blocks decoded since reset (a figure for the Bench and for tests of the cache).</summary>
    public long BlocksDecoded { get; private set; }
    /// <summary>Blocks thrown away because their page was written.</summary>
    public long BlocksInvalidated { get; private set; }

    public void FlushCodeCache()
    {
        foreach (var b in _blocks.Values) b.Valid = false;
        _blocks.Clear();
        _blocksByPage.Clear();
        Array.Clear(_fastCache);
        _breakBlock = true;
    }

    private void OnCodePageWritten(uint page)
    {
        if (!_blocksByPage.Remove(page, out var list)) return;
        foreach (var b in list)
        {
            if (!b.Valid) continue;
            b.Valid = false;
            BlocksInvalidated++;
            _blocks.Remove((b.LinearStart, b.CsBase, b.Code32));
            if (b == _currentBlock) _breakBlock = true;
        }
    }

    private CodeBlock GetBlock()
    {
        ref var cs = ref Segments[(int)SegmentRegister.CS];
        uint linear = cs.Base + Eip;
        bool code32 = cs.Big;
        uint physical = linear;
        if (_paging && !TryTranslate(linear, _accessFetch, out physical, out uint faultCode))
            return FetchFaultBlock(linear, faultCode & 0x7FFF_FFFF);
        int slot = (int)((linear ^ (linear >> 12) ^ cs.Base) & (FastCacheSize - 1));
        var b = _fastCache[slot];
        if (b != null && b.Valid && b.LinearStart == linear && b.CsBase == cs.Base && b.Code32 == code32 && b.CsLimit == cs.Limit
            && b.PhysicalStart == physical && (b.SecondFrame == uint.MaxValue || SecondFrameMatches(b))) return b;
        if (!_blocks.TryGetValue((linear, cs.Base, code32), out b) || b.CsLimit != cs.Limit || b.PhysicalStart != physical
            || (b.SecondFrame != uint.MaxValue && !SecondFrameMatches(b)))
        {
            // A block's fetch-limit checks were made against the CS limit it was decoded under, and
            // its bytes came from the physical pages the linear addresses mapped to then.
            if (b != null) b.Valid = false;
            b = DecodeBlock(linear, cs.Base, code32, cs.Limit, physical);
            if (b.PhysicalStart == uint.MaxValue) return b; // a fetch fault: not cached
            _blocks[(linear, cs.Base, code32)] = b;
        }
        _fastCache[slot] = b;
        return b;
    }

    private bool SecondFrameMatches(CodeBlock b) =>
        TryTranslate((b.LinearStart | 0xFFF) + 1, _accessFetch, out uint p, out _) && (p & ~0xFFFu) == b.SecondFrame;

    /// <summary>A one-instruction block that raises the #PF of an instruction fetch (never cached).</summary>
    private unsafe CodeBlock FetchFaultBlock(uint linear, uint errorCode)
    {
        var d = new DecodedInstruction
        {
            Ip = Eip, NextIp = Eip, LinearAddress = linear, Length = 0, EndsBlock = true,
            Handler = &FetchPageFault, Immediate = linear, Immediate2 = errorCode,
        };
        return new CodeBlock(linear, Segments[(int)SegmentRegister.CS].Base, Code32, new[] { d }) { PhysicalStart = uint.MaxValue, CsLimit = Segments[(int)SegmentRegister.CS].Limit };
    }

    private CodeBlock DecodeBlock(uint linear, uint csBase, bool code32, uint limit, uint physical)
    {
        _reader ??= new GuestCodeReader(this);
        var reader = _reader;
        var decoder = code32
            ? _decoder32 ??= Decoder.Create(32, reader, 0, DecoderOptions.None)
            : _decoder16 ??= Decoder.Create(16, reader, 0, DecoderOptions.None);
        reader.CsBase = csBase;
        reader.Limit = limit;
        reader.OffsetMask = code32 ? 0xFFFF_FFFF : 0xFFFF;
        reader.Access = _accessFetch;
        reader.ResetTranslation();
        uint ip = Eip;
        uint firstPage = linear >> PhysicalMemory.PageShift;
        var list = new List<DecodedInstruction>(8);
        uint secondFrame = uint.MaxValue;
        while (true)
        {
            reader.Offset = ip;
            reader.PastLimit = false;
            reader.PageFaulted = false;
            decoder.IP = ip;
            decoder.Decode(out var instr);
            uint lastLinear = csBase + ip + (uint)Math.Max(instr.Length, 1) - 1;
            bool crosses = (lastLinear >> PhysicalMemory.PageShift) != ((csBase + ip) >> PhysicalMemory.PageShift);
            if (list.Count > 0 && (crosses || reader.PageFaulted)) break; // starts the next block, alone
            DecodedInstruction d;
            if (reader.PageFaulted && !reader.PastLimit)
            {
                if (list.Count == 0 && reader.FaultLinear == linear) return FetchFaultBlock(linear, reader.FaultCode);
                d = FetchFaultInstruction(ip, csBase, reader.FaultLinear, reader.FaultCode);
            }
            else d = Prepare(instr, ip, csBase, code32, reader.PastLimit || decoder.LastError == DecoderError.NoMoreBytes);
            if (crosses && !reader.PageFaulted && d.Length > 0 && TryTranslate(lastLinear, _accessFetch, out uint p2, out _))
                secondFrame = p2 & ~0xFFFu;
            list.Add(d);
            ip = d.NextIp;
            if (d.EndsBlock || crosses || list.Count >= MaxBlockInstructions) break;
            if (((csBase + ip) >> PhysicalMemory.PageShift) != firstPage) break;
        }
        var block = new CodeBlock(linear, csBase, code32, list.ToArray()) { CsLimit = limit, PhysicalStart = physical, SecondFrame = secondFrame };
        RegisterOnPage(block, physical >> PhysicalMemory.PageShift);
        if (secondFrame != uint.MaxValue) RegisterOnPage(block, secondFrame >> PhysicalMemory.PageShift);
        BlocksDecoded++;
        return block;
    }

    private void RegisterOnPage(CodeBlock block, uint page)
    {
        Memory.MarkCodePage(page);
        if (!_blocksByPage.TryGetValue(page, out var l)) _blocksByPage[page] = l = new List<CodeBlock>();
        l.Add(block);
    }

    private unsafe DecodedInstruction FetchFaultInstruction(uint ip, uint csBase, uint faultLinear, uint code) => new()
    {
        Ip = ip, NextIp = ip, LinearAddress = csBase + ip, Length = 0, EndsBlock = true,
        Handler = &FetchPageFault, Immediate = faultLinear, Immediate2 = code,
    };

    /// <summary>Turns one Iced instruction into a <see cref="DecodedInstruction"/> with its handler.</summary>
    private unsafe DecodedInstruction Prepare(in Instruction instr, uint ip, uint csBase, bool code32, bool pastLimit)
    {
        var d = new DecodedInstruction
        {
            Instruction = instr,
            Ip = ip,
            LinearAddress = csBase + ip,
            Length = (byte)instr.Length,
            NextIp = code32 ? ip + (uint)instr.Length : (ip + (uint)instr.Length) & 0xFFFF,
            RepPrefix = (byte)(instr.HasRepPrefix ? 1 : instr.HasRepnePrefix ? 2 : 0),
        };
        if (pastLimit)
        {
            // SDM Vol. 3A 5.3: an instruction fetch beyond the CS limit raises #GP(0)
            // (in real mode: "segment overrun" when an instruction wraps past offset FFFFh).
            d.Handler = &FetchBeyondLimit;
            d.EndsBlock = true;
            d.Length = 0;
            d.NextIp = ip;
            return d;
        }
        if (instr.Code == Code.INVALID && instr.Length >= 15)
        {
            // SDM Vol. 3A 6.15 (#GP): an instruction longer than 15 bytes is #GP(0), not #UD. Iced stops
            // decoding at 15 bytes, so a 15-byte invalid decode is taken as too long.
            d.Handler = &InstructionTooLong;
            d.EndsBlock = true;
            return d;
        }
        d.Handler = HandlerTable.Get(instr.Code);
        d.OperandSize = (byte)HandlerTable.OperandSizeOf(instr.Code);
        bool immSeen = false;
        for (int i = 0; i < instr.OpCount && i < 3; i++)
        {
            OperandKind kind;
            byte reg = 0;
            switch (instr.GetOpKind(i))
            {
                case OpKind.Register:
                    kind = OperandKind.Register;
                    reg = RegisterNumber(instr.GetOpRegister(i));
                    break;
                case OpKind.Memory:
                    kind = OperandKind.Memory;
                    d.Segment = SegmentOf(instr.MemorySegment);
                    d.Base = instr.MemoryBase == Register.None ? DecodedInstruction.NoRegister : RegisterNumber(instr.MemoryBase);
                    d.Index = instr.MemoryIndex == Register.None ? DecodedInstruction.NoRegister : RegisterNumber(instr.MemoryIndex);
                    d.Scale = (byte)System.Numerics.BitOperations.Log2((uint)instr.MemoryIndexScale);
                    d.Displacement = (uint)instr.MemoryDisplacement64;
                    d.AddressMask = AddressSizeOf(instr, code32) == 16 ? 0xFFFFu : 0xFFFF_FFFFu;
                    break;
                case OpKind.MemorySegSI: case OpKind.MemorySegDI: case OpKind.MemoryESDI:
                    kind = OperandKind.Memory; d.Segment = SegmentOf(instr.MemorySegment); d.AddressMask = 0xFFFF; break;
                case OpKind.MemorySegESI: case OpKind.MemorySegEDI: case OpKind.MemoryESEDI:
                    kind = OperandKind.Memory; d.Segment = SegmentOf(instr.MemorySegment); d.AddressMask = 0xFFFF_FFFF; break;
                case OpKind.NearBranch16: kind = OperandKind.Immediate; d.Immediate = instr.NearBranch16; immSeen = true; break;
                case OpKind.NearBranch32: kind = OperandKind.Immediate; d.Immediate = instr.NearBranch32; immSeen = true; break;
                case OpKind.FarBranch16: kind = OperandKind.Immediate; d.Immediate = instr.FarBranch16; d.Immediate2 = instr.FarBranchSelector; immSeen = true; break;
                case OpKind.FarBranch32: kind = OperandKind.Immediate; d.Immediate = instr.FarBranch32; d.Immediate2 = instr.FarBranchSelector; immSeen = true; break;
                case OpKind.Immediate8: case OpKind.Immediate16: case OpKind.Immediate32:
                case OpKind.Immediate8to16: case OpKind.Immediate8to32:
                case OpKind.Immediate8_2nd:
                    kind = OperandKind.Immediate;
                    uint value = (uint)instr.GetImmediate(i);
                    if (!immSeen) { d.Immediate = value; immSeen = true; } else d.Immediate2 = value;
                    break;
                default:
                    kind = OperandKind.None;
                    break;
            }
            if (i == 0) { d.Kind0 = kind; d.Reg0 = reg; }
            else if (i == 1) { d.Kind1 = kind; d.Reg1 = reg; }
            else d.Kind2 = kind;
        }
        d.EndsBlock = EndsBlock(instr);
        if (d.Kind0 != OperandKind.Memory && d.Kind1 != OperandKind.Memory && d.Kind2 != OperandKind.Memory)
        {
            var fast = HandlerTable.GetRegisterForm(instr.Code);
            if (fast != null) d.Handler = fast;
        }
        return d;
    }

    private static bool EndsBlock(in Instruction instr)
    {
        if (instr.FlowControl != FlowControl.Next) return true;
        switch (instr.Mnemonic)
        {
            case Mnemonic.Hlt: case Mnemonic.Popf: case Mnemonic.Popfd: case Mnemonic.Sti: case Mnemonic.Cli:
            case Mnemonic.Lmsw: case Mnemonic.Clts: case Mnemonic.Wrmsr: case Mnemonic.Invlpg:
            case Mnemonic.Invd: case Mnemonic.Wbinvd: case Mnemonic.Lgdt: case Mnemonic.Lidt:
            case Mnemonic.Lldt: case Mnemonic.Ltr:
                return true;
            case Mnemonic.Mov:
                // MOV to a control register may switch modes; MOV to SS starts an interrupt shadow.
                return instr.Op0Kind == OpKind.Register && (instr.Op0Register.IsCR() || instr.Op0Register == Register.SS);
            case Mnemonic.Pop:
                return instr.Op0Kind == OpKind.Register && instr.Op0Register == Register.SS;
        }
        return false;
    }

    private static int AddressSizeOf(in Instruction instr, bool code32)
    {
        if (instr.MemoryBase != Register.None) return instr.MemoryBase.GetSize() * 8;
        if (instr.MemoryIndex != Register.None) return instr.MemoryIndex.GetSize() * 8;
        return instr.MemoryDisplSize switch { 2 => 16, 4 => 32, _ => code32 ? 32 : 16 };
    }

    internal static SegmentRegister SegmentOf(Register r) => r switch
    {
        Register.ES => SegmentRegister.ES, Register.CS => SegmentRegister.CS, Register.SS => SegmentRegister.SS,
        Register.DS => SegmentRegister.DS, Register.FS => SegmentRegister.FS, Register.GS => SegmentRegister.GS,
        _ => SegmentRegister.DS,
    };

    /// <summary>Register number inside its class: GPRs by ModRM order (8-bit: AL CL DL BL AH CH DH BH = 0-7), segment registers by sreg, CRn/DRn by n.</summary>
    internal static byte RegisterNumber(Register r)
    {
        if (r >= Register.AL && r <= Register.BH) return (byte)(r - Register.AL);
        if (r >= Register.AX && r <= Register.DI) return (byte)(r - Register.AX);
        if (r >= Register.EAX && r <= Register.EDI) return (byte)(r - Register.EAX);
        if (r >= Register.ES && r <= Register.GS) return (byte)(r - Register.ES);
        if (r >= Register.CR0 && r <= Register.CR15) return (byte)(r - Register.CR0);
        if (r >= Register.DR0 && r <= Register.DR15) return (byte)(r - Register.DR0);
        if (r >= Register.TR0 && r <= Register.TR7) return (byte)(r - Register.TR0);
        return 0;
    }

    private static void FetchBeyondLimit(Cpu cpu, DecodedInstruction d) => throw CpuException.GP(0);
    /// <summary>An instruction fetch from a page that is not present or not user-accessible: #PF with CR2 = the byte's linear address.</summary>
    private static void FetchPageFault(Cpu cpu, DecodedInstruction d)
    {
        // A second-level violation found while prefetching is taken now, when the fetch really happens.
        if ((d.Immediate2 & SecondLevelFault) != 0)
        {
            cpu.Translate(d.Immediate, cpu._accessFetch);
            cpu.Eip = d.Ip; // the monitor made the page fetchable: fetch again
            throw new InstructionAbortedException();
        }
        throw cpu.PageFault(d.Immediate, d.Immediate2);
    }
    private static void InstructionTooLong(Cpu cpu, DecodedInstruction d) => throw CpuException.GP(0);
}
