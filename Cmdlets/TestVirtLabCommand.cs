using System.Management.Automation;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Runs a lab and checks its expect section: one result per expectation.</para>
/// Runs each guest that has an <c>expect</c> section (or those named by <c>-Name</c>) in its
/// lab's mode (or <c>-Mode</c>) and checks every expectation: stop reason, exit code, console
/// text, POST codes, registers, memory bytes, VM exits. Each result says what was expected and
/// what the run showed. <c>-Quiet</c> returns one Boolean: true when every expectation of every guest held.
/// </summary>
/// <example>
/// <code>
/// New-VirtLab ./Labs/hello.yaml | Test-VirtLab
/// </code>
/// <para>Shows each expectation of the hello lab with Passed, Expected and Actual.</para>
/// </example>
/// <example>
/// <code>
/// if (-not (Get-ChildItem ./Labs/*.yaml | New-VirtLab | Test-VirtLab -Quiet)) { throw 'a sample lab fails' }
/// </code>
/// <para>Checks every sample lab and stops a script when one fails.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "VirtLab")]
[OutputType(typeof(ExpectationResult))]
[OutputType(typeof(bool))]
public sealed class TestVirtLabCommand : PSCmdlet
{
    /// <summary>The lab to check (from New-VirtLab).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public Lab Lab { get; set; } = null!;

    /// <summary>Names of the guests to check (default: every guest with an expect section).</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Run in this mode instead of the lab's.</summary>
    [Parameter]
    public GuestMode? Mode { get; set; }

    /// <summary>Return a single Boolean instead of the results.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private bool _allPassed = true;
    private readonly CancellationTokenSource _stop = new();

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IEnumerable<GuestInstance> guests;
        if (Name is null) guests = Lab.Guests.Where(g => g.Definition.Expect is not null);
        else
        {
            var selected = new List<GuestInstance>();
            foreach (var n in Name)
            {
                try { selected.Add(Lab.GetGuest(n)); }
                catch (KeyNotFoundException e) { _allPassed = false; WriteError(Errors.Record(e, "GuestNotFound", ErrorCategory.ObjectNotFound, n)); }
            }
            guests = selected;
        }
        foreach (var g in guests)
        {
            if (g.Definition.Expect is null)
            {
                WriteWarning($"Guest '{g.Name}' of lab '{Lab.Name}' has no expect section: nothing to check.");
                continue;
            }
            GuestRun run;
            try { run = g.Run(Mode, cancellationToken: _stop.Token); }
            catch (ModeNotAvailableException e)
            {
                ThrowTerminatingError(Errors.Record(e, "ModeNotAvailable", ErrorCategory.NotImplemented, e.Mode));
                return;
            }
            if (run.Cancelled) return; // Ctrl-C: a partial run proves nothing either way
            foreach (var result in ExpectationChecker.Check(g.Definition, run))
            {
                if (!result.Passed) _allPassed = false;
                if (!Quiet) WriteObject(result);
            }
        }
    }

    /// <inheritdoc />
    protected override void StopProcessing() => _stop.Cancel();

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (Quiet) WriteObject(_allPassed);
    }
}
