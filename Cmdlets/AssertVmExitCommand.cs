using System.Management.Automation;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Fails unless a run holds a VM exit with the given reason (exactly -Times times when given).</para>
/// Works without Pester: a failed assertion is a terminating error (InvalidResult) whose message
/// lists the exits the run does hold. <c>-Not</c> inverts the check. <c>-PassThru</c> returns the
/// run so assertions can be chained. The same check is Pester's <c>Should -HaveVmExit</c>.
/// </summary>
/// <example>
/// <code>
/// Start-Guest -Lab $lab -Mode Hardware | Assert-VmExit -Reason IoInstruction -Times 19
/// </code>
/// <para>Stops the script unless the run made exactly 19 I/O-instruction exits.</para>
/// </example>
/// <example>
/// <code>
/// $run | Assert-VmExit Hlt -Not -PassThru | Get-VmExit
/// </code>
/// <para>Checks that no HLT exit happened, then lists the run's exits.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Assert, "VmExit")]
[OutputType(typeof(GuestRun))]
public sealed class AssertVmExitCommand : PSCmdlet
{
    /// <summary>The run to check (from Start-Guest).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public GuestRun Run { get; set; } = null!;

    /// <summary>The exit reason (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(ExitReasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string Reason { get; set; } = "";

    /// <summary>The exact number of such exits (default: at least one).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Times { get; set; }

    /// <summary>Assert the opposite: no such exit (or, with -Times, not exactly that many).</summary>
    [Parameter]
    public SwitchParameter Not { get; set; }

    /// <summary>Returns the run when the assertion holds.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var failure = VmExitAssertion.Check(Run, Reason, Times, Not);
        if (failure is not null)
        {
            ThrowTerminatingError(Errors.Record(new InvalidOperationException($"Run of guest '{Run.Guest}' ({Run.Mode}): {failure}"), "VmExitAssertionFailed", ErrorCategory.InvalidResult, Run));
            return;
        }
        if (PassThru) WriteObject(Run);
    }
}
