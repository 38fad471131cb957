using System.Management.Automation;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes a guest's exit handlers (Register-VmExitHandler): those of the given reasons, or all.</para>
/// Exits of those reasons go back to the built-in VMM in the next run.
/// </summary>
/// <example>
/// <code>
/// Unregister-VmExitHandler -Lab $lab -Reason Cpuid
/// </code>
/// <para>CPUID exits are handled by the built-in VMM again.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Unregister, "VmExitHandler", DefaultParameterSetName = GuestSet, SupportsShouldProcess = true)]
public sealed class UnregisterVmExitHandlerCommand : GuestCmdletBase
{
    /// <summary>Exit reasons whose handlers to remove; default: every handler.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(VmExitReasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Reason { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (TargetGuest is not { } guest)
        {
            WriteError(Errors.Argument("Exit handlers belong to a lab's guest: use -Guest or -Lab.", "GuestRequired", TargetObject));
            return;
        }
        var reasons = new List<VmExitReason>();
        if (Reason is null) reasons.AddRange(guest.ExitHandlers.Keys);
        else
            foreach (var text in Reason)
            {
                try
                {
                    var r = VmExitReasonField.Parse(text);
                    if (guest.ExitHandlers.ContainsKey(r)) reasons.Add(r);
                    else WriteError(Errors.NotFound($"Guest '{guest.Name}' has no handler for {r} exits.", "HandlerNotFound", text));
                }
                catch (ArgumentException e) { WriteError(Errors.Record(e, "UnknownExitReason", ErrorCategory.InvalidArgument, text)); }
            }
        foreach (var r in reasons)
            if (ShouldProcess(TargetDescription, $"Remove the {r} exit handler")) guest.ExitHandlers.Remove(r);
    }
}
