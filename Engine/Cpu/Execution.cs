namespace VirtLab.Engine;

/// <summary>The run loop: fetch a cached block, run its instructions, turn faults into exception delivery.</summary>
public sealed partial class Cpu
{
    private StopReason _stopRequest;

    /// <summary>After a triple fault the processor is shut down (SDM Vol. 3A 6.15): it executes nothing until <see cref="Reset"/>.</summary>
    public bool ShutDown { get; private set; }
    private readonly HashSet<uint> _breakpoints = new();

    /// <summary>Linear addresses at which <see cref="Run"/> stops before executing the instruction there.</summary>
    public ISet<uint> Breakpoints => _breakpoints;

    /// <summary>Asks the run loop to stop after the current instruction (devices, monitors).</summary>
    public void RequestStop(StopReason reason)
    {
        if (_stopRequest == StopReason.None) _stopRequest = reason;
        _breakBlock = true;
    }

    /// <summary>Runs until a stop reason or until <paramref name="budget"/> instructions have retired.</summary>
    public StopReason Run(long budget)
    {
        _stopRequest = StopReason.None;
        long end = InstructionsRetired + budget;
        bool first = true;
        while (true)
        {
            if (_stopRequest != StopReason.None) { if (_stopRequest == StopReason.TripleFault) ShutDown = true; return _stopRequest; }
            if (ShutDown) return StopReason.TripleFault;
            if (Halted) return StopReason.Halted;
            long remaining = end - InstructionsRetired;
            if (remaining <= 0) return StopReason.BudgetExhausted;
            if (_breakpoints.Count > 0)
            {
                if (!first && _breakpoints.Contains(Segments[(int)SegmentRegister.CS].Base + Eip)) return StopReason.Breakpoint;
                remaining = 1; // step one instruction at a time so no breakpoint is passed inside a block
            }
            first = false;
            ExecuteGuarded(remaining);
        }
    }

    /// <summary>Executes exactly one instruction (or delivers the exception it raises).</summary>
    public StopReason Step()
    {
        _stopRequest = StopReason.None;
        if (ShutDown) return StopReason.TripleFault;
        if (Halted) return StopReason.Halted;
        ExecuteGuarded(1);
        if (_stopRequest == StopReason.TripleFault) ShutDown = true;
        return _stopRequest;
    }

    private bool _executing;

    /// <summary>Runs blocks; an exception that is not a guest fault is an engine bug and leaves as an <see cref="EngineException"/> naming the guest instruction.</summary>
    private void ExecuteGuarded(long remaining)
    {
        try
        {
            ExecuteBlock(remaining);
        }
        catch (Exception e) when (e is not CpuException and not EngineException)
        {
            _executing = false;
            var current = Current;
            throw new EngineException(Segments[(int)SegmentRegister.CS].Selector, current?.Ip ?? Eip, current?.Text, e);
        }
    }

    /// <summary>Instructions retired up to (not including) the one executing now: the virtual clock RDTSC reads.</summary>
    public long VirtualTime => _executing ? InstructionsRetired + _currentIndex : InstructionsRetired;

    /// <summary>
    /// Runs whole blocks back to back until <paramref name="remaining"/> instructions have retired or
    /// something (a stop request, a write to the running block's page, a mode change) sets
    /// <see cref="_breakBlock"/>; the caller then re-checks its stop conditions.
    /// </summary>
    private unsafe void ExecuteBlock(long remaining)
    {
        _breakBlock = false;
        _executing = true;
        int i = 0;
        DecodedInstruction? d = null;
        try
        {
            while (true)
            {
                var block = GetBlock();
                _currentBlock = block;
                var insns = block.Instructions;
                int n = insns.Length < remaining ? insns.Length : (int)remaining;
                for (i = 0; i < n; i++)
                {
                    d = insns[i];
                    _currentIndex = i;
                    Eip = d.NextIp;
                    d.Handler(this, d);
                    if (_breakBlock) { i++; break; }
                }
                InstructionsRetired += i;
                remaining -= i;
                i = 0;
                d = null;
                if (_breakBlock || remaining <= 0) break;
            }
        }
        catch (CpuException e)
        {
            // Faults: EIP points at the faulting instruction, which has not retired (SDM Vol. 3A 6.5).
            InstructionsRetired += i;
            _executing = false;
            if (d != null) Eip = d.Ip;
            RaiseException(e.Vector, e.ErrorCode, Eip);
        }
        _executing = false;
    }
}
