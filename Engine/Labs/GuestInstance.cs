using System.Diagnostics;
using VirtLab.Engine.Vmm;

namespace VirtLab.Engine.Labs;

/// <summary>
/// A guest of a lab with its machine. The machine is built from the definition and kept between
/// calls, so a guest can be stepped, inspected and continued; <see cref="Run"/> and
/// <see cref="Reset"/> return it to the lab's start state (a checkpoint taken when it was built), so
/// the same <see cref="Machine"/> object, its checkpoints and breakpoints last the guest's life.
/// </summary>
public sealed class GuestInstance
{
    /// <summary>Instructions per slice of a run: cancellation and progress are checked between slices.</summary>
    public const long SliceInstructions = 1_000_000;

    private readonly string _lab;

    /// <summary>The slice length (tests shorten it to prove that slicing does not change a run).</summary>
    internal long Slice { get; set; } = SliceInstructions;

    internal GuestInstance(string lab, GuestDefinition definition)
    {
        _lab = lab;
        Definition = definition;
        Machine = MachineBuilder.Build(definition);
        _start = Machine.CreateCheckpoint();
    }

    /// <summary>The machine as the lab builds it, restored by <see cref="Reset"/> (so the machine object, its checkpoints and breakpoints survive runs).</summary>
    private readonly MachineCheckpoint _start;

    /// <summary>The guest's name.</summary>
    public string Name => Definition.Name;
    /// <summary>The guest's definition.</summary>
    public GuestDefinition Definition { get; }
    /// <summary>The guest's machine: the same object for the guest's whole life; <see cref="Run"/> and <see cref="Reset"/> return it to the lab's start state.</summary>
    public Machine Machine { get; }
    /// <summary>The mode of the last run (Native before any run).</summary>
    public GuestMode CurrentMode { get; private set; } = GuestMode.Native;
    /// <summary>The last run or continuation, or null.</summary>
    public GuestRun? LastRun { get; private set; }

    /// <summary>Returns the machine to the lab's start state (RAM, CPU and devices as the lab built them).</summary>
    public void Reset()
    {
        Machine.RestoreCheckpoint(_start);
        Machine.Cpu.Monitor = null;
        Machine.Cpu.SecondLevel = null; // a Hardware run's EPT leaves with its monitor
        _monitor = null;
    }

    /// <summary>
    /// Resets the guest to its start state and runs it in <paramref name="mode"/> (default: the lab's)
    /// for up to <paramref name="maxInstructions"/> (default: the lab's), in slices of
    /// <see cref="SliceInstructions"/>. A cancellation returns the partial run with <see cref="GuestRun.Cancelled"/> set.
    /// </summary>
    /// <exception cref="ModeNotAvailableException">The mode's technique is not built yet.</exception>
    public GuestRun Run(GuestMode? mode = null, long? maxInstructions = null, CancellationToken cancellationToken = default, IProgress<RunProgress>? progress = null)
        => Run(mode, maxInstructions, null, cancellationToken, progress);

    /// <summary>
    /// As <see cref="Run(GuestMode?, long?, CancellationToken, IProgress{RunProgress}?)"/>, with VM-exit handlers for this run
    /// in Hardware mode, on top of the guest's registered <see cref="ExitHandlers"/>.
    /// </summary>
    public GuestRun Run(GuestMode? mode, long? maxInstructions, IReadOnlyDictionary<Vmm.Hardware.VmExitReason, Vmm.Hardware.VmExitHandler>? exitHandlers,
        CancellationToken cancellationToken = default, IProgress<RunProgress>? progress = null)
    {
        var m = mode ?? Definition.Mode;
        long max = maxInstructions ?? Definition.MaxInstructions;
        if (max < 1) throw new ArgumentOutOfRangeException(nameof(maxInstructions), max, "The instruction budget must be at least 1.");
        var monitor = CreateMonitor(m);
        if (monitor is Vmm.Hardware.HardwareMonitor hw && exitHandlers is not null)
            foreach (var (reason, handler) in exitHandlers) hw.Handlers[reason] = handler;
        Reset();
        CurrentMode = m;
        Machine.Cpu.Monitor = null;
        monitor.Attach(Machine);
        _monitor = monitor;
        return Execute(monitor, max, cancellationToken, progress, firstExit: 0, startCycles: 0, prepare: false);
    }

    /// <summary>Runs on from the current state (after a run, a step or a register change) for up to <paramref name="maxInstructions"/>.</summary>
    public GuestRun Continue(long maxInstructions, CancellationToken cancellationToken = default)
    {
        if (maxInstructions < 1) throw new ArgumentOutOfRangeException(nameof(maxInstructions), maxInstructions, "The instruction budget must be at least 1.");
        if (_monitor is null)
        {
            _monitor = CreateMonitor(CurrentMode);
            Machine.Cpu.Monitor = null;
            _monitor.Attach(Machine);
        }
        return Execute(_monitor, maxInstructions, cancellationToken, null, _monitor.Exits.Count, _monitor.Cycles, prepare: true);
    }

    /// <summary>The monitor of the last run, kept so that a continuation goes on under the same technique state (VMCS, hypervisor tables).</summary>
    private IVirtualMachineMonitor? _monitor;

    /// <summary>The technique of the last run (null before the first): its exits, cycles and state (the VMCS in Hardware mode).</summary>
    public IVirtualMachineMonitor? Monitor => _monitor;

    /// <summary>VM-exit handlers every Hardware-mode run of this guest uses (Register-VmExitHandler), by basic exit reason.</summary>
    public Dictionary<Vmm.Hardware.VmExitReason, Vmm.Hardware.VmExitHandler> ExitHandlers { get; } = new();

    private IVirtualMachineMonitor CreateMonitor(GuestMode mode)
    {
        switch (mode)
        {
            case GuestMode.Native: return new NativeMonitor();
            case GuestMode.Para: return new Vmm.Para.ParaMonitor(Definition);
            case GuestMode.Hardware:
                var hw = new Vmm.Hardware.HardwareMonitor(Definition);
                foreach (var (reason, handler) in ExitHandlers) hw.Handlers[reason] = handler;
                return hw;
            default: throw new ModeNotAvailableException(mode);
        }
    }

    /// <summary>Runs the attached <paramref name="monitor"/>; the run's exits and cycles are those from <paramref name="firstExit"/> and <paramref name="startCycles"/> (a launch that failed at attach belongs to this run).</summary>
    private GuestRun Execute(IVirtualMachineMonitor monitor, long max, CancellationToken ct, IProgress<RunProgress>? progress, int firstExit, long startCycles, bool prepare)
    {
        var machine = Machine;
        var clock = Stopwatch.StartNew();
        // The CPU's budget counts retired instructions, delivered faults and idle time (HLT waiting
        // for a timer); the slices share one budget of that kind, so a sliced run is the same run.
        var cpu = machine.Cpu;
        long Consumed() => cpu.InstructionsRetired + cpu.FaultsDelivered + cpu.IdleTime;
        long startConsumed = Consumed(), startRetired = cpu.InstructionsRetired, startFaults = cpu.FaultsDelivered;
        var reason = StopReason.BudgetExhausted;
        bool cancelled = false;
        int? exitCode = null;
        // A continuation re-enters a monitor a VMM's stop or a failed entry left in root operation; a new run's
        // Attach has just tried to enter.
        bool runnable = !prepare || monitor.PrepareToRun();
        if (!runnable) reason = StopReason.MonitorStop;
        for (long used = 0; runnable && used < max; used = Consumed() - startConsumed)
        {
            if (ct.IsCancellationRequested) { cancelled = true; break; }
            var r = machine.Run(Math.Min(Slice, max - used));
            reason = r.StopReason;
            exitCode = r.ExitCode;
            progress?.Report(new RunProgress(cpu.InstructionsRetired - startRetired, max, clock.Elapsed));
            if (reason != StopReason.BudgetExhausted) break;
        }
        long retired = cpu.InstructionsRetired - startRetired, faults = cpu.FaultsDelivered - startFaults;
        clock.Stop();
        var snapshots = new Dictionary<uint, byte[]>();
        if (Definition.Expect is { } e)
            foreach (var me in e.Memory) snapshots[me.Address] = machine.Memory.Read(me.Address, me.Bytes.Length);
        var run = new GuestRun
        {
            Lab = _lab, Guest = Name, Mode = monitor.Mode, StopReason = reason, Cancelled = cancelled, ExitCode = exitCode,
            ConsoleText = machine.Console.Text, PostCodes = machine.PostPort.Codes.ToArray(), InstructionsRetired = retired,
            MaxInstructions = max, Exits = monitor.Exits.Count - firstExit > 10_000 ? new ExitSlice(monitor.Exits, firstExit, monitor.Exits.Count - firstExit) : monitor.Exits.Skip(firstExit).ToArray(), SimulatedCycles = monitor.Cycles - startCycles, HostTime = clock.Elapsed,
            Registers = GuestRegisters.Snapshot(machine.Cpu), FaultsDelivered = faults, MemorySnapshots = snapshots,
            StopMessage = reason == StopReason.MonitorStop || reason == StopReason.TripleFault ? monitor.StopMessage : null,
        };
        LastRun = run;
        return run;
    }
}
