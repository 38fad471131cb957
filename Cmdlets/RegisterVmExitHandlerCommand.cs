using System.Management.Automation;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Handles a guest's VM exits of the given reasons with a PowerShell scriptblock in every Hardware-mode run.</para>
/// The scriptblock is the VMM for those reasons. It runs at each exit with the exit as <c>$_</c>
/// (and <c>$args[0]</c>): the reason, <c>Qualification</c>, <c>Fields</c>, <c>InstructionLength</c>,
/// the guest's registers on <c>$_.Cpu</c> (<c>$_.Cpu.Eax</c>), its memory on <c>$_.Machine</c> and the
/// VMCS on <c>$_.Vmcs</c> (<c>$_.Vmcs.Read('guest_rip')</c>). It decides with <c>$_.Skip()</c> (advance
/// past the instruction and resume), <c>$_.Resume()</c>, <c>$_.Inject('gp', 0)</c>, <c>$_.Emulate()</c>
/// or <c>$_.Stop('why')</c>; a scriptblock that decides nothing leaves the exit to the built-in VMM.
/// Runs with scriptblock handlers happen on the pipeline's thread. <c>Start-Guest -ExitHandler</c>
/// gives handlers for one run instead.
/// </summary>
/// <example>
/// <code>
/// Register-VmExitHandler -Lab $lab -Reason Cpuid -ScriptBlock {
///     if ($_.Cpu.Eax -eq 0x40000000) { $_.Cpu.Eax = 0x40000001; $_.Cpu.Ebx = 0x4C747269; $_.Skip() }
/// }
/// </code>
/// <para>Answers the hypervisor CPUID leaf itself and leaves the others to the built-in VMM.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Register, "VmExitHandler", DefaultParameterSetName = GuestSet, SupportsShouldProcess = true)]
[OutputType(typeof(ScriptExitHandler))]
public sealed class RegisterVmExitHandlerCommand : GuestCmdletBase
{
    /// <summary>Exit reasons (names such as Cpuid, IoInstruction, or numbers).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(VmExitReasonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Reason { get; set; } = null!;

    /// <summary>The handler.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>Return the handlers registered.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (TargetGuest is not { } guest)
        {
            WriteError(Errors.Argument("Exit handlers belong to a lab's guest: use -Guest or -Lab.", "GuestRequired", TargetObject));
            return;
        }
        foreach (var text in Reason)
        {
            VmExitReason reason;
            try { reason = VmExitReasonField.Parse(text); }
            catch (ArgumentException e) { WriteError(Errors.Record(e, "UnknownExitReason", ErrorCategory.InvalidArgument, text)); continue; }
            if (!ShouldProcess(TargetDescription, $"Handle {reason} exits with a scriptblock")) continue;
            var handler = new ScriptExitHandler(reason, ScriptBlock);
            guest.ExitHandlers[reason] = handler.Handler;
            if (PassThru) WriteObject(handler);
        }
    }
}
