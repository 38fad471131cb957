using System.Management.Automation;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>
/// A VM-exit handler written in PowerShell: the scriptblock runs at each exit of its reason, on the
/// pipeline's thread, with the exit (<see cref="VmExitContext"/>) as <c>$_</c> and as its first
/// argument. It chooses what happens by calling <c>$_.Skip()</c>, <c>$_.Resume()</c>,
/// <c>$_.Inject('gp', 0)</c>, <c>$_.Emulate()</c> or <c>$_.Stop('why')</c>; if it calls none, the built-in
/// VMM handles the exit. An error in the scriptblock stops the run and is reported after it.
/// </summary>
public sealed class ScriptExitHandler
{
    private readonly ScriptBlock _script;
    private readonly object[] _args = new object[1];

    /// <summary>Wraps <paramref name="script"/> for exits of <paramref name="reason"/>.</summary>
    public ScriptExitHandler(VmExitReason reason, ScriptBlock script)
    {
        Reason = reason;
        _script = script ?? throw new ArgumentNullException(nameof(script));
    }

    /// <summary>The basic exit reason it handles.</summary>
    public VmExitReason Reason { get; }

    /// <summary>The scriptblock.</summary>
    public ScriptBlock ScriptBlock => _script;

    /// <summary>The first error the scriptblock raised, or null.</summary>
    public ErrorRecord? Error { get; private set; }

    /// <summary>The engine-side handler.</summary>
    public VmExitHandler Handler => Invoke;

    private void Invoke(VmExitContext exit)
    {
        _args[0] = exit;
        try
        {
            if (FastInvoke is { } fast) fast(_script, exit, null, _args);
            // A new $_ each time: PowerShell takes over the variables it is given for the call's scope.
            else _script.InvokeWithContext(null, new List<PSVariable>(1) { new("_", exit) }, _args);
        }
        catch (PipelineStoppedException)
        {
            exit.Stop("stopped (Ctrl-C)");
        }
        catch (RuntimeException e)
        {
            Error ??= new ErrorRecord(e.ErrorRecord, e);
            exit.Stop($"the {Reason} handler failed: {e.Message}");
        }
    }

    /// <summary>
    /// PowerShell's own path from a scriptblock converted to a delegate (ScriptBlock.InvokeAsDelegateHelper,
    /// with <c>$_</c>, <c>$this</c> and <c>$args</c>): about twice as fast as InvokeWithContext, which matters at
    /// a hundred thousand exits a second. It is not public API, so it is looked up once and, if a PowerShell
    /// version lacks it, the public InvokeWithContext is used instead.
    /// </summary>
    private static readonly Func<ScriptBlock, object?, object?, object[], object>? FastInvoke = FindFastInvoke();

    private static Func<ScriptBlock, object?, object?, object[], object>? FindFastInvoke()
    {
        var method = typeof(ScriptBlock).GetMethod("InvokeAsDelegateHelper", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance,
            new[] { typeof(object), typeof(object), typeof(object[]) });
        if (method is null || method.ReturnType != typeof(object)) return null;
        try { return method.CreateDelegate<Func<ScriptBlock, object?, object?, object[], object>>(); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>Reads a <c>-ExitHandler</c> hashtable: keys are exit reasons (names such as Cpuid or numbers), values scriptblocks.</summary>
    /// <exception cref="ArgumentException">A key is not an exit reason or a value is not a scriptblock; the message says which.</exception>
    public static List<ScriptExitHandler> FromHashtable(System.Collections.IDictionary table)
    {
        var list = new List<ScriptExitHandler>();
        foreach (System.Collections.DictionaryEntry entry in table)
        {
            var reason = VmExitReasonField.Parse(entry.Key?.ToString() ?? "");
            var value = entry.Value is PSObject pso ? pso.BaseObject : entry.Value;
            if (value is not ScriptBlock sb)
                throw new ArgumentException($"The handler for {reason} must be a scriptblock ({{ ... }}), not {(value is null ? "null" : value.GetType().Name)}.");
            list.Add(new ScriptExitHandler(reason, sb));
        }
        return list;
    }
}
