using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>Completes the guest names of the lab bound to <c>-Lab</c> (when its value is known at completion time, e.g. a variable).</summary>
public sealed class GuestNameCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var lab = Unwrap(fakeBoundParameters["Lab"]) as Lab;
        if (lab is null) yield break;
        var prefix = wordToComplete.Trim('\'', '"');
        foreach (var g in lab.Guests)
            if (g.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(Quote(g.Name), g.Name, CompletionResultType.ParameterValue, $"guest {g.Name} ({g.Definition.Mode}, {g.Definition.Start})");
    }

    internal static object? Unwrap(object? value)
    {
        if (value is PSObject pso) value = pso.BaseObject;
        if (value is object[] { Length: 1 } single) value = single[0] is PSObject p ? p.BaseObject : single[0];
        return value;
    }

    internal static string Quote(string s) => s.Any(c => char.IsWhiteSpace(c) || "'\"$`;(){}@,|&<>#".Contains(c)) ? "'" + s.Replace("'", "''") + "'" : s;
}
