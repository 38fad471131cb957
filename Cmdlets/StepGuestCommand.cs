using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Executes guest instructions one at a time.</para>
/// Runs <c>-Count</c> instructions (default 1) from where the guest stands and writes one object
/// per instruction; stops early when the CPU stops (exit port, HLT with interrupts off, triple fault).
/// </summary>
/// <example>
/// <code>
/// $m | Step-Guest -Count 5
/// </code>
/// <para>Executes five instructions and shows each one with the CS:EIP after it.</para>
/// </example>
/// <example>
/// <code>
/// $lab.Guests[0] | Step-Guest -Count 3
/// $lab.Guests[0] | Get-GuestRegister EAX
/// </code>
/// <para>Steps a lab's first guest three instructions, then shows EAX.</para>
/// </example>
[Cmdlet("Step", "Guest", SupportsShouldProcess = true, DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestStep))]
public sealed class StepGuestCommand : GuestCmdletBase
{
    /// <summary>How many instructions to execute.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 1_000_000)]
    public int Count { get; set; } = 1;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (!ShouldProcess(TargetDescription, $"Execute {Count} instruction(s)")) return;
        var machine = TargetMachine;
        var cpu = machine.Cpu;
        for (int i = 1; i <= Count; i++)
        {
            ushort cs = cpu.GetSegment(Engine.SegmentRegister.CS).Selector;
            uint eip = cpu.Eip;
            uint? physical = CodeView.CurrentPhysical(cpu);
            var line = physical is { } p ? CodeView.InstructionAt(machine, p, null) : null;
            Engine.RunResult result;
            try { result = machine.Step(); }
            catch (Engine.EngineException e)
            {
                ThrowTerminatingError(Errors.Record(e, "EngineError", ErrorCategory.NotSpecified, TargetObject));
                return;
            }
            WriteObject(new GuestStep
            {
                Index = i, Cs = cs, Eip = eip, Address = physical,
                Bytes = line?.Bytes ?? Array.Empty<byte>(), Instruction = line?.Text,
                NextCs = cpu.GetSegment(Engine.SegmentRegister.CS).Selector, NextEip = cpu.Eip,
                StopReason = result.StopReason, Faulted = result.FaultsDelivered > 0,
            });
            if (result.StopReason != Engine.StopReason.None || Stopping) break;
        }
    }
}
