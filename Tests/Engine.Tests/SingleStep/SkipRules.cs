using Iced.Intel;

namespace VirtLab.Engine.Tests.SingleStep;

/// <summary>Why a test of the 286 suite is not run on this 386-class engine. Each needs an architectural reason.</summary>
public enum SkipReason
{
    /// <summary>Listed in revocation_list.txt (found wrong after release).</summary>
    Revoked,
    /// <summary>FPU escape D8-DF: the recorded 286 had no coprocessor (README); a 386 decides by CR0.EM/TS.</summary>
    FpuEscape,
    /// <summary>Instruction longer than 10 bytes: #UD on the 286 (its limit), legal on a 386 (limit 15).</summary>
    LongerThan10Bytes,
    /// <summary>F1 as a prefix: a LOCK alias on the 286, the one-byte INT1/ICEBP instruction on a 386.</summary>
    F1Prefix,
    /// <summary>metadata status "prefix" / "extension" / absent: not an instruction form of this subset.</summary>
    NotAnInstructionForm,
    /// <summary>LOCK before an instruction that is not lockable, or whose destination is not memory: the 286 ignores it, a 386 raises #UD.</summary>
    LockNotAllowedOn386,
    /// <summary>8C/8E with reg field 4 or 5: #UD on the 286 (four segment registers), MOV to/from FS/GS on a 386.</summary>
    SegmentRegisterFsGs,
    /// <summary>REP string instruction faulting at offset FFFF on a later element (or with more than the frame written): the 286's SI/DI/CX do not say how many elements a 386 completes.</summary>
    StringFaultPartialState,
    /// <summary>INT 13 where both an SS and a non-SS access overrun offset FFFF: which fault a 386 reports first is not derivable from the data.</summary>
    AmbiguousOverrun,
    /// <summary>POP m16 whose destination is beyond offset FFFF: the 286 has already incremented SP when it raises INT 13; a 386 fault leaves SP as before the instruction.</summary>
    PopMemoryFaultAdvancedSp,
    /// <summary>AAM 0 (#DE): the 286 has already set SF/ZF/PF when it raises the divide error; a 386 fault leaves FLAGS as before the instruction.</summary>
    AamZeroFlagsBeforeFault,
    /// <summary>DIV/IDIV where the SDM's quotient-range rule and the recorded 286 disagree on raising #DE (a 286 microcode quirk).</summary>
    DivideErrorDiffersFromSdm,
}

/// <summary>How a test is run: skipped (with the reason), run as recorded, or run with the stack-fault adjustment.</summary>
/// <param name="Skip">Why the test is not run, or null.</param>
/// <param name="StackFaultAdjusted">The 286's INT 13 is a 386 #SS: IVT[12] gets the IVT[13] entry and the engine must raise #SS.</param>
/// <param name="StringFaultRestart">A string instruction faulting on its first element: on a 386 SI, DI and CX keep their initial values (the 286 has advanced them).</param>
public readonly record struct TestPlan(SkipReason? Skip, bool StackFaultAdjusted, bool StringFaultRestart = false)
{
    public static readonly TestPlan Run = new(null, false);
}

/// <summary>
/// The skip rules (README "Where a 386 legitimately differs", plus those found in the data), and the
/// one adjustment: a 286 in real mode reports every segment overrun as INT 13, also for SS; a 386
/// raises #SS (12) when an SS access is beyond the limit (SDM Vol. 2, "Real-Address Mode
/// Exceptions: #SS If a memory operand effective address is outside the SS segment limit"). Such
/// tests are run with IVT[12] set to the test's IVT[13] entry, and the engine must report #SS.
/// </summary>
public static class SkipRules
{
    public static string Describe(SkipReason r) => r switch
    {
        SkipReason.Revoked => "Hash listed in revocation_list.txt (test found wrong after release).",
        SkipReason.FpuEscape => "FPU escape D8-DF: the recorded 286 had no coprocessor; a 386 decides by CR0.EM/TS (README).",
        SkipReason.LongerThan10Bytes => "Instruction (without the HLT) longer than 10 bytes: #UD on the 286, legal up to 15 bytes on a 386 (README).",
        SkipReason.F1Prefix => "F1 used as a prefix: LOCK alias on the 286, INT1/ICEBP instruction on a 386.",
        SkipReason.NotAnInstructionForm => "metadata status prefix/extension/absent: not an instruction form of this subset.",
        SkipReason.LockNotAllowedOn386 => "LOCK on a non-lockable instruction or a register destination: ignored by the 286, #UD on a 386 (SDM Vol. 2A, LOCK: \"An undefined opcode exception will also be generated if the LOCK prefix is used with any instruction not in the above list\" / destination not memory). Not skipped when the 286 raised #UD too.",
        SkipReason.SegmentRegisterFsGs => "8C/8E with ModRM reg 4 or 5: #UD on the 286 (ES CS SS DS only), MOV to/from FS/GS on a 386 (SDM Vol. 2B MOV).",
        SkipReason.StringFaultPartialState => "REP string instruction raising INT 13 at offset FFFF on a later element, or having written memory: the 286 has advanced SI/DI and CX inconsistently (e.g. CX by 2 for one element) when it faults, so the registers a 386 leaves (those of the faulting iteration, SDM Vol. 3A 6.5, Vol. 2B REP) cannot be derived. Faults on the first element are run, adjusted (below).",
        SkipReason.AmbiguousOverrun => "INT 13 where an SS and a non-SS access both overrun offset FFFF: the 386 vector (#SS or #GP) depends on access order.",
        SkipReason.PopMemoryFaultAdvancedSp => "POP m16 (8F /0) whose destination is at offset FFFF: the 286 has already incremented SP by 2 when it raises INT 13 (its frame is 2 bytes higher); on a 386 the fault leaves SP as before the instruction (SDM Vol. 3A 6.5 \"Faults\").",
        SkipReason.AamZeroFlagsBeforeFault => "AAM 0 (D4 00, #DE): the 286 has already set SF/ZF/PF when it raises the divide error; on a 386 the fault leaves FLAGS as before the instruction (SDM Vol. 3A 6.5; Vol. 2A AAM: #DE if imm8 = 0).",
        SkipReason.DivideErrorDiffersFromSdm => "DIV/IDIV where the recorded 286 and the SDM rule disagree on #DE (e.g. IDIV AX=81C1h by 7Ch: quotient -260 is out of range, SDM Vol. 2A IDIV raises #DE; the 286 stored AL=80h AH=C1h).",
        _ => r.ToString(),
    };

    /// <summary>Iced's factory reuses its result buffers: one per thread (files are classified in parallel).</summary>
    [ThreadStatic] private static InstructionInfoFactory? _infoFactory;

    public static TestPlan Classify(SingleStepTest t, SingleStepMetadata meta, IReadOnlySet<string> revoked)
    {
        if (revoked.Contains(t.Hash)) return new(SkipReason.Revoked, false);
        byte op = t.Opcode;
        if (op is >= 0xD8 and <= 0xDF) return new(SkipReason.FpuEscape, false);
        // D6 SALC is run: VirtLab treats it as documented (Instructions/Undocumented.cs), as every Intel CPU executes it.
        if (t.InstructionLength > 10) return new(SkipReason.LongerThan10Bytes, false);
        if (t.HasPrefix(0xF1)) return new(SkipReason.F1Prefix, false);
        var entry = meta.For(t);
        switch (entry.Status)
        {
            // normal: documented. alias (82 /r, F6/F7 /1), undocumented (C0-D3 /6 SAL): a 386 executes
            // them as the 286 does. undefined (8F/C6/C7 /1-7): #UD on the 286 and on a 386 alike.
            case "normal": case "alias": case "undocumented": case "undefined": break;
            case "fpu": return new(SkipReason.FpuEscape, false);
            default: return new(SkipReason.NotAnInstructionForm, false);
        }
        if (t.HasPrefix(0xF0) && !LockableOn386(t) && t.Exception != 6) return new(SkipReason.LockNotAllowedOn386, false);
        if (op is 0x8C or 0x8E && t.RegField is 4 or 5) return new(SkipReason.SegmentRegisterFsGs, false);
        if (t.Exception == 13)
        {
            if (IsString(op)) return ClassifyStringFault(t);
            var (ss, other) = Overruns(t);
            if (ss && other) return new(SkipReason.AmbiguousOverrun, false);
            if (ss) return new(null, true);
            if (op == 0x8F && other) return new(SkipReason.PopMemoryFaultAdvancedSp, false);
        }
        if (op == 0xD4 && t.Bytes[t.PrefixCount + 1] == 0 && t.Exception == 0) return new(SkipReason.AamZeroFlagsBeforeFault, false);
        if (op is 0xF6 or 0xF7 && t.RegField is 6 or 7 && t.Exception is -1 or 0 && SdmDivideError(t) != (t.Exception == 0))
            return new(SkipReason.DivideErrorDiffersFromSdm, false);
        return TestPlan.Run;
    }

    /// <summary>
    /// Flags the SDM leaves undefined that metadata.json does not mask: OF after a shift or rotate
    /// by a masked count other than 1 (SDM Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR: "The OF flag
    /// is defined only for the 1-bit rotates/shifts; it is undefined in all other cases"). The
    /// metadata masks OF for C1 and D2/D3 but not for C0 (8-bit, count imm8).
    /// </summary>
    public static ushort ExtraUndefinedFlags(SingleStepTest t)
    {
        int count = t.Opcode switch
        {
            0xC0 or 0xC1 => t.Bytes[^2],
            0xD2 or 0xD3 => t.Initial[(int)Reg16.CX] & 0xFF,
            _ => 1,
        };
        return (count & 0x1F) > 1 ? (ushort)Cpu.OF : (ushort)0;
    }

    /// <summary>Whether DIV/IDIV (F6/F7 /6 /7) raises #DE by the SDM (divisor 0, or quotient out of range) for the test's initial state.</summary>
    public static bool SdmDivideError(SingleStepTest t)
    {
        var decoder = Decoder.Create(16, new ByteArrayCodeReader(t.Bytes), t.Initial[(int)Reg16.IP], DecoderOptions.None);
        decoder.Decode(out var instr);
        bool word = t.Opcode == 0xF7, signed = t.RegField == 7;
        uint divisor;
        if (instr.Op0Kind == OpKind.Register)
        {
            var r = instr.Op0Register;
            divisor = word ? (uint)RegValue(t, r)
                : r >= Register.AH ? (uint)(RegValue(t, r - 4 - Register.AL + Register.AX) >> 8) & 0xFF : (uint)RegValue(t, r - Register.AL + Register.AX) & 0xFF;
        }
        else
        {
            uint ea = (uint)((RegValue(t, instr.MemoryBase) + RegValue(t, instr.MemoryIndex) + instr.MemoryDisplacement64) & 0xFFFF);
            uint segBase = (uint)SegmentValue(t, instr.MemorySegment) << 4;
            divisor = 0;
            for (int k = 0; k < (word ? 2 : 1); k++)
            {
                uint a = segBase + ((ea + (uint)k) & 0xFFFF);
                byte b = 0;
                foreach (var (addr, v) in t.InitialRam) if (addr == a) b = v;
                divisor |= (uint)b << (8 * k);
            }
        }
        if (divisor == 0) return true;
        if (!word)
        {
            uint n = t.Initial[(int)Reg16.AX];
            if (!signed) return n / divisor > 0xFF;
            long q = (long)(short)n / (sbyte)divisor;
            return q is > 127 or < -128;
        }
        else
        {
            uint n = (uint)t.Initial[(int)Reg16.DX] << 16 | t.Initial[(int)Reg16.AX];
            if (!signed) return n / divisor > 0xFFFF;
            long q = (long)(int)n / (short)divisor;
            return q is > 32767 or < -32768;
        }
    }

    private static ushort SegmentValue(SingleStepTest t, Register s) => s switch
    {
        Register.ES => t.Initial[(int)Reg16.ES], Register.CS => t.Initial[(int)Reg16.CS],
        Register.SS => t.Initial[(int)Reg16.SS], _ => t.Initial[(int)Reg16.DS],
    };

    /// <summary>
    /// A string instruction that raised INT 13 on the 286. When its first element's word access
    /// crosses offset FFFF (SI or DI = FFFF) and only the exception frame was written, a 386 leaves
    /// SI, DI and CX at their initial values (the 286 has advanced them; the frame, FLAGS and AX are
    /// unchanged on both): run with those expected. The source read (DS:SI, or the override) comes
    /// before the destination (ES:DI); an SS override makes it #SS on a 386.
    /// </summary>
    private static TestPlan ClassifyStringFault(SingleStepTest t)
    {
        byte op = t.Opcode;
        bool word = (op & 1) != 0;
        bool usesSi = op is 0xA4 or 0xA5 or 0xA6 or 0xA7 or 0xAC or 0xAD or 0x6E or 0x6F;
        bool usesDi = op is 0xA4 or 0xA5 or 0xA6 or 0xA7 or 0xAA or 0xAB or 0xAE or 0xAF or 0x6C or 0x6D;
        bool rep = t.HasPrefix(0xF2) || t.HasPrefix(0xF3);
        bool srcOverrun = word && usesSi && t.Initial[(int)Reg16.SI] == 0xFFFF;
        bool dstOverrun = word && usesDi && t.Initial[(int)Reg16.DI] == 0xFFFF;
        if ((!srcOverrun && !dstOverrun) || (rep && t.Initial[(int)Reg16.CX] == 0) || t.FinalRam.Length != 6)
            return new(SkipReason.StringFaultPartialState, false);
        byte sourceSegment = 0x3E;
        for (int i = 0; i < t.PrefixCount; i++) if (t.Bytes[i] is 0x26 or 0x2E or 0x36 or 0x3E) sourceSegment = t.Bytes[i];
        bool ss = srcOverrun && sourceSegment == 0x36;
        return new(null, ss, true);
    }

    public static bool IsString(byte op) => op is >= 0x6C and <= 0x6F or >= 0xA4 and <= 0xA7 or >= 0xAA and <= 0xAF;

    /// <summary>SDM Vol. 2A LOCK: ADD ADC AND OR SBB SUB XOR (and 80-83 /0-6), XCHG, INC/DEC, NOT/NEG, with a memory destination.</summary>
    public static bool LockableOn386(SingleStepTest t)
    {
        int modrm = t.ModRm;
        if (modrm < 0 || (modrm >> 6) == 3) return false;
        int reg = (modrm >> 3) & 7;
        return t.Opcode switch
        {
            0x00 or 0x01 or 0x08 or 0x09 or 0x10 or 0x11 or 0x18 or 0x19 or 0x20 or 0x21 or 0x28 or 0x29 or 0x30 or 0x31 => true,
            0x80 or 0x81 or 0x82 or 0x83 => reg != 7,
            0x86 or 0x87 => true,
            0xF6 or 0xF7 => reg is 2 or 3,
            0xFE or 0xFF => reg is 0 or 1,
            _ => false,
        };
    }

    /// <summary>
    /// Which of the instruction's memory accesses (explicit operand and implicit stack accesses, as
    /// Iced lists them) cross offset FFFF given the initial registers: any through SS, any other.
    /// </summary>
    public static (bool Ss, bool Other) Overruns(SingleStepTest t)
    {
        var decoder = Decoder.Create(16, new ByteArrayCodeReader(t.Bytes), t.Initial[(int)Reg16.IP], DecoderOptions.None);
        decoder.Decode(out var instr);
        if (instr.IsInvalid) return (false, false);
        bool ss = false, other = false;
        foreach (var m in (_infoFactory ??= new InstructionInfoFactory()).GetInfo(instr).GetUsedMemory())
        {
            uint offset = (uint)((RegValue(t, m.Base) + RegValue(t, m.Index) * (ulong)m.Scale + m.Displacement) & 0xFFFF);
            int size = m.MemorySize.GetSize();
            if (size <= 1 || offset + (uint)size <= 0x10000) continue;
            if (m.Segment == Register.SS) ss = true; else other = true;
        }
        return (ss, other);
    }

    private static ulong RegValue(SingleStepTest t, Register r) => r switch
    {
        Register.None => 0,
        Register.AX => t.Initial[(int)Reg16.AX], Register.BX => t.Initial[(int)Reg16.BX],
        Register.CX => t.Initial[(int)Reg16.CX], Register.DX => t.Initial[(int)Reg16.DX],
        Register.SP => t.Initial[(int)Reg16.SP], Register.BP => t.Initial[(int)Reg16.BP],
        Register.SI => t.Initial[(int)Reg16.SI], Register.DI => t.Initial[(int)Reg16.DI],
        _ => throw new InvalidOperationException($"Unexpected address register {r}."),
    };
}
