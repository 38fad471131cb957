using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Simulated VT-x: the logical processor in VMX operation with one VMCS, and the built-in VMM in
/// VMX root operation. The guest runs unmodified on the engine's CPU in non-root operation; the CPU
/// reports every instruction and event that may exit (<see cref="ICpuMonitor"/>), this class decides
/// from the VMCS controls whether it does (SDM Vol. 3C chapter 25), and on an exit saves the guest
/// state, writes the exit-information fields (chapter 27), runs the handler for the basic reason (a
/// scripted one from <see cref="Handlers"/>, else <see cref="BuiltInVmm"/>), and enters the guest
/// again with the checks, state loading and event injection of chapter 26.
/// </summary>
public sealed partial class HardwareMonitor : IVirtualMachineMonitor, ICpuMonitor
{
    /// <summary>At most this many exits are kept as records (all are counted and charged).</summary>
    public const int DefaultRecordLimit = 1_000_000;

    private readonly VmExitContext _context;
    private Machine? _machine;
    private long _startRetired, _exitCount;
    private bool _inVmxNonRoot;

    /// <summary>A monitor with the given settings (the lab's <c>hardware:</c> section; defaults when null).</summary>
    public HardwareMonitor(HardwareSettings? settings = null, IReadOnlyList<EptRegion>? memoryMap = null)
    {
        Settings = settings ?? new HardwareSettings();
        _memoryMap = memoryMap;
        _context = new VmExitContext(this);
        _exits = new ExitLog(Settings.ExitCycles);
    }

    private readonly ExitLog _exits;

    /// <summary>A monitor for a lab guest: its <c>hardware:</c> settings and, for the EPT, its memory map.</summary>
    public HardwareMonitor(GuestDefinition guest) : this(guest?.Hardware, VmcsSetup.FromMemoryMap(guest!)) { }

    /// <summary>Size of the VMM's own memory (<see cref="HostMemory"/>).</summary>
    public const uint HostMemorySize = 1u << 20;

    private readonly IReadOnlyList<EptRegion>? _memoryMap;

    /// <summary>The regions the EPT maps: the settings' explicit list, else the lab's memory map, else the machine's RAM and ROM (identity, RWX).</summary>
    public IReadOnlyList<EptRegion>? EptRegions { get; private set; }

    /// <summary>The settings the VMCS was built from.</summary>
    public HardwareSettings Settings { get; }
    /// <summary>The current VMCS.</summary>
    public Vmcs Vmcs { get; } = new();
    /// <summary>The VMM's own memory (not reachable by the guest): I/O and MSR bitmaps, EPT paging structures.</summary>
    public PhysicalMemory HostMemory { get; } = new(HostMemorySize);
    /// <summary>Scripted handlers by basic exit reason; a reason without one goes to the built-in VMM.</summary>
    public Dictionary<VmExitReason, VmExitHandler> Handlers { get; } = new();
    /// <summary>Records kept at most (<see cref="DefaultRecordLimit"/>).</summary>
    public int RecordLimit { get; set; } = DefaultRecordLimit;
    /// <summary>Exits taken, including those beyond <see cref="RecordLimit"/>.</summary>
    public long ExitCount => _exitCount;
    /// <summary>Why the last run stopped, when the VMM or a failed VM entry stopped it.</summary>
    public string? StopMessage { get; private set; }
    /// <summary>The failure of the last VM entry, or null.</summary>
    public VmEntryFailure? EntryFailure { get; private set; }

    /// <summary>The guest's machine.</summary>
    public Machine Machine => _machine ?? throw new InvalidOperationException("The monitor is not attached to a machine.");

    /// <inheritdoc/>
    public GuestMode Mode => GuestMode.Hardware;
    /// <inheritdoc/>
    public IReadOnlyList<VmExit> Exits => _exits;
    /// <inheritdoc/>
    public long Cycles => _machine is null ? 0 : (_machine.Cpu.InstructionsRetired - _startRetired) * CostModel.NativeCyclesPerInstruction + _exitCount * Settings.ExitCycles;

    /// <summary>
    /// Takes the machine into VMX non-root operation: builds the VMCS (controls, bitmaps, EPT, host state,
    /// and the guest state from the CPU as it is) and launches. A launch that fails leaves the monitor
    /// attached with <see cref="EntryFailure"/> set; the run then stops at once.
    /// </summary>
    public void Attach(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (machine.Cpu.Monitor is not null) throw new InvalidOperationException("The machine already has a monitor (" + machine.Cpu.Monitor.GetType().Name + ").");
        _machine = machine;
        _startRetired = machine.Cpu.InstructionsRetired;
        EptRegions = Settings.Ept ?? _memoryMap ?? VmcsSetup.FromMachine(machine.Memory);
        VmcsSetup.Build(this, machine.Cpu);
        machine.Cpu.Monitor = this;
        _inVmxNonRoot = true;
        Enter(launch: true);
    }

    /// <summary>True while the guest runs in VMX non-root operation (false after a failed entry or a stop).</summary>
    public bool InNonRootOperation => _inVmxNonRoot;

    /// <summary>The guest runs only in VMX non-root operation: after a failed entry or a VMM's stop, <see cref="PrepareToRun"/> (VMRESUME) comes first.</summary>
    public bool Runnable => _inVmxNonRoot;
}
