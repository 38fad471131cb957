using System.Management.Automation;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Reads the VMCS of a guest that ran in Hardware mode: every field, or those named.</para>
/// The fields are the SDM's (Vol. 3C appendix B), by their lower-case names (<c>guest_rip</c>,
/// <c>exit_qualification</c>, <c>cpu_based_vm_exec_control</c>), each with its encoding, width,
/// type and value, as VMREAD returns it. <c>-Name</c> takes wildcards and encodings (<c>0x681E</c>).
/// After a run the VMCS holds the last exit's information and the guest state saved then.
/// </summary>
/// <example>
/// <code>
/// Start-Guest -Lab $lab -Mode Hardware | Out-Null
/// Get-Vmcs -Lab $lab -Name vm_exit_reason, exit_qualification, guest_rip
/// </code>
/// <para>Shows the last exit's reason and qualification and where the guest stopped.</para>
/// </example>
/// <example>
/// <code>
/// $lab.Guests[0] | Get-Vmcs -Name guest_*_selector
/// </code>
/// <para>Shows the guest's segment selectors as the last exit saved them.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "Vmcs", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(VmcsFieldValue))]
public sealed class GetVmcsCommand : GuestCmdletBase
{
    /// <summary>Field names (wildcards) or encodings; default: every field.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(VmcsFieldCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (ResolveHardwareMonitor() is not { } monitor) return;
        var all = monitor.Vmcs.Fields().ToList();
        if (Name is null) { WriteObject(all, enumerateCollection: true); return; }
        foreach (var n in Name)
        {
            if (WildcardPattern.ContainsWildcardCharacters(n))
            {
                var pattern = new WildcardPattern(n, WildcardOptions.IgnoreCase);
                var matches = all.Where(f => pattern.IsMatch(f.Name)).ToList();
                if (matches.Count == 0) WriteError(Errors.NotFound($"No VMCS field matches '{n}'.", "VmcsFieldNotFound", n));
                WriteObject(matches, enumerateCollection: true);
                continue;
            }
            try
            {
                var field = VmcsFieldInfo.Parse(n);
                WriteObject(all.First(f => f.Field == field));
            }
            catch (VmxException e) { WriteError(Errors.Record(e, "VmcsFieldNotFound", ErrorCategory.ObjectNotFound, n)); }
        }
    }
}
