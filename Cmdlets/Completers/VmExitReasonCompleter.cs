using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>Completes the SDM's basic exit reasons (Cpuid, Hlt, IoInstruction, ...) for handler cmdlets.</summary>
public sealed class VmExitReasonCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        foreach (var r in Enum.GetValues<VmExitReason>())
        {
            string name = r.ToString();
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, $"basic exit reason {(int)r}");
        }
    }
}

/// <summary>Completes VMCS field names (guest_rip, exit_qualification, ...) for Get-Vmcs and Set-Vmcs.</summary>
public sealed class VmcsFieldCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        foreach (var f in VmcsFieldInfo.All)
        {
            var info = VmcsFieldInfo.Of(f);
            if (info.CanonicalName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(info.CanonicalName, info.CanonicalName, CompletionResultType.ParameterValue, $"{info} {info.Type} {info.Width}");
        }
    }
}
