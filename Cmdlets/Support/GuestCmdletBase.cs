using System.Management.Automation;
using VirtLab.Engine;
using VirtLab.Engine.Images;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// Base of the interactive-debugging cmdlets (Step-Guest, Get-GuestRegister, Read-GuestMemory...):
/// they act on one guest's machine, which keeps its state between calls. The guest comes from
/// <c>-Guest</c> (a lab's guest, from the pipeline), from <c>-Lab</c> with <c>-Name</c> (the lab's
/// only guest when <c>-Name</c> is omitted), or the machine from <c>-Machine</c> (a
/// <see cref="Engine.Machine"/> built in PowerShell).
/// </summary>
public abstract class GuestCmdletBase : PSCmdlet
{
    /// <summary>Parameter set of <see cref="Guest"/>.</summary>
    protected const string GuestSet = "Guest";
    /// <summary>Parameter set of <see cref="Lab"/> and <see cref="GuestName"/>.</summary>
    protected const string LabSet = "Lab";
    /// <summary>Parameter set of <see cref="Machine"/>.</summary>
    protected const string MachineSet = "Machine";

    /// <summary>The guest to act on (Lab.Guests holds them).</summary>
    [Parameter(Mandatory = true, ParameterSetName = GuestSet, ValueFromPipeline = true)]
    public GuestInstance Guest { get; set; } = null!;

    /// <summary>The lab whose guest to act on.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LabSet, ValueFromPipeline = true)]
    public Lab Lab { get; set; } = null!;

    /// <summary>The guest's name in the lab (optional when the lab has one guest).</summary>
    [Parameter(ParameterSetName = LabSet)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? GuestName { get; set; }

    /// <summary>A machine to act on directly.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MachineSet, ValueFromPipeline = true)]
    public Machine Machine { get; set; } = null!;

    private GuestInstance? _resolved;

    /// <summary>Resolves the target for the current input object; false (after writing the error) when the lab has no such guest.</summary>
    protected bool ResolveTarget()
    {
        _resolved = null;
        switch (ParameterSetName)
        {
            case GuestSet: _resolved = Guest; return true;
            case LabSet:
                if (GuestName is null)
                {
                    if (Lab.Guests.Count == 1) { _resolved = Lab.Guests[0]; return true; }
                    WriteError(Errors.Argument($"Lab '{Lab.Name}' has {Lab.Guests.Count} guests: name one with -GuestName ({string.Join(", ", Lab.Guests.Select(g => g.Name))}).", "GuestNameRequired", Lab));
                    return false;
                }
                try { _resolved = Lab.GetGuest(GuestName); return true; }
                catch (KeyNotFoundException e)
                {
                    WriteError(Errors.Record(e, "GuestNotFound", ErrorCategory.ObjectNotFound, GuestName));
                    return false;
                }
            default: return true;
        }
    }

    /// <summary>The machine the cmdlet acts on for the current input object (call <see cref="ResolveTarget"/> first).</summary>
    protected Machine TargetMachine => _resolved?.Machine ?? Machine;

    /// <summary>The guest resolved for the current input object, or null for -Machine.</summary>
    protected GuestInstance? TargetGuest => _resolved;

    /// <summary>What the error records name as their target: the guest, or the machine.</summary>
    protected object TargetObject => (object?)_resolved ?? Machine;

    /// <summary>The guest's symbols (labels of its inline assembly), or null.</summary>
    protected SymbolTable? GuestSymbols
    {
        get
        {
            if (_resolved is null || _resolved.Definition.Symbols.Count == 0) return null;
            var table = new SymbolTable();
            foreach (var (name, address) in _resolved.Definition.Symbols.OrderBy(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)) table.Add(name, address);
            return table;
        }
    }

    /// <summary>The VMCS owner of the target (the HardwareMonitor of its last Hardware-mode run), or null after writing the NoVmcs error.</summary>
    protected Engine.Vmm.Hardware.HardwareMonitor? ResolveHardwareMonitor()
    {
        var monitor = HardwareTarget.Find(TargetGuest, TargetMachine);
        if (monitor is null) WriteError(Errors.InvalidOperation(HardwareTarget.Missing(TargetDescription), "NoVmcs", TargetObject));
        return monitor;
    }

    /// <summary>A short name for ShouldProcess: "guest 'hello'" or "the machine".</summary>
    protected string TargetDescription => _resolved is null ? "the machine" : $"guest '{_resolved.Name}'";
}
