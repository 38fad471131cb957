using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>
/// Completes VM exit reasons for <c>-Reason</c>: the reasons in the run bound to <c>-Run</c> when
/// its value is known (a variable), otherwise the reasons of the runs Start-Guest returned in this session.
/// </summary>
public sealed class ExitReasonCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = GuestNameCompleter.Unwrap(fakeBoundParameters["Run"]);
        IEnumerable<string> reasons = bound switch
        {
            GuestRun run => run.Exits.Select(e => e.Reason).Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(r => r, StringComparer.OrdinalIgnoreCase),
            _ => SeenExitReasons.All,
        };
        var prefix = wordToComplete.Trim('\'', '"');
        foreach (var r in reasons)
            if (r.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(GuestNameCompleter.Quote(r), r, CompletionResultType.ParameterValue, $"exit reason {r}");
    }
}
