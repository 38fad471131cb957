using System.Diagnostics;
using System.Management.Automation;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Runs a guest of a lab and returns the run: stop reason, exit code, console text, exits, cycles.</para>
/// Resets the guest to the lab's start state and runs it in <c>-Mode</c> (default: the lab's) for
/// up to <c>-MaxInstructions</c> (default: the lab's budget). Without <c>-Name</c> every guest of
/// the lab runs, in file order. A run that lasts more than a second shows a progress bar.
/// <c>-TimeoutSec</c> ends a run after that much host time; the partial run is returned with
/// Cancelled set and a warning. Ctrl-C (StopProcessing) stops the engine within a slice of a
/// million instructions; PowerShell then discards the pipeline's output, so the partial run is kept
/// on the guest as LastRun (<c>$lab.Guests[0].LastRun</c>). A mode whose technique is not built yet
/// is a terminating error naming the mode.
/// </summary>
/// <example>
/// <code>
/// New-VirtLab ./Labs/hello.yaml | Start-Guest
/// </code>
/// <para>Runs the hello lab's guest natively and shows the run.</para>
/// </example>
/// <example>
/// <code>
/// $run = Start-Guest -Lab $lab -Name hello -MaxInstructions 1000 -TimeoutSec 5
/// $run.ConsoleText
/// </code>
/// <para>Runs one guest with a smaller budget and a time limit, then prints what it wrote on the console.</para>
/// </example>
/// <example>
/// <code>
/// Start-Guest -Lab $lab -Mode Hardware | Get-VmExit | Group-Object Reason
/// </code>
/// <para>Counts the VM exits of a run under simulated VT-x, by reason.</para>
/// </example>
/// <example>
/// <code>
/// Start-Guest -Lab $lab -Mode Hardware -ExitHandler @{ Hlt = { $_.Stop('the guest halted') } }
/// </code>
/// <para>Runs under VT-x with a scripted VMM for HLT exits; the other reasons go to the built-in VMM.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "Guest", DefaultParameterSetName = LabSet, SupportsShouldProcess = true)]
[OutputType(typeof(GuestRun))]
public sealed class StartGuestCommand : PSCmdlet
{
    private const string LabSet = "Lab", GuestSet = "Guest";

    /// <summary>The lab whose guests to run.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LabSet, ValueFromPipeline = true)]
    public Lab Lab { get; set; } = null!;

    /// <summary>Names of the guests to run (default: every guest of the lab).</summary>
    [Parameter(Position = 1, ParameterSetName = LabSet)]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>A guest to run (an element of a lab's Guests).</summary>
    [Parameter(Mandatory = true, ParameterSetName = GuestSet, ValueFromPipeline = true)]
    public GuestInstance Guest { get; set; } = null!;

    /// <summary>Native, Full (binary translation), Para (paravirtualization) or Hardware (simulated VT-x); default: the lab's mode for the guest.</summary>
    [Parameter]
    public GuestMode? Mode { get; set; }

    /// <summary>Instruction budget (default: the lab's, 100,000,000 unless the lab says otherwise).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long? MaxInstructions { get; set; }

    /// <summary>Host seconds after which the run stops and the partial run is returned (Cancelled set).</summary>
    [Parameter]
    [ValidateRange(0.001, 86400.0)]
    public double? TimeoutSec { get; set; }

    /// <summary>
    /// VM-exit handlers for this run in Hardware mode: a hashtable of exit reason (Cpuid, IoInstruction, 10, ...)
    /// to scriptblock, each run at its exits with the exit as <c>$_</c> (see Register-VmExitHandler). A run with
    /// scriptblock handlers happens on the pipeline's thread.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public System.Collections.Hashtable? ExitHandler { get; set; }

    private CancellationTokenSource? _stop;
    private List<ScriptExitHandler>? _handlers;

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        if (ExitHandler is null) return;
        try { _handlers = ScriptExitHandler.FromHashtable(ExitHandler); }
        catch (ArgumentException e) { ThrowTerminatingError(Errors.Record(e, "BadExitHandler", ErrorCategory.InvalidArgument, ExitHandler)); }
    }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (ParameterSetName == GuestSet) { RunOne(Guest); return; }
        IEnumerable<GuestInstance> guests = Lab.Guests;
        if (Name is not null)
        {
            var selected = new List<GuestInstance>();
            foreach (var n in Name)
            {
                try { selected.Add(Lab.GetGuest(n)); }
                catch (KeyNotFoundException e) { WriteError(Errors.Record(e, "GuestNotFound", ErrorCategory.ObjectNotFound, n)); }
            }
            guests = selected;
        }
        foreach (var g in guests)
        {
            if (Stopping) return;
            RunOne(g);
        }
    }

    private void RunOne(GuestInstance guest)
    {
        var mode = Mode ?? guest.Definition.Mode;
        if (!ShouldProcess($"guest '{guest.Name}'", $"Run in {mode} mode")) return;
        using var stop = new CancellationTokenSource();
        _stop = stop;
        if (TimeoutSec is { } t) stop.CancelAfter(TimeSpan.FromSeconds(t));
        var progress = new LatestProgress();
        var clock = Stopwatch.StartNew();
        var handlers = _handlers?.ToDictionary(h => h.Reason, h => h.Handler);
        if (handlers is { Count: > 0 } && mode != GuestMode.Hardware)
            WriteWarning($"-ExitHandler applies to Hardware mode; guest '{guest.Name}' runs in {mode} mode, so its handlers are not used.");
        // A scriptblock runs only on its runspace's thread: with scripted handlers the run happens here.
        bool scripted = handlers is { Count: > 0 } || guest.ExitHandlers.Values.Any(h => h.Target is ScriptExitHandler);
        if (scripted && mode == GuestMode.Hardware)
        {
            GuestRun direct;
            try { direct = guest.Run(mode, MaxInstructions, handlers, stop.Token, null); }
            catch (ModeNotAvailableException e) { ThrowTerminatingError(Errors.Record(e, "ModeNotAvailable", ErrorCategory.NotImplemented, e.Mode)); return; }
            _stop = null;
            foreach (var h in (_handlers ?? new()).Concat(guest.ExitHandlers.Values.Select(v => v.Target).OfType<ScriptExitHandler>()))
                if (h.Error is { } err) WriteError(err);
            Finish(guest, direct);
            return;
        }
        var task = Task.Run(() => guest.Run(mode, MaxInstructions, handlers, stop.Token, progress));
        var activity = $"Running guest '{guest.Name}' ({mode})";
        bool shown = false;
        // Wait on a continuation: Task.Wait on the run itself would throw its exception wrapped in an AggregateException.
        var finished = task.ContinueWith(static _ => { }, TaskContinuationOptions.ExecuteSynchronously);
        while (!finished.Wait(100))
        {
            if (clock.Elapsed < TimeSpan.FromSeconds(1) || Stopping) continue;
            var p = progress.Latest;
            var record = new ProgressRecord(1, activity, p is null ? "starting" : $"{p.InstructionsRetired:N0} of {p.MaxInstructions:N0} instructions");
            if (p is not null && p.MaxInstructions > 0) record.PercentComplete = (int)Math.Min(100, p.InstructionsRetired * 100 / p.MaxInstructions);
            WriteProgress(record);
            shown = true;
        }
        _stop = null;
        if (shown && !Stopping) WriteProgress(new ProgressRecord(1, activity, "done") { RecordType = ProgressRecordType.Completed });
        GuestRun run;
        try { run = task.GetAwaiter().GetResult(); }
        catch (ModeNotAvailableException e)
        {
            ThrowTerminatingError(Errors.Record(e, "ModeNotAvailable", ErrorCategory.NotImplemented, e.Mode));
            return;
        }
        catch (Engine.EngineException e)
        {
            WriteError(Errors.Record(e, "EngineError", ErrorCategory.NotSpecified, guest));
            return;
        }
        Finish(guest, run);
    }

    private void Finish(GuestInstance guest, GuestRun run)
    {
        SeenExitReasons.Add(run);
        if (run.Cancelled && !Stopping)
            WriteWarning($"Guest '{guest.Name}' stopped after {TimeoutSec} s (-TimeoutSec) with {run.InstructionsRetired:N0} instructions retired: the run is partial.");
        if (run.StopMessage is { } why) WriteVerbose($"Guest '{guest.Name}': {why}");
        WriteObject(run);
    }

    /// <inheritdoc />
    protected override void StopProcessing()
    {
        try { _stop?.Cancel(); }
        catch (ObjectDisposedException) { } // the run ended as Ctrl-C came
    }
}
