using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Saves the whole state of a guest's machine, to return to it with Restore-Guest.</para>
/// Captures RAM, the CPU (registers, descriptor caches, control and debug registers, flags, MSRs,
/// interrupt state, virtual time) and every device, and returns it as a checkpoint object. A
/// checkpoint belongs to the machine it was taken from; a guest keeps its machine across
/// Start-Guest runs, so its checkpoints stay valid.
/// </summary>
/// <example>
/// <code>
/// $g = $lab.Guests[0]
/// $before = $g | Checkpoint-Guest -Name before-loop
/// $g | Step-Guest -Count 100
/// $before | Restore-Guest
/// </code>
/// <para>Saves a guest, steps it, then puts it back where it was.</para>
/// </example>
[Cmdlet(VerbsData.Checkpoint, "Guest", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestCheckpoint))]
public sealed class CheckpointGuestCommand : GuestCmdletBase
{
    /// <summary>A label for the checkpoint (default: the guest's name and the instruction count).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        var machine = TargetMachine;
        var state = machine.CreateCheckpoint();
        string label = Name ?? $"{TargetGuest?.Name ?? "machine"}@{state.InstructionsRetired}";
        WriteObject(new GuestCheckpoint(label, TargetGuest, machine, state));
    }
}
