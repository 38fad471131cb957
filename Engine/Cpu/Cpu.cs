using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>
/// A 32-bit x86 processor (386/486/Pentium integer instruction set). The architectural state
/// lives here; instruction families are partial classes of <see cref="Cpu"/>-facing static handlers
/// in <c>Instructions/</c>; the run loop, code cache and exception delivery are in their own files.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>EAX..EDI by ModRM number; slot 8 (<see cref="DecodedInstruction.NoRegister"/>) is always zero.</summary>
    public readonly uint[] R = new uint[9];
    public uint Eip;
    public readonly SegmentCache[] Segments = new SegmentCache[6];

    public uint Cr0, Cr2, Cr3, Cr4;
    public readonly uint[] Dr = new uint[8];
    public uint GdtrBase, IdtrBase;
    public ushort GdtrLimit, IdtrLimit;

    /// <summary>Instructions retired since reset (the virtual time base: RDTSC reads it).</summary>
    public long InstructionsRetired;

    public PhysicalMemory Memory { get; }
    public IoBus Io { get; }
    /// <summary>The monitor (hypervisor) beside this CPU; null for native execution.</summary>
    public ICpuMonitor? Monitor { get; set; }

    /// <summary>The instruction being executed (valid inside handlers and monitor calls).</summary>
    public DecodedInstruction? Current => _currentBlock is { } b && _currentIndex < b.Instructions.Length ? b.Instructions[_currentIndex] : null;
    private int _currentIndex;

    public Cpu(PhysicalMemory memory, IoBus io)
    {
        Memory = memory;
        Io = io;
        Memory.CodePageWritten = OnCodePageWritten;
        Memory.TracedPageWritten = (address, size) => Monitor?.OnTracedWrite(this, address, size);
        Reset();
    }

    public const uint Cr0PE = 1, Cr0MP = 2, Cr0EM = 4, Cr0TS = 8, Cr0ET = 0x10, Cr0NE = 0x20, Cr0WP = 0x10000, Cr0AM = 0x40000, Cr0NW = 0x20000000, Cr0CD = 0x40000000, Cr0PG = 0x80000000;

    /// <summary>CPUID signature in EDX after reset: family 5 (Pentium), model 2, stepping 0... see <see cref="CpuidInfo"/>.</summary>
    public const uint ResetSignature = CpuidInfo.Signature;

    /// <summary>Power-on reset (SDM Vol. 3A 9.1.1, table 9-1): CS F000 base FFFF0000, EIP FFF0, CR0 60000010, EFLAGS 2, EDX = signature.</summary>
    public void Reset()
    {
        Array.Clear(R);
        R[(int)Reg32.EDX] = ResetSignature;
        Eip = 0xFFF0;
        Cr0 = 0x6000_0010; Cr2 = 0; Cr3 = 0; Cr4 = 0;
        _cpl = 0;
        UpdatePagingState();
        FlushTlb();
        Array.Clear(Dr);
        Dr[6] = 0xFFFF0FF0; Dr[7] = 0x400;
        ArmBreakpoints();
        GdtrBase = 0; GdtrLimit = 0xFFFF; IdtrBase = 0; IdtrLimit = 0xFFFF;
        Ldtr = new SegmentCache { Selector = 0, Base = 0, Limit = 0xFFFF, Rights = 0x82 };
        Tr = new SegmentCache { Selector = 0, Base = 0, Limit = 0xFFFF, Rights = 0x8B };
        TaskSwitches = 0;
        for (int i = 0; i < 6; i++)
            SetSegment((SegmentRegister)i, new SegmentCache { Selector = 0, Base = 0, Limit = 0xFFFF, Rights = 0x0093 });
        SetSegment(SegmentRegister.CS, new SegmentCache { Selector = 0xF000, Base = 0xFFFF_0000, Limit = 0xFFFF, Rights = 0x009B });
        SetEFlags(0x2);
        InstructionsRetired = 0;
        FaultsDelivered = 0;
        ResetInterruptState();
        Halted = false;
        ShutDown = false;
        Msrs.Reset();
        _currentBlock = null;
        FlushCodeCache();
    }

    /// <summary>Real-mode entry at CS:IP with SS:SP, as a boot loader would leave it (QEMU floppy boot without a BIOS: CS:IP 0:7C00).</summary>
    public void EnterRealMode(ushort cs, ushort ip, ushort ss = 0, ushort sp = 0x7C00)
    {
        Cr0 &= ~(Cr0PE | Cr0PG);
        _cpl = 0;
        UpdatePagingState();
        LoadSegmentReal(SegmentRegister.CS, cs);
        LoadSegmentReal(SegmentRegister.SS, ss);
        LoadSegmentReal(SegmentRegister.DS, 0);
        LoadSegmentReal(SegmentRegister.ES, 0);
        LoadSegmentReal(SegmentRegister.FS, 0);
        LoadSegmentReal(SegmentRegister.GS, 0);
        Eip = ip;
        R[(int)Reg32.ESP] = sp;
    }

    public bool ProtectedMode => (Cr0 & Cr0PE) != 0;
    private int _cpl;

    /// <summary>
    /// Current privilege level (SDM Vol. 3A 5.5): 0 in real mode and right after CR0.PE is set, 3 in
    /// virtual-8086 mode, otherwise CS.RPL as the last CS load left it.
    /// </summary>
    public int Cpl => _cpl;

    /// <summary>Recomputes CPL after a CS load or a VM change, then the paging access kinds and segment checks that depend on it.</summary>
    private void UpdateCpl()
    {
        _cpl = !ProtectedMode ? 0 : Virtual8086 ? 3 : Segments[(int)SegmentRegister.CS].Selector & 3;
        UpdatePagingState();
    }
    /// <summary>Virtual-8086 mode: protected mode with EFLAGS.VM set (segments load the real-mode way, CPL 3).</summary>
    public bool Virtual8086 => ProtectedMode && (_flags & VM) != 0;
    public bool Code32 => Segments[(int)SegmentRegister.CS].Big;
    public bool Stack32 => Segments[(int)SegmentRegister.SS].Big;

    /// <summary>True after HLT until an interrupt (none exist before issue 3) or reset.</summary>
    public bool Halted { get; internal set; }

    public ModelSpecificRegisters Msrs { get; } = new();

    // ---- register access by size ----------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte GetReg8(int r) => r < 4 ? (byte)R[r] : (byte)(R[r - 4] >> 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetReg8(int r, byte v)
    {
        if (r < 4) R[r] = (R[r] & 0xFFFF_FF00) | v;
        else R[r - 4] = (R[r - 4] & 0xFFFF_00FF) | (uint)v << 8;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort GetReg16(int r) => (ushort)R[r];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetReg16(int r, ushort v) => R[r] = (R[r] & 0xFFFF_0000) | v;

    public uint Eax { get => R[0]; set => R[0] = value; }
    public uint Ecx { get => R[1]; set => R[1] = value; }
    public uint Edx { get => R[2]; set => R[2] = value; }
    public uint Ebx { get => R[3]; set => R[3] = value; }
    public uint Esp { get => R[4]; set => R[4] = value; }
    public uint Ebp { get => R[5]; set => R[5] = value; }
    public uint Esi { get => R[6]; set => R[6] = value; }
    public uint Edi { get => R[7]; set => R[7] = value; }

    public SegmentCache GetSegment(SegmentRegister s) => Segments[(int)s];

    /// <summary>Loads a segment register the real-mode way: base = selector × 16, limit and rights unchanged except CS (SDM Vol. 3A 20.1.1).</summary>
    public void LoadSegmentReal(SegmentRegister s, ushort selector)
    {
        ref var seg = ref Segments[(int)s];
        seg.Selector = selector;
        seg.Base = (uint)selector << 4;
        if (s == SegmentRegister.CS) { seg.Rights = (ushort)((seg.Rights & ~0x4000) | 0x9B); }
        if (seg.Unusable) { seg.Unusable = false; }
        seg.UpdateBounds(typeChecks: false);
        if (s == SegmentRegister.CS) UpdateCpl();
    }

    /// <summary>Sets a segment register's visible and hidden parts directly (for loaders and monitors).</summary>
    public void SetSegment(SegmentRegister s, SegmentCache cache)
    {
        cache.UpdateBounds(typeChecks: ProtectedMode && !Virtual8086);
        Segments[(int)s] = cache;
        if (s == SegmentRegister.CS) UpdateCpl();
    }

    /// <summary>Recomputes every segment's access bounds after a mode change (type checks apply in protected mode only).</summary>
    private void RefreshSegmentBounds()
    {
        bool typeChecks = ProtectedMode && !Virtual8086;
        for (int i = 0; i < Segments.Length; i++) Segments[i].UpdateBounds(typeChecks);
    }
}
