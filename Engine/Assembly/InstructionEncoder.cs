using Iced.Intel;

namespace VirtLab.Engine.Assembly;

/// <summary>
/// Encodes an instruction statement for one pass: evaluates its operands, drops the candidate forms nasm would not
/// use for these values (a sign-extended byte that does not fit, a short jump out of range or to another section,
/// a relocatable value in a byte field), encodes the rest with Iced's <see cref="Encoder"/> and keeps the shortest
/// (the earliest form on a tie). Legacy prefixes are written in nasm's order: REP/REPNE, LOCK, segment, 66h, 67h.
/// </summary>
internal sealed class InstructionEncoder
{
    private sealed class Writer : CodeWriter
    {
        public readonly byte[] Buffer = new byte[32];
        public int Length;
        public override void WriteByte(byte value) { if (Length < Buffer.Length) Buffer[Length] = value; Length++; }
    }

    private readonly Writer _writer = new();
    private readonly Encoder _enc16;
    private readonly Encoder _enc32;

    public InstructionEncoder()
    {
        _enc16 = Encoder.Create(16, _writer);
        _enc32 = Encoder.Create(32, _writer);
    }

    /// <summary>Context for one encoding: values and where the statement is.</summary>
    public interface IPlace : IEvalContext
    {
        int Section { get; }
        long Address { get; }
        void Warn(Token at, string message);
        bool FinalPass { get; }
    }

    public byte[] Encode(InstructionStmt s, IPlace place)
    {
        s.Candidates ??= InstructionMatcher.StaticCandidates(s);
        var ops = s.Operands;
        // evaluate every expression once
        Span<Value> imm = stackalloc Value[ops.Count];
        Span<Value> seg = stackalloc Value[ops.Count];
        for (int i = 0; i < ops.Count; i++)
        {
            var o = ops[i];
            if (o.Type == OperandType.Memory) imm[i] = o.Disp?.Eval(place) ?? new Value(0);
            else if (o.Imm is not null) imm[i] = o.Imm.Eval(place);
            if (o.Seg is not null) seg[i] = o.Seg.Eval(place);
        }

        Span<byte> prefixes = stackalloc byte[6];
        int np = 0;
        switch (s.RepLock)
        {
            case PrefixKind.Rep: case PrefixKind.Repe: prefixes[np++] = 0xF3; break;
            case PrefixKind.Repne: prefixes[np++] = 0xF2; break;
        }
        if (s.Lock) prefixes[np++] = 0xF0;
        var segReg = s.SegmentPrefix;
        foreach (var o in ops) if (o.Type == OperandType.Memory && o.Segment != Register.None) segReg = o.Segment;
        if (segReg != Register.None) prefixes[np++] = SegmentPrefixByte(segReg);

        byte[]? best = null;
        bool bestSex = false;
        string? lastError = null;
        bool allowAbsoluteShort = false;
        var candidates = s.Candidates;
        for (int attempt = 0; attempt < 2 && best is null; attempt++)
        {
            for (int ci = 0; ci < candidates.Count; ci++)
            {
                var cand = candidates[ci];
                var f = cand.Form;
                if (!ValuesFit(s, cand, imm, place, allowAbsoluteShort, out string? why)) { lastError ??= why; continue; }
                int nm = np;
                if (s.OperandSizePrefix != 0 && f.OperandSize == 0 && s.OperandSizePrefix != s.Bits) prefixes[nm++] = 0x66;
                if (s.AddressSizePrefix != 0 && s.AddressSizePrefix != s.Bits && !f.HasMemory && !f.IsString && f.AddressSize == 0) prefixes[nm++] = 0x67;
                Instruction ins;
                try
                {
                    ins = Build(s, cand, imm, seg, place);
                }
                catch (AsmError e) { lastError = e.Message; continue; }
                _writer.Length = 0;
                var enc = s.Bits == 16 ? _enc16 : _enc32;
                ulong ip = (ulong)(place.Address + nm) & (s.Bits == 16 ? 0xFFFFUL : 0xFFFFFFFFUL);
                if (!enc.TryEncode(ins, ip, out _, out string? err))
                {
                    lastError = err;
                    continue;
                }
                int len = nm + _writer.Length;
                bool sex = HasSignExtendedImm(f);
                if (best is null || len < best.Length || (len == best.Length && sex && !bestSex))
                {
                    bestSex = sex;
                    best = new byte[len];
                    prefixes[..nm].CopyTo(best);
                    Array.Copy(_writer.Buffer, 0, best, nm, _writer.Length);
                }
            }
            // LOOP/JCXZ have only short forms: a jump to an absolute address may use them
            allowAbsoluteShort = true;
        }
        if (best is null)
            throw new AsmError(s.Origin, (ops.Count > 0 ? ops[0].At : s.MnemonicToken).Column, Explain(s, lastError));
        if (place.FinalPass) CheckRanges(s, imm, seg, place);
        return best;
    }

    private static string Explain(InstructionStmt s, string? err)
    {
        if (err is null) return $"cannot encode {s.Mnemonic.ToUpperInvariant()} with these operands";
        if (err.Contains("too far", StringComparison.OrdinalIgnoreCase) || err.Contains("Int8", StringComparison.Ordinal))
            return $"short jump is out of range (a short {s.Mnemonic.ToUpperInvariant()} reaches only -128..+127 bytes): {err}";
        return $"cannot encode {s.Mnemonic.ToUpperInvariant()}: {err}";
    }

    /// <summary>nasm prefers 83 /n ib over the accumulator form 05 iw when both are as long (ADD AX, 1 in 16-bit code).</summary>
    private static bool HasSignExtendedImm(InstructionForm f)
    {
        foreach (var k in f.Kinds) if (k is OpCodeOperandKind.imm8sex16 or OpCodeOperandKind.imm8sex32) return true;
        return false;
    }

    private static byte SegmentPrefixByte(Register r) => r switch
    {
        Register.ES => 0x26,
        Register.CS => 0x2E,
        Register.SS => 0x36,
        Register.DS => 0x3E,
        Register.FS => 0x64,
        Register.GS => 0x65,
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    private static bool FitsSByte(long v) => v >= -128 && v <= 127;

    private static bool ValuesFit(InstructionStmt s, Candidate cand, ReadOnlySpan<Value> vals, IPlace place, bool allowAbsoluteShort, out string? why)
    {
        why = null;
        var f = cand.Form;
        for (int j = 0; j < f.Explicit.Length; j++)
        {
            int oi = cand.Swapped ? f.Explicit.Length - 1 - j : j;
            var op = s.Operands[oi];
            var v = vals[oi];
            switch (f.Kinds[f.Explicit[j]])
            {
                case OpCodeOperandKind.imm8sex16:
                    if (op.Size == 1) break;
                    if (v.Unknown) break;
                    if (v.IsRelocatable || !FitsSByte((short)v.N)) return false;
                    break;
                case OpCodeOperandKind.imm8sex32:
                    if (op.Size == 1) break;
                    if (v.Unknown) break;
                    if (v.IsRelocatable || !FitsSByte((int)v.N)) return false;
                    break;
                case OpCodeOperandKind.imm8_const_1:
                    if (v.Unknown) break;
                    if (v.IsRelocatable || v.N != 1) return false;
                    break;
                case OpCodeOperandKind.br16_1:
                case OpCodeOperandKind.br32_1:
                    if (op.Short || v.Unknown) break;
                    if (!v.IsRelocatable && !allowAbsoluteShort) { why = "a jump to an absolute address is always near"; return false; }
                    if (v.IsRelocatable && v.Section != place.Section) { why = "a short jump cannot reach another section"; return false; }
                    break;
            }
        }
        return true;
    }

    private static Instruction Build(InstructionStmt s, Candidate cand, ReadOnlySpan<Value> vals, ReadOnlySpan<Value> segs, IPlace place)
    {
        var f = cand.Form;
        var ins = new Instruction { Code = f.Code };
        int addrSize = s.AddressSizePrefix != 0 ? s.AddressSizePrefix : s.Bits;
        // implicit operands of string instructions and XLATB
        for (int k = 0; k < f.Kinds.Length; k++)
        {
            switch (f.Kinds[k])
            {
                case OpCodeOperandKind.seg_rSI: ins.SetOpKind(k, addrSize == 16 ? OpKind.MemorySegSI : OpKind.MemorySegESI); break;
                case OpCodeOperandKind.es_rDI: ins.SetOpKind(k, addrSize == 16 ? OpKind.MemoryESDI : OpKind.MemoryESEDI); break;
                case OpCodeOperandKind.seg_rDI: ins.SetOpKind(k, addrSize == 16 ? OpKind.MemorySegDI : OpKind.MemorySegEDI); break;
                case OpCodeOperandKind.seg_rBX_al:
                    ins.SetOpKind(k, OpKind.Memory);
                    ins.MemoryBase = addrSize == 16 ? Register.BX : Register.EBX;
                    ins.MemoryIndex = Register.AL;
                    break;
                case OpCodeOperandKind.al when f.IsString: SetReg(ref ins, k, Register.AL); break;
                case OpCodeOperandKind.ax when f.IsString: SetReg(ref ins, k, Register.AX); break;
                case OpCodeOperandKind.eax when f.IsString: SetReg(ref ins, k, Register.EAX); break;
                case OpCodeOperandKind.dx when f.IsString: SetReg(ref ins, k, Register.DX); break;
            }
        }
        for (int j = 0; j < f.Explicit.Length; j++)
        {
            int k = f.Explicit[j];
            int oi = cand.Swapped ? f.Explicit.Length - 1 - j : j;
            var op = s.Operands[oi];
            var v = vals[oi];
            var kind = f.Kinds[k];
            switch (op.Type)
            {
                case OperandType.Register:
                    {
                        var r = op.Reg;
                        if (kind is OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r32_reg && Registers.IsGpr16(r)) r = Registers.To32(r);
                        else if (kind == OpCodeOperandKind.r16_or_mem && Registers.IsGpr32(r)) r = Registers.To16(r);
                        SetReg(ref ins, k, r);
                        break;
                    }
                case OperandType.Memory:
                    SetMemory(ref ins, k, op, v, kind == OpCodeOperandKind.mem_offs, s);
                    break;
                case OperandType.Immediate:
                    SetImmediate(ref ins, k, kind, v, place.Address);
                    break;
                case OperandType.FarPointer:
                    ins.SetOpKind(k, kind == OpCodeOperandKind.farbr2_2 ? OpKind.FarBranch16 : OpKind.FarBranch32);
                    ins.FarBranchSelector = (ushort)segs[oi].N;
                    if (kind == OpCodeOperandKind.farbr2_2) ins.FarBranch16 = (ushort)v.N; else ins.FarBranch32 = (uint)v.N;
                    break;
            }
        }
        return ins;
    }

    private static void SetReg(ref Instruction ins, int k, Register r)
    {
        ins.SetOpKind(k, OpKind.Register);
        ins.SetOpRegister(k, r);
    }

    private static void SetImmediate(ref Instruction ins, int k, OpCodeOperandKind kind, Value v, long address)
    {
        long n = v.Unknown ? 0 : v.N;
        switch (kind)
        {
            case OpCodeOperandKind.imm8:
            case OpCodeOperandKind.imm8_const_1:
                if (k == 1 && ins.Op0Kind == OpKind.Immediate16) { ins.SetOpKind(k, OpKind.Immediate8_2nd); ins.Immediate8_2nd = (byte)n; }
                else { ins.SetOpKind(k, OpKind.Immediate8); ins.Immediate8 = (byte)n; }
                break;
            case OpCodeOperandKind.imm8sex16: ins.SetOpKind(k, OpKind.Immediate8to16); ins.Immediate8to16 = (sbyte)n; break;
            case OpCodeOperandKind.imm8sex32: ins.SetOpKind(k, OpKind.Immediate8to32); ins.Immediate8to32 = (sbyte)n; break;
            case OpCodeOperandKind.imm16: ins.SetOpKind(k, OpKind.Immediate16); ins.Immediate16 = (ushort)n; break;
            case OpCodeOperandKind.imm32: ins.SetOpKind(k, OpKind.Immediate32); ins.Immediate32 = (uint)n; break;
            case OpCodeOperandKind.br16_1: case OpCodeOperandKind.br16_2: case OpCodeOperandKind.xbegin_2:
                ins.SetOpKind(k, OpKind.NearBranch16);
                ins.NearBranch16 = (ushort)(v.Unknown ? address : n);
                break;
            case OpCodeOperandKind.br32_1: case OpCodeOperandKind.br32_4: case OpCodeOperandKind.xbegin_4:
                ins.SetOpKind(k, OpKind.NearBranch32);
                ins.NearBranch32 = (uint)(v.Unknown ? address : n);
                break;
            default:
                throw new InvalidOperationException($"unexpected immediate operand kind {kind}");
        }
    }

    private static void SetMemory(ref Instruction ins, int k, Operand op, Value v, bool moffs, InstructionStmt s)
    {
        int addrSize = op.RegAddressSize != 0 ? op.RegAddressSize
            : op.DispSize == 2 ? 16 : op.DispSize == 4 ? 32
            : s.AddressSizePrefix != 0 ? s.AddressSizePrefix : s.Bits;
        if (op.RegAddressSize != 0 && s.AddressSizePrefix != 0 && op.RegAddressSize != s.AddressSizePrefix)
            throw new AsmError(op.At.Origin, op.At.Column, $"a{s.AddressSizePrefix} conflicts with the {op.RegAddressSize}-bit registers of the memory operand");
        ins.SetOpKind(k, OpKind.Memory);
        ins.MemoryBase = op.Base;
        ins.MemoryIndex = op.Index;
        ins.MemoryIndexScale = op.Index == Register.None ? 1 : op.Scale;
        long n = v.Unknown ? 0 : v.N;
        int full = addrSize / 8;
        int displSize;
        if (moffs || (op.Base == Register.None && op.Index == Register.None)) displSize = full;
        else if (op.DispSize == 1) displSize = 1;
        else if (op.DispSize != 0) displSize = full;
        else if (v.Unknown) displSize = 0;
        else if (v.IsRelocatable) displSize = full;
        else if ((addrSize == 16 ? (short)n : (int)n) == 0) displSize = 0;
        else if (FitsSByte(addrSize == 16 ? (short)n : (int)n)) displSize = 1;
        else displSize = full;
        ins.MemoryDisplSize = displSize;
        ins.MemoryDisplacement64 = displSize == 0 ? 0
            : displSize == 1 ? (ulong)(addrSize == 16 ? (long)(short)n : (long)(int)n)
            : addrSize == 16 ? (ushort)n : (uint)n;
    }

    /// <summary>Final pass: nasm's warnings for values that do not fit their field (the value is truncated).</summary>
    private static void CheckRanges(InstructionStmt s, ReadOnlySpan<Value> vals, ReadOnlySpan<Value> segs, IPlace place)
    {
        for (int i = 0; i < s.Operands.Count; i++)
        {
            var op = s.Operands[i];
            if (op.Type != OperandType.Immediate || vals[i].IsRelocatable) continue;
            long n = vals[i].N;
            if (op.Size == 1 && (n < -128 || n > 255)) place.Warn(op.At, $"byte value {n} exceeds bounds (truncated to 0x{(byte)n:X2})");
        }
    }
}
