using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// Descriptor-table and selector instructions (SDM Vol. 2): LLDT LTR SLDT STR (protected mode
/// only, #UD in real and virtual-8086 mode; the loads need CPL 0), LAR LSL VERR VERW (which set
/// ZF instead of faulting on a bad selector) and ARPL; SYSENTER/SYSEXIT with their MSRs.
/// </summary>
internal static class DescriptorInstructions
{
    private static bool Intercepted(Cpu c, DecodedInstruction d, SensitiveKind kind) =>
        c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, kind);

    private static void RequireProtectedMode(Cpu c)
    {
        if (!c.ProtectedMode || c.Virtual8086) throw CpuException.UD();
    }

    /// <summary>SLDT/STR: the selector to a 16-bit memory word, or zero-extended to a 32-bit register.</summary>
    private static void StoreSelector(Cpu c, DecodedInstruction d, ushort selector)
    {
        if (d.Kind0 == OperandKind.Register) c.WriteReg(d.Reg0, d.Instruction.Op0Register.GetSize(), selector);
        else c.WriteMem16(d.Segment, c.EffectiveAddress(d), selector);
    }

    [Handles(Code.Sldt_rm16, Code.Sldt_r32m16)]
    static void Sldt(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Sldt)) return;
        StoreSelector(c, d, c.Ldtr.Selector);
    }

    [Handles(Code.Str_rm16, Code.Str_r32m16)]
    static void Str(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Str)) return;
        StoreSelector(c, d, c.Tr.Selector);
    }

    /// <summary>LLDT: null makes LDTR unusable; otherwise a GDT selector (#GP(sel) for TI=1 or outside the GDT) of an LDT descriptor (#GP(sel)), present (#NP(sel)).</summary>
    [Handles(Code.Lldt_rm16, Code.Lldt_r32m16)]
    static void Lldt(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Lldt)) return;
        if (c.Cpl != 0) throw CpuException.GP(0);
        ushort selector = (ushort)c.ReadOp0(d, 2);
        if ((selector & 0xFFFC) == 0) { c.Ldtr = new SegmentCache { Selector = selector, Unusable = true }; return; }
        uint error = selector & 0xFFFCu;
        if ((selector & 4) != 0) throw CpuException.GP(error);
        var (lo, hi) = c.ReadDescriptor(selector);
        var cache = Cpu.CacheFromDescriptor(selector, lo, hi);
        if ((cache.Rights & 0x1F) != Cpu.TypeLdt) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.NP(error);
        c.Ldtr = cache;
    }

    /// <summary>LTR: a GDT selector of an available TSS (#GP(0) for null, #GP(sel) otherwise), present (#NP(sel)); marks the descriptor busy.</summary>
    [Handles(Code.Ltr_rm16, Code.Ltr_r32m16)]
    static void Ltr(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Ltr)) return;
        if (c.Cpl != 0) throw CpuException.GP(0);
        ushort selector = (ushort)c.ReadOp0(d, 2);
        if ((selector & 0xFFFC) == 0) throw CpuException.GP(0);
        uint error = selector & 0xFFFCu;
        if ((selector & 4) != 0) throw CpuException.GP(error);
        var (lo, hi) = c.ReadDescriptor(selector);
        var cache = Cpu.CacheFromDescriptor(selector, lo, hi);
        int type = cache.Rights & 0x1F;
        if (type != Cpu.TypeTss16Available && type != Cpu.TypeTss32Available) throw CpuException.GP(error);
        if (!cache.Present) throw CpuException.NP(error);
        c.TryDescriptorAddress(selector, out uint address);
        c.WriteSystem32(address + 4, hi | 0x200);
        cache.Rights |= 0x2;
        c.Tr = cache;
    }

    /// <summary>
    /// The descriptor LAR/LSL/VERR/VERW look at, or null when the selector is null or outside its
    /// table, or the privilege check fails (DPL ≥ CPL and ≥ RPL unless conforming code).
    /// </summary>
    private static (uint Lo, uint Hi, SegmentCache Cache)? Visible(Cpu c, ushort selector)
    {
        if ((selector & 0xFFFC) == 0 || !c.TryDescriptorAddress(selector, out _)) return null;
        var (lo, hi) = c.ReadDescriptor(selector);
        var cache = Cpu.CacheFromDescriptor(selector, lo, hi);
        if (!Cpu.IsConforming(cache.Rights) && (cache.Dpl < c.Cpl || cache.Dpl < (selector & 3))) return null;
        return (lo, hi, cache);
    }

    /// <summary>LAR: access rights (descriptor bytes 5-7 masked 00F0FF00h; FF00h with a 16-bit operand) of segments and of TSS, LDT, call and task gate descriptors; ZF = valid.</summary>
    [Handles(Code.Lar_r16_rm16, Code.Lar_r32_r32m16)]
    static void Lar(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Lar)) return;
        var v = Visible(c, (ushort)c.ReadOp1(d, 2));
        bool ok = v is { } x && (!Cpu.IsSystem(x.Cache.Rights) || (x.Cache.Rights & 0xF) is 1 or 2 or 3 or 4 or 5 or 9 or 0xB or 0xC);
        c.SetFlagBit(Cpu.ZF, ok);
        if (ok) c.WriteReg(d.Reg0, d.OperandSize, d.OperandSize == 4 ? v!.Value.Hi & 0x00F0_FF00 : v!.Value.Hi & 0xFF00);
    }

    /// <summary>LSL: the byte-granular limit of segments, TSS and LDT descriptors; ZF = valid.</summary>
    [Handles(Code.Lsl_r16_rm16, Code.Lsl_r32_r32m16)]
    static void Lsl(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Lsl)) return;
        var v = Visible(c, (ushort)c.ReadOp1(d, 2));
        bool ok = v is { } x && (!Cpu.IsSystem(x.Cache.Rights) || (x.Cache.Rights & 0xF) is 1 or 2 or 3 or 9 or 0xB);
        c.SetFlagBit(Cpu.ZF, ok);
        if (ok) c.WriteReg(d.Reg0, d.OperandSize, v!.Value.Cache.Limit);
    }

    /// <summary>VERR: ZF = the segment is readable (data or readable code) at this CPL/RPL.</summary>
    [Handles(Code.Verr_rm16, Code.Verr_r32m16)]
    static void Verr(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Verr)) return;
        var v = Visible(c, (ushort)c.ReadOp0(d, 2));
        c.SetFlagBit(Cpu.ZF, v is { } x && !Cpu.IsSystem(x.Cache.Rights) && Cpu.IsReadable(x.Cache.Rights));
    }

    /// <summary>VERW: ZF = the segment is writable data at this CPL/RPL.</summary>
    [Handles(Code.Verw_rm16, Code.Verw_r32m16)]
    static void Verw(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        if (Intercepted(c, d, SensitiveKind.Verw)) return;
        var v = Visible(c, (ushort)c.ReadOp0(d, 2));
        c.SetFlagBit(Cpu.ZF, v is { } x && Cpu.IsWritableData(x.Cache.Rights));
    }

    /// <summary>
    /// ARPL r/m16, r16: raises the destination's RPL to the source's (ZF = 1) or leaves it (ZF = 0).
    /// #UD outside protected mode. The destination is written only when it changes, so an ARPL
    /// that changes nothing on a read-only segment does not fault (as on the 386; test386.asm checks it).
    /// </summary>
    [Handles(Code.Arpl_rm16_r16, Code.Arpl_r32m16_r32)]
    static void Arpl(Cpu c, DecodedInstruction d)
    {
        RequireProtectedMode(c);
        uint dest = c.ReadOp0(d, 2);
        uint src = c.ReadReg(d.Reg1, 2);
        if ((dest & 3) < (src & 3))
        {
            c.WriteOp0(d, 2, (dest & 0xFFFC) | (src & 3));
            c.SetFlagBit(Cpu.ZF, true);
        }
        else c.SetFlagBit(Cpu.ZF, false);
    }

    /// <summary>SYSENTER (SDM): flat CPL-0 CS from IA32_SYSENTER_CS, SS = CS+8, ESP/EIP from their MSRs; VM IF RF cleared. #GP(0) in real mode or with a null SYSENTER_CS.</summary>
    [Handles(Code.Sysenter)]
    static void Sysenter(Cpu c, DecodedInstruction d)
    {
        if (!c.ProtectedMode) throw CpuException.GP(0);
        ushort cs = (ushort)c.Msrs.SysenterCsValue;
        if ((cs & 0xFFFC) == 0) throw CpuException.GP(0);
        c.SetEFlags(c.GetEFlags() & ~(Cpu.VM | Cpu.IF | Cpu.RF));
        c.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = (ushort)(cs & 0xFFFC), Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC09B });
        c.SetSegment(SegmentRegister.SS, new SegmentCache { Selector = (ushort)((cs & 0xFFFC) + 8), Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC093 });
        c.R[4] = (uint)c.Msrs.SysenterEspValue;
        c.Eip = (uint)c.Msrs.SysenterEipValue;
    }

    /// <summary>SYSEXIT: back to flat CPL 3 with CS = SYSENTER_CS+16, SS = +24 (RPL 3), ESP = ECX, EIP = EDX. #GP(0) unless protected mode at CPL 0 with a non-null SYSENTER_CS.</summary>
    [Handles(Code.Sysexitd)]
    static void Sysexit(Cpu c, DecodedInstruction d)
    {
        ushort cs = (ushort)c.Msrs.SysenterCsValue;
        if (!c.ProtectedMode || c.Virtual8086 || c.Cpl != 0 || (cs & 0xFFFC) == 0) throw CpuException.GP(0);
        c.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = (ushort)(((cs & 0xFFFC) + 16) | 3), Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC0FB });
        c.SetSegment(SegmentRegister.SS, new SegmentCache { Selector = (ushort)(((cs & 0xFFFC) + 24) | 3), Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC0F3 });
        c.R[4] = c.R[1];
        c.Eip = c.R[2];
    }
}
