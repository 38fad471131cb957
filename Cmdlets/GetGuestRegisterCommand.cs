using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Gets registers of a guest's CPU.</para>
/// Without <c>-Name</c>: the general registers, EIP, EFLAGS, the segment selectors and CR0-CR4.
/// <c>-Name</c> takes register names and wildcards (<c>E?X</c>, <c>CR*</c>, <c>DR*</c>).
/// </summary>
/// <example>
/// <code>
/// $m = [VirtLab.Engine.Machine]::new(); $m.LoadRom($rom)
/// Get-GuestRegister -Machine $m
/// </code>
/// <para>Shows the general registers, EIP, EFLAGS, the segment selectors and CR0-CR4 of a machine at its reset vector.</para>
/// </example>
/// <example>
/// <code>
/// $m | Get-GuestRegister -Name E?X, CR*
/// </code>
/// <para>Shows EAX, EBX, ECX, EDX and the control registers; names take wildcards.</para>
/// </example>
/// <example>
/// <code>
/// $lab = New-VirtLab ./Labs/hello.yaml
/// $lab | Get-GuestRegister -Name EIP, CS
/// </code>
/// <para>Shows where a lab's only guest will start.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "GuestRegister", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestRegister))]
public sealed class GetGuestRegisterCommand : GuestCmdletBase
{
    /// <summary>Register names or wildcard patterns.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(RegisterNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        var cpu = TargetMachine.Cpu;
        IEnumerable<string> names = RegisterFile.DefaultNames;
        if (Name is not null)
        {
            var selected = new List<string>();
            foreach (var pattern in Name)
            {
                if (WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                    selected.AddRange(RegisterFile.Names.Where(n => wildcard.IsMatch(n)));
                }
                else if (RegisterFile.Exists(pattern)) selected.Add(RegisterFile.Canonical(pattern));
                else WriteError(Errors.NotFound($"'{pattern}' is not a register name. Valid names: {string.Join(", ", RegisterFile.Names)}.", "UnknownRegister", pattern));
            }
            names = selected.Distinct(StringComparer.Ordinal);
        }
        foreach (var n in names)
            WriteObject(new GuestRegister(n, RegisterFile.Bits(n), RegisterFile.Read(cpu, n)));
    }
}
