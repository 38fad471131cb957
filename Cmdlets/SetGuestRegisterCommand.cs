using System.Management.Automation;
using VirtLab.Engine;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Sets a register of a guest's CPU.</para>
/// General registers (32, 16 and 8 bits), EIP/IP, EFLAGS/FLAGS, CR0, CR2, CR4, and segment
/// selectors in real mode. CR0 and CR4 go through the CPU's own rules (a forbidden combination is
/// refused as the guest's MOV would fault). CR3, the debug registers, GDTR and IDTR are read-only.
/// </summary>
/// <example>
/// <code>
/// Set-GuestRegister -Machine $m -Name EAX -Value 0x1234 -PassThru
/// </code>
/// <para>Sets EAX to 0x1234 and shows it as read back.</para>
/// </example>
/// <example>
/// <code>
/// $m | Set-GuestRegister EIP 0xFFF0 -WhatIf
/// </code>
/// <para>Says what would change without changing it.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "GuestRegister", SupportsShouldProcess = true, DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestRegister))]
public sealed class SetGuestRegisterCommand : GuestCmdletBase
{
    /// <summary>The register to set.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RegisterNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The new value (0x hex, h-suffixed hex or decimal; 0xFFFF0000 and the like are taken as 32-bit values).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [GuestAddress]
    public uint Value { get; set; }

    /// <summary>Writes the register as read back after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        if (!RegisterFile.Exists(Name))
        {
            ThrowTerminatingError(Errors.NotFound($"'{Name}' is not a register name. Valid names: {string.Join(", ", RegisterFile.Names)}.", "UnknownRegister", Name));
            return;
        }
        string name = RegisterFile.Canonical(Name);
        if (RegisterFile.WhyReadOnly(name) is { } reason)
        {
            ThrowTerminatingError(Errors.Record(new InvalidOperationException(reason), "ReadOnlyRegister", ErrorCategory.PermissionDenied, name));
            return;
        }
        int bits = RegisterFile.Bits(name);
        if (bits < 32 && Value >> bits != 0)
        {
            ThrowTerminatingError(Errors.Record(new ArgumentOutOfRangeException(nameof(Value), Value, $"0x{Value:X} does not fit in the {bits}-bit register {name}."), "ValueTooWide", ErrorCategory.InvalidArgument, Value));
            return;
        }
        if (!ShouldProcess(TargetDescription, $"Set {name} to 0x{Value:X}")) return;
        var cpu = TargetMachine.Cpu;
        try { RegisterFile.Write(cpu, name, Value); }
        catch (CpuException e)
        {
            ThrowTerminatingError(Errors.Record(new InvalidOperationException($"The CPU refuses 0x{Value:X8} in {name}: the guest's MOV would raise #{e.Vector} (see SDM Vol. 3A 2.5 for the rules on control registers).", e), "RegisterWriteFaults", ErrorCategory.InvalidArgument, Value));
            return;
        }
        catch (InvalidOperationException e)
        {
            ThrowTerminatingError(Errors.Record(e, "RegisterNotWritableNow", ErrorCategory.InvalidOperation, name));
            return;
        }
        if (PassThru) WriteObject(new GuestRegister(name, bits, RegisterFile.Read(cpu, name)));
    }
}
