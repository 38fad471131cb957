using VirtLab.Engine.Labs;

namespace VirtLab.Engine.Vmm;

/// <summary>
/// Native execution: no monitor sits beside the CPU (<see cref="Cpu.Monitor"/> stays null), so there
/// are no exits, and cycles are the instructions retired since <see cref="Attach"/> at
/// <see cref="CostModel.NativeCyclesPerInstruction"/>.
/// </summary>
public sealed class NativeMonitor : IVirtualMachineMonitor
{
    private Machine? _machine;
    private long _start;

    /// <inheritdoc/>
    public GuestMode Mode => GuestMode.Native;

    /// <inheritdoc/>
    public void Attach(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (machine.Cpu.Monitor is not null) throw new InvalidOperationException("Native execution needs a machine without a monitor; this one has " + machine.Cpu.Monitor.GetType().Name + ".");
        _machine = machine;
        _start = machine.Cpu.InstructionsRetired;
    }

    /// <inheritdoc/>
    public IReadOnlyList<VmExit> Exits => Array.Empty<VmExit>();

    /// <inheritdoc/>
    public long Cycles => _machine is null ? 0 : (_machine.Cpu.InstructionsRetired - _start) * CostModel.NativeCyclesPerInstruction;
}
