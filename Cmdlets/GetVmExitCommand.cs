using System.Management.Automation;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Gets the VM exits of a run, in order.</para>
/// Each exit says where the guest was (CS:EIP, CPL), the instruction, the reason (name and
/// number), the qualification and its decoded fields, what the monitor did and the cycles it cost.
/// <c>-Reason</c> filters by reason name (wildcards); <c>-Kind</c> by kind (VmExit, Hypercall,
/// Trap...); <c>-Skip</c> and <c>-First</c> then select a window of what is left. A native run has no exits.
/// </summary>
/// <example>
/// <code>
/// Start-Guest -Lab $lab -Mode Hardware | Get-VmExit | Group-Object Reason
/// </code>
/// <para>Counts a run's exits by reason.</para>
/// </example>
/// <example>
/// <code>
/// Get-VmExit -Run $run -Reason Io* -Skip 10 -First 5
/// </code>
/// <para>Shows the 11th to 15th exit whose reason starts with Io.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "VmExit")]
[OutputType(typeof(VmExit))]
public sealed class GetVmExitCommand : PSCmdlet
{
    /// <summary>The run (from Start-Guest).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public GuestRun Run { get; set; } = null!;

    /// <summary>Reason names to keep (wildcards).</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(ExitReasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Reason { get; set; }

    /// <summary>Kinds of exit to keep.</summary>
    [Parameter]
    public VmExitKind[]? Kind { get; set; }

    /// <summary>How many of the selected exits to return (after -Skip).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>How many of the selected exits to pass over first.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        IEnumerable<VmExit> exits = Run.Exits;
        if (Reason is not null)
        {
            var patterns = Reason.Select(r => new WildcardPattern(r, WildcardOptions.IgnoreCase)).ToArray();
            exits = exits.Where(e => patterns.Any(p => p.IsMatch(e.Reason)));
        }
        if (Kind is not null) exits = exits.Where(e => Kind.Contains(e.Kind));
        exits = exits.Skip(Skip);
        if (First is { } n) exits = exits.Take(n);
        foreach (var e in exits) WriteObject(e);
    }
}
