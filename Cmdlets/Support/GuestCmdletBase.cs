using System.Management.Automation;
using VirtLab.Engine;

namespace VirtLab.Cmdlets;

/// <summary>
/// Base of the interactive-debugging cmdlets (Step-Guest, Get-GuestRegister, Read-GuestMemory...):
/// they act on one guest's machine, which keeps its state between calls. The machine comes from
/// <c>-Machine</c> (a <see cref="Engine.Machine"/> built in PowerShell, or from the pipeline).
/// </summary>
public abstract class GuestCmdletBase : PSCmdlet
{
    /// <summary>Parameter set of <see cref="Machine"/>.</summary>
    protected const string MachineSet = "Machine";

    /// <summary>A machine to act on directly.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MachineSet, ValueFromPipeline = true)]
    public Machine Machine { get; set; } = null!;

    /// <summary>The machine the cmdlet acts on for the current input object.</summary>
    protected Machine TargetMachine => Machine;

    /// <summary>What the error records name as their target: the guest, or the machine.</summary>
    protected object TargetObject => Machine;

    /// <summary>The guest's symbols (labels of its assembly source or ELF image), or null.</summary>
    protected Engine.Images.SymbolTable? GuestSymbols => null;

    /// <summary>A short name for messages and ShouldProcess ("the machine", or "guest 'hello'").</summary>
    protected string TargetDescription => "the machine";
}
