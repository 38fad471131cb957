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

    /// <summary>Faults raised by instructions since reset (each counts against a run's budget, see <see cref="Run"/>).</summary>
    public long FaultsDelivered { get; private set; }

    /// <summary>A device or the monitor has asked the run loop to stop during the running instruction (long instructions such as REP MOVS check it to yield).</summary>
    internal bool StopRequested => _stopRequest != StopReason.None;

    /// <summary>Ends the current block after the running instruction (a handler that set EIP back to its own instruction to resume it later).</summary>
    internal void EndBlockAfterCurrentInstruction() => _breakBlock = true;

    /// <summary>Runs until a stop reason or until <paramref name="budget"/> instructions have retired (each fault the CPU delivers counts as one, and so does each instruction's worth of idle time in HLT, so a run always ends).</summary>
    public StopReason Run(long budget)
    {
        _stopRequest = StopReason.None;
        // The budget counts retired instructions and delivered faults: a fault retires nothing, so a
        // guest whose handler faults forever (each delivery succeeding) would otherwise never use it up.
        // Idle time (HLT waiting for a timer) counts too, so a halted CPU whose interrupts are all masked cannot hang Run.
        if (Monitor is { Runnable: false }) return StopReason.MonitorStop;
        long end = InstructionsRetired + FaultsDelivered + IdleTime + budget;
        bool first = true;
        while (true)
        {
            if (_stopRequest != StopReason.None && _stopRequest != StopReason.Halted) { if (_stopRequest == StopReason.TripleFault) ShutDown = true; return _stopRequest; }
            _stopRequest = StopReason.None;
            if (ShutDown) return StopReason.TripleFault;
            long remaining = end - InstructionsRetired - FaultsDelivered - IdleTime;
            if (remaining <= 0) return StopReason.BudgetExhausted;
            if (!ServiceEventsGuarded(remaining)) return StopReason.Halted;
            if (_stopRequest != StopReason.None) continue;
            if (Halted) continue;
            remaining = UntilNextDeviceEvent(end - InstructionsRetired - FaultsDelivered - IdleTime);
            if (remaining <= 0) return StopReason.BudgetExhausted;
            if (Monitor is { } timed)
            {
                if (timed.StepInstructions) remaining = 1;
                else if (timed.InstructionsUntilEvent is var until && until < remaining) remaining = Math.Max(1, until);
            }
            if (_breakpoints.Count > 0)
            {
                if (!first && _breakpoints.Contains(Segments[(int)SegmentRegister.CS].Base + Eip)) return StopReason.Breakpoint;
                remaining = 1; // step one instruction at a time so no breakpoint is passed inside a block
            }
            first = false;
            if (DebugActive) { ExecuteWithDebugChecks(); continue; }
            ExecuteGuarded(remaining);
        }
    }

    /// <summary>Executes exactly one instruction (or delivers the exception it raises).</summary>
    public StopReason Step()
    {
        _stopRequest = StopReason.None;
        if (ShutDown) return StopReason.TripleFault;
        if (Monitor is { Runnable: false }) return StopReason.MonitorStop;
        if (!ServiceEventsGuarded(long.MaxValue)) return StopReason.Halted;
        if (Halted) return StopReason.Halted;
        _interruptShadow = false;
        if (DebugActive) ExecuteWithDebugChecks();
        else ExecuteGuarded(1);
        if (_stopRequest == StopReason.TripleFault) ShutDown = true;
        return _stopRequest;
    }

    private bool _executing;

    /// <summary>Events at an instruction boundary; a monitor that abandons a delivery (a VM exit while pushing the frame) leaves the CPU as it set it.</summary>
    private bool ServiceEventsGuarded(long budgetLeft)
    {
        try { return ServiceEvents(budgetLeft); }
        catch (InstructionAbortedException) { return true; }
    }

    /// <summary>Runs blocks; an exception that is not a guest fault is an engine bug and leaves as an <see cref="EngineException"/> naming the guest instruction.</summary>
    private void ExecuteGuarded(long remaining)
    {
        try
        {
            ExecuteBlock(remaining);
        }
        catch (Exception e) when (e is not CpuException and not EngineException and not InstructionAbortedException)
        {
            _executing = false;
            var current = Current;
            throw new EngineException(Segments[(int)SegmentRegister.CS].Selector, current?.Ip ?? Eip, current?.Text, e);
        }
    }

    /// <summary>Instructions retired up to (not including) the one executing now: the virtual clock RDTSC reads.</summary>
    public long VirtualTime => (_executing ? InstructionsRetired + _currentIndex : InstructionsRetired) + IdleTime;

    /// <summary>
    /// Runs whole blocks back to back (<see cref="RunBlocks"/>) and turns a guest fault into exception
    /// delivery. The loop itself lives in a method without exception handling, so the JIT keeps its
    /// locals in registers; the faulting instruction is found from <see cref="_currentBlock"/> and
    /// <see cref="_currentIndex"/>.
    /// </summary>
    private void ExecuteBlock(long remaining)
    {
        _breakBlock = false;
        _executing = true;
        try
        {
            RunBlocks(remaining);
        }
        catch (CpuException e)
        {
            // Faults: EIP points at the faulting instruction, which has not retired (SDM Vol. 3A 6.5).
            var d = _currentBlock!.Instructions[_currentIndex];
            InstructionsRetired += _currentIndex;
            _executing = false;
            Eip = d.Ip;
            FaultsDelivered++;
            RaiseException(e.Vector, e.ErrorCode, Eip);
        }
        catch (InstructionAbortedException)
        {
            // The monitor took over in the middle of the instruction (a VM exit on a memory access) and
            // left the CPU where the guest continues; the instruction did not retire.
            InstructionsRetired += _currentIndex;
            _executing = false;
        }
        _executing = false;
    }

    /// <summary>Runs blocks until <paramref name="remaining"/> instructions have retired or something sets <see cref="_breakBlock"/> (a stop request, a write to the running block's page, a mode change).</summary>
    private unsafe void RunBlocks(long remaining)
    {
        while (true)
        {
            var block = GetBlock();
            if (!ReferenceEquals(_currentBlock, block)) _currentBlock = block; // skip the GC write barrier when a loop re-enters its block
            var insns = block.Instructions;
            int n = insns.Length < remaining ? insns.Length : (int)remaining;
            int i = 0;
            for (; i < n; i++)
            {
                var d = insns[i];
                _currentIndex = i;
                Eip = d.NextIp;
                d.Handler(this, d);
                if (_breakBlock) { i++; break; }
            }
            InstructionsRetired += i;
            remaining -= i;
            if (_breakBlock || remaining <= 0) return;
        }
    }
}
