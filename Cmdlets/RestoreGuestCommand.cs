using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Returns a guest's machine to a checkpoint taken by Checkpoint-Guest.</para>
/// Restores RAM, the CPU and every device to the instant of the checkpoint, on the machine it was
/// taken from. A guest keeps its machine for its whole life (Start-Guest and Reset return it to the
/// lab's start state), so a checkpoint stays valid across runs.
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
        string target = cp.Guest is null ? "the machine" : $"guest '{cp.Guest.Name}'";
        if (!ShouldProcess(target, $"Restore checkpoint '{cp.Name}' ({cp.Cs:X4}:{cp.Eip:X8}, {cp.InstructionsRetired} instructions)")) return;
        cp.Machine.RestoreCheckpoint(cp.State);
        // A checkpoint holds the machine (CPU, memory, devices), not the technique beside it.
        if (cp.Machine.Cpu.Monitor is Engine.Vmm.Para.ParaMonitor)
            WriteWarning($"{target} runs under the paravirtual hypervisor, whose own state (page types, event channels, timers) is not part of a checkpoint: it stays as it was before the restore. Start-Guest again for a consistent run.");
        if (PassThru) WriteObject(cp);
    }
}
