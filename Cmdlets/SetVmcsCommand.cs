using System.Management.Automation;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Writes a field of a guest's VMCS, as VMWRITE does; the next run or continuation enters with it.</para>
/// The value is truncated to the field's width. A read-only VM-exit information field fails with
/// VM-instruction error 13 and an unknown name with error 12, as VMWRITE would. Use it between runs:
/// change a control, a read shadow or a guest-state field, then <c>Start-Guest</c> again (a new run
/// builds a new VMCS from the lab; <c>Step-Guest</c> and continuations keep this one). After a failed
/// VM entry, fix the field and continue: the next run enters again (VMRESUME).
/// </summary>
/// <example>
/// <code>
/// Set-Vmcs -Lab $lab -Name exception_bitmap -Value 0x4000
/// </code>
/// <para>Makes every page fault exit from now on.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "Vmcs", DefaultParameterSetName = GuestSet, SupportsShouldProcess = true)]
[OutputType(typeof(VmcsFieldValue))]
public sealed class SetVmcsCommand : GuestCmdletBase
{
    /// <summary>The field's name (guest_rip, cr0_read_shadow, ...) or encoding (0x681E).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(VmcsFieldCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>The value to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public ulong Value { get; set; }

    /// <summary>Return the field as written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (ResolveHardwareMonitor() is not { } monitor) return;
        if (!ShouldProcess(TargetDescription, $"VMWRITE {Name} = 0x{Value:X}")) return;
        try
        {
            monitor.Vmcs.Write(Name, Value);
            if (PassThru) WriteObject(monitor.Vmcs.Fields().First(f => f.Field == VmcsFieldInfo.Parse(Name)));
        }
        catch (VmxException e)
        {
            WriteError(Errors.Record(e, e.Error == VmxInstructionError.VmwriteReadOnlyVmcsComponent ? "VmcsFieldReadOnly" : "VmcsFieldNotFound",
                ErrorCategory.InvalidArgument, Name));
        }
    }
}
