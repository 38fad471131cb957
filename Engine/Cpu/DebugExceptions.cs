namespace VirtLab.Engine;

/// <summary>
/// Debug exceptions (SDM Vol. 3A 17.2-17.3): the single-step trap (EFLAGS.TF, DR6.BS), instruction
/// breakpoints from DR0-DR3 (faults before the instruction, suppressed by EFLAGS.RF) and data
/// breakpoints (traps after the instruction that wrote, or read or wrote, the watched bytes),
/// with the matching B0-B3 bits in DR6. While any of them is armed the CPU runs one instruction
/// at a time, so ordinary runs pay nothing.
/// </summary>
public sealed partial class Cpu
{
    private bool _dataBreakpointsArmed, _instructionBreakpointsArmed;
    private uint _dataBreakHits;
    private bool _softwareInterruptInStep;

    /// <summary>True when TF or an enabled DR0-DR3 breakpoint needs instruction-by-instruction execution.</summary>
    private bool DebugActive => (_flags & TF) != 0 || _dataBreakpointsArmed || _instructionBreakpointsArmed;

    /// <summary>MOV to DR0-DR7 (after the privilege checks): DR6/DR7 reserved bits forced, breakpoints re-armed.</summary>
    internal void WriteDebugRegister(int n, uint value)
    {
        Dr[n] = n switch { 6 => (value & 0x0000_E00F) | 0xFFFF_0FF0, 7 => (value & 0xFFFF_2BFF) | 0x400, _ => value };
        ArmBreakpoints();
    }

    private void ArmBreakpoints()
    {
        _dataBreakpointsArmed = _instructionBreakpointsArmed = false;
        uint dr7 = Dr[7];
        for (int i = 0; i < 4; i++)
        {
            if (((dr7 >> (i * 2)) & 3) == 0) continue;
            uint rw = (dr7 >> (16 + i * 4)) & 3;
            if (rw == 0) _instructionBreakpointsArmed = true;
            else if (rw != 2) _dataBreakpointsArmed = true; // RW = 10 (I/O) needs CR4.DE: not modelled
        }
        _breakBlock = true;
    }

    private static uint BreakpointLength(uint dr7, int i) => ((dr7 >> (18 + i * 4)) & 3) switch { 0 => 1, 1 => 2, 2 => 8, _ => 4 };

    /// <summary>B0-B3 bits of the execute breakpoints at <paramref name="linear"/>.</summary>
    private uint InstructionBreakpointHits(uint linear)
    {
        uint dr7 = Dr[7], hits = 0;
        for (int i = 0; i < 4; i++)
            if (((dr7 >> (i * 2)) & 3) != 0 && ((dr7 >> (16 + i * 4)) & 3) == 0 && Dr[i] == linear) hits |= 1u << i;
        return hits;
    }

    /// <summary>Called by every linear access while data breakpoints are armed: records which DRn the access touches.</summary>
    private void CheckDataBreakpoints(uint linear, int size, bool write)
    {
        uint dr7 = Dr[7];
        for (int i = 0; i < 4; i++)
        {
            if (((dr7 >> (i * 2)) & 3) == 0) continue;
            uint rw = (dr7 >> (16 + i * 4)) & 3;
            if (rw == 0 || rw == 2 || (rw == 1 && !write)) continue;
            uint len = BreakpointLength(dr7, i);
            uint start = Dr[i] & ~(len - 1);
            if (linear <= start + len - 1 && start <= linear + (uint)size - 1) _dataBreakHits |= 1u << i;
        }
    }

    /// <summary>
    /// Runs one instruction with the debug checks around it: an instruction breakpoint faults first
    /// (unless RF); afterwards a data breakpoint or the single-step trap (TF set before the
    /// instruction) raises #DB with EIP at the next instruction. RF is cleared once an instruction
    /// completes. A MOV SS/POP SS shadow defers the traps by one instruction, as on hardware.
    /// </summary>
    /// <summary>DR6 as it was before the last #DB wrote it: a VM exit on #DB happens before DR6 changes (SDM Vol. 3C 27.1).</summary>
    public uint Dr6BeforeDebug { get; internal set; }

    /// <summary>The DR6 bits the last #DB reported (B0-B3, BS): what VT-x puts in the exit qualification (table 27-1).</summary>
    public uint DebugExceptionBits { get; internal set; }

    private void ExecuteWithDebugChecks()
    {
        ref var cs = ref Segments[(int)SegmentRegister.CS];
        if (_instructionBreakpointsArmed && (_flags & RF) == 0 && InstructionBreakpointHits(cs.Base + Eip) is var hits and not 0)
        {
            Dr6BeforeDebug = Dr[6]; DebugExceptionBits = hits;
            Dr[6] = (Dr[6] & ~0xFu) | hits;
            FaultsDelivered++;
            RaiseException(ExceptionVector.DB, null, Eip);
            return;
        }
        bool singleStep = (_flags & TF) != 0;
        long retiredBefore = InstructionsRetired;
        _dataBreakHits = 0;
        _softwareInterruptInStep = false;
        bool shadowBefore = _interruptShadow;
        ExecuteGuarded(1);
        if (InstructionsRetired == retiredBefore) return; // faulted: its exception has been delivered
        if ((_flags & RF) != 0) SetFlagBit(RF, false);
        if (_interruptShadow && !shadowBefore) return;    // MOV SS / POP SS: traps wait one instruction
        uint bits = _dataBreakHits;
        if (singleStep && !_softwareInterruptInStep) bits |= 0x4000;
        if (bits == 0) return;
        Dr6BeforeDebug = Dr[6]; DebugExceptionBits = bits;
        Dr[6] = (Dr[6] & ~0xFu) | bits;
        RaiseTrap(ExceptionVector.DB);
    }
}
