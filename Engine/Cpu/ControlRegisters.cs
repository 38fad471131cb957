namespace VirtLab.Engine;

/// <summary>Writes to CR0/CR4 with the SDM's consistency rules, MSR access, and the TSC offset.</summary>
public sealed partial class Cpu
{
    /// <summary>Added to the instruction count by RDTSC and the TSC MSR (a monitor's TSC offset; WRMSR to the TSC sets it).</summary>
    public ulong TscOffset;

    /// <summary>
    /// MOV to CR0 (SDM Vol. 3A 2.5): PG without PE, or NW without CD, is #GP(0). ET is hardwired to 1
    /// on 486+. Setting PE leaves CPL 0 until CS is reloaded; a change of PG or WP flushes the TLB.
    /// </summary>
    /// <summary>
    /// Loads CR0, CR3 and CR4 as they are, with none of MOV's checks (VM entry loads the guest's control
    /// registers from the VMCS, SDM Vol. 3C 26.3.2.1, after its own checks); the TLB is flushed when the
    /// translation changes, and the mode-dependent state is recomputed.
    /// </summary>
    internal void LoadControlRegisters(uint cr0, uint cr3, uint cr4)
    {
        if (cr0 == Cr0 && cr3 == Cr3 && cr4 == Cr4) return;
        bool peChanged = ((Cr0 ^ cr0) & Cr0PE) != 0;
        if (((Cr0 ^ cr0) & (Cr0PG | Cr0WP | Cr0PE)) != 0 || cr3 != Cr3 || ((Cr4 ^ cr4) & (Cr4PSE | Cr4PGE)) != 0) FlushTlb();
        Cr0 = cr0; Cr3 = cr3; Cr4 = cr4;
        if (peChanged) { UpdateCpl(); RefreshSegmentBounds(); } else UpdatePagingState();
        _breakBlock = true;
    }

    public void WriteCr0(uint value)
    {
        if ((value & Cr0PG) != 0 && (value & Cr0PE) == 0) throw CpuException.GP(0);
        if ((value & Cr0NW) != 0 && (value & Cr0CD) == 0) throw CpuException.GP(0);
        value |= Cr0ET;
        value &= Cr0PE | Cr0MP | Cr0EM | Cr0TS | Cr0ET | Cr0NE | Cr0WP | Cr0AM | Cr0NW | Cr0CD | Cr0PG;
        uint old = Cr0;
        Cr0 = value;
        if (((old ^ value) & (Cr0PG | Cr0WP | Cr0PE)) != 0) FlushTlb();
        if (((old ^ value) & Cr0PE) != 0)
        {
            _cpl = 0; // real mode, or protected mode before the first CS load: CPL 0
            UpdatePagingState();
            RefreshSegmentBounds();
        }
        else UpdatePagingState();
        _breakBlock = true;
    }

    /// <summary>MOV to CR4: setting a bit this CPU does not have (CPUID leaf 1 EDX) is #GP(0). VME PVI TSD DE PSE MCE PGE are accepted.</summary>
    public void WriteCr4(uint value)
    {
        const uint supported = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80;
        if ((value & ~supported) != 0) throw CpuException.GP(0);
        uint old = Cr4;
        Cr4 = value;
        if (((old ^ value) & (Cr4PSE | Cr4PGE)) != 0) FlushTlb(); // SDM 4.10.4.1: toggling PGE flushes all, globals included
        _breakBlock = true;
    }

    internal ulong ReadMsr(uint msr) => msr switch
    {
        ModelSpecificRegisters.Tsc => (ulong)VirtualTime + TscOffset,
        ModelSpecificRegisters.ApicBase => 0xFEE0_0900, // BSP, enabled, default base
        ModelSpecificRegisters.SysenterCs => Msrs.SysenterCsValue,
        ModelSpecificRegisters.SysenterEsp => Msrs.SysenterEspValue,
        ModelSpecificRegisters.SysenterEip => Msrs.SysenterEipValue,
        ModelSpecificRegisters.MiscEnable => Msrs.MiscEnableValue,
        _ => throw CpuException.GP(0),
    };

    internal void WriteMsr(uint msr, ulong value)
    {
        switch (msr)
        {
            case ModelSpecificRegisters.Tsc: TscOffset = value - (ulong)VirtualTime; break;
            case ModelSpecificRegisters.SysenterCs: Msrs.SysenterCsValue = value & 0xFFFF; break;
            case ModelSpecificRegisters.SysenterEsp: Msrs.SysenterEspValue = value; break;
            case ModelSpecificRegisters.SysenterEip: Msrs.SysenterEipValue = value; break;
            case ModelSpecificRegisters.MiscEnable: Msrs.MiscEnableValue = value; break;
            default: throw CpuException.GP(0); // includes the read-only APIC base in this model
        }
    }
}
