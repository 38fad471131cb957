using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtLab.Cmdlets;

/// <summary>Completes register names (EAX, AX, AL, EIP, EFLAGS, CS, CR0...) for <c>-Name</c> of the register cmdlets.</summary>
public sealed class RegisterNameCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        foreach (var name in RegisterFile.Names)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, $"{RegisterFile.Bits(name)}-bit register {name}");
    }
}
