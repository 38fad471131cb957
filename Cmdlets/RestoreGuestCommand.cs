using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Returns a guest's machine to a checkpoint taken by Checkpoint-Guest.</para>
/// Restores RAM, the CPU and every device to the instant of the checkpoint, on the machine it was
/// taken from. When the guest has a new machine since (Start-Guest or a Reset rebuilt it), the
/// checkpoint cannot apply and the cmdlet says so.
/// </summary>
/// <example>
/// <code>
/// $cp = $g | Checkpoint-Guest
/// $g | Write-GuestMemory 0x500 0xCC
/// $cp | Restore-Guest -PassThru
/// </code>
/// <para>Undoes a memory write by restoring the checkpoint, and shows the checkpoint restored.</para>
/// </example>
[Cmdlet(VerbsData.Restore, "Guest", SupportsShouldProcess = true)]
[OutputType(typeof(GuestCheckpoint))]
public sealed class RestoreGuestCommand : PSCmdlet
{
    /// <summary>The checkpoint to return to (from Checkpoint-Guest).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public GuestCheckpoint Checkpoint { get; set; } = null!;

    /// <summary>Writes the checkpoint out after restoring it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var cp = Checkpoint;
        if (cp.Guest is { } guest && !ReferenceEquals(guest.Machine, cp.Machine))
        {
            WriteError(Errors.InvalidOperation($"Guest '{guest.Name}' has a new machine since checkpoint '{cp.Name}' was taken (Start-Guest and Reset rebuild it): the checkpoint no longer applies. Take checkpoints after starting the guest.", "CheckpointStale", cp));
            return;
        }
        string target = cp.Guest is null ? "the machine" : $"guest '{cp.Guest.Name}'";
        if (!ShouldProcess(target, $"Restore checkpoint '{cp.Name}' ({cp.Cs:X4}:{cp.Eip:X8}, {cp.InstructionsRetired} instructions)")) return;
        cp.Machine.RestoreCheckpoint(cp.State);
        if (PassThru) WriteObject(cp);
    }
}
