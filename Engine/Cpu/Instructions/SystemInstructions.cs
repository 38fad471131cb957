using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// System instructions of the flat ring-0 machine (SDM Vol. 2 and Vol. 3A 2.8): CPUID, RDTSC,
/// RDMSR/WRMSR, MOV to/from CR0 CR2 CR3 CR4 and DR0-DR7, LGDT LIDT SGDT SIDT, SMSW LMSW CLTS,
/// INVD WBINVD INVLPG. Each asks the monitor first and checks CPL 0 where the SDM says.
/// </summary>
internal static class SystemInstructions
{
    private static bool Intercepted(Cpu c, DecodedInstruction d, SensitiveKind kind) =>
        c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, kind);

    private static void RequireCpl0(Cpu c)
    {
        if (c.ProtectedMode && c.Cpl != 0) throw CpuException.GP(0);
    }

    [Handles(Code.Cpuid)]
    static void Cpuid(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Cpuid)) return;
        var (a, b, cx, dx) = CpuidInfo.Query(c.R[0], c.R[1]);
        c.R[0] = a; c.R[3] = b; c.R[1] = cx; c.R[2] = dx;
    }

    /// <summary>RDTSC: EDX:EAX = instructions retired (virtual time, deterministic). CR4.TSD at CPL &gt; 0 is #GP(0).</summary>
    [Handles(Code.Rdtsc)]
    static void Rdtsc(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Rdtsc)) return;
        if ((c.Cr4 & 4) != 0 && c.ProtectedMode && c.Cpl != 0) throw CpuException.GP(0);
        ulong tsc = (ulong)c.VirtualTime + c.TscOffset;
        c.R[0] = (uint)tsc; c.R[2] = (uint)(tsc >> 32);
    }

    [Handles(Code.Rdmsr)]
    static void Rdmsr(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Rdmsr)) return;
        RequireCpl0(c);
        ulong v = c.ReadMsr(c.R[1]);
        c.R[0] = (uint)v; c.R[2] = (uint)(v >> 32);
    }

    [Handles(Code.Wrmsr)]
    static void Wrmsr(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Wrmsr)) return;
        RequireCpl0(c);
        c.WriteMsr(c.R[1], (ulong)c.R[2] << 32 | c.R[0]);
    }

    /// <summary>MOV r32, CRn (n = 0, 2, 3, 4; others #UD). The register operand is always 32-bit; Mod is ignored.</summary>
    [Handles(Code.Mov_r32_cr)]
    static void MovFromCr(Cpu c, DecodedInstruction d)
    {
        if (d.Reg1 is 1 or > 4) throw CpuException.UD();
        if (Intercepted(c, d, SensitiveKind.MovFromCr)) return;
        RequireCpl0(c);
        c.R[d.Reg0] = d.Reg1 switch { 0 => c.Cr0, 2 => c.Cr2, 3 => c.Cr3, _ => c.Cr4 };
    }

    [Handles(Code.Mov_cr_r32)]
    static void MovToCr(Cpu c, DecodedInstruction d)
    {
        if (d.Reg0 is 1 or > 4) throw CpuException.UD();
        if (Intercepted(c, d, SensitiveKind.MovToCr)) return;
        RequireCpl0(c);
        uint v = c.R[d.Reg1];
        switch (d.Reg0)
        {
            case 0: c.WriteCr0(v); break;
            case 2: c.Cr2 = v; break;
            case 3: c.WriteCr3(v); break;
            default: c.WriteCr4(v); break;
        }
    }

    /// <summary>MOV r32, DRn / MOV DRn, r32: DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD); CPL 0 only.</summary>
    [Handles(Code.Mov_r32_dr)]
    static void MovFromDr(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.MovFromDr)) return;
        RequireCpl0(c);
        c.R[d.Reg0] = c.Dr[DebugIndex(c, d.Reg1)];
    }

    [Handles(Code.Mov_dr_r32)]
    static void MovToDr(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.MovToDr)) return;
        RequireCpl0(c);
        int n = DebugIndex(c, d.Reg0);
        uint v = c.R[d.Reg1];
        c.WriteDebugRegister(n, v);
    }

    private static int DebugIndex(Cpu c, int n)
    {
        if (n is 4 or 5)
        {
            if ((c.Cr4 & 8) != 0) throw CpuException.UD(); // CR4.DE
            return n + 2;
        }
        if (n > 7) throw CpuException.UD();
        return n;
    }

    /// <summary>LGDT/LIDT m16&amp;32: with a 16-bit operand size only 24 bits of base are loaded (SDM LGDT).</summary>
    private static void LoadDescriptorTable(Cpu c, DecodedInstruction d, bool idt)
    {
        if (Intercepted(c, d, idt ? SensitiveKind.Lidt : SensitiveKind.Lgdt)) return;
        RequireCpl0(c);
        uint off = c.EffectiveAddress(d);
        ushort limit = c.ReadMem16(d.Segment, off);
        uint b = c.ReadMem32(d.Segment, (off + 2) & d.AddressMask);
        if (d.OperandSize != 4) b &= 0x00FF_FFFF;
        if (idt) { c.IdtrLimit = limit; c.IdtrBase = b; } else { c.GdtrLimit = limit; c.GdtrBase = b; }
    }

    [Handles(Code.Lgdt_m1632_16, Code.Lgdt_m1632)] static void Lgdt(Cpu c, DecodedInstruction d) => LoadDescriptorTable(c, d, false);
    [Handles(Code.Lidt_m1632_16, Code.Lidt_m1632)] static void Lidt(Cpu c, DecodedInstruction d) => LoadDescriptorTable(c, d, true);

    /// <summary>SGDT/SIDT: not privileged (sensitive but unprivileged: a ring-1 guest kernel sees the real tables' addresses).</summary>
    private static void StoreDescriptorTable(Cpu c, DecodedInstruction d, bool idt)
    {
        if (Intercepted(c, d, idt ? SensitiveKind.Sidt : SensitiveKind.Sgdt)) return;
        uint off = c.EffectiveAddress(d);
        ushort limit = idt ? c.IdtrLimit : c.GdtrLimit;
        uint b = idt ? c.IdtrBase : c.GdtrBase;
        // SDM SGDT operation: with a 16-bit operand size the 24-bit base is stored and byte 5 is 0.
        if (d.OperandSize != 4) b &= 0x00FF_FFFF;
        c.CheckWrite(d.Segment, off, 6);
        c.WriteMem16(d.Segment, off, limit);
        c.WriteMem32(d.Segment, (off + 2) & d.AddressMask, b);
    }

    [Handles(Code.Sgdt_m1632_16, Code.Sgdt_m1632)] static void Sgdt(Cpu c, DecodedInstruction d) => StoreDescriptorTable(c, d, false);
    [Handles(Code.Sidt_m1632_16, Code.Sidt_m1632)] static void Sidt(Cpu c, DecodedInstruction d) => StoreDescriptorTable(c, d, true);

    /// <summary>SMSW: not privileged (sensitive). To a register with 32-bit operand size the whole CR0 is stored (the upper bits undefined on 386; Pentium stores CR0).</summary>
    [Handles(Code.Smsw_rm16, Code.Smsw_r32m16)]
    static void Smsw(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Smsw)) return;
        if (d.Kind0 == OperandKind.Register)
        {
            if (d.Code == Code.Smsw_r32m16) c.R[d.Reg0] = c.Cr0; else c.SetReg16(d.Reg0, (ushort)c.Cr0);
        }
        else c.WriteMem16(d.Segment, c.EffectiveAddress(d), (ushort)c.Cr0);
    }

    /// <summary>LMSW: loads CR0 bits 0-3 (PE MP EM TS); PE can be set but not cleared (SDM LMSW).</summary>
    [Handles(Code.Lmsw_rm16, Code.Lmsw_r32m16)]
    static void Lmsw(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Lmsw)) return;
        RequireCpl0(c);
        uint v = c.ReadOp0(d, 2) & 0xF;
        uint cr0 = (c.Cr0 & ~0xEu) | (v & 0xE) | (c.Cr0 & 1) | (v & 1);
        c.WriteCr0(cr0);
    }

    [Handles(Code.Clts)]
    static void Clts(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Clts)) return;
        RequireCpl0(c);
        c.Cr0 &= ~Cpu.Cr0TS;
    }

    [Handles(Code.Invd)]
    static void Invd(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Invd)) return;
        RequireCpl0(c);
    }

    [Handles(Code.Wbinvd)]
    static void Wbinvd(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Wbinvd)) return;
        RequireCpl0(c);
    }

    /// <summary>INVLPG m: drops the TLB entry of the page holding the operand's linear address (no limit or page check, SDM Vol. 2A). CPL 0 only.</summary>
    [Handles(Code.Invlpg_m)]
    static void Invlpg(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Invlpg)) return;
        RequireCpl0(c);
        c.InvalidatePage(c.Segments[(int)d.Segment].Base + c.EffectiveAddress(d));
    }
}
