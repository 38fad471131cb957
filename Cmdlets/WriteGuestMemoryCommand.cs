using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Writes bytes into guest RAM.</para>
/// Only RAM can be written: a range that touches ROM or unmapped space is refused before any byte
/// changes. Code already decoded from the written pages is dropped, as when the guest writes there.
/// </summary>
/// <example>
/// <code>
/// Write-GuestMemory -Machine $m -Address 0x500 -Bytes 0x90, 0x90, 0xF4 -PassThru
/// </code>
/// <para>Writes NOP NOP HLT at 0x500 and shows the bytes read back.</para>
/// </example>
[Cmdlet(VerbsCommunications.Write, "GuestMemory", SupportsShouldProcess = true, DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestMemoryRow))]
public sealed class WriteGuestMemoryCommand : GuestCmdletBase
{
    /// <summary>Physical address of the first byte.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [GuestAddress]
    public uint Address { get; set; }

    /// <summary>The bytes to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public byte[] Bytes { get; set; } = Array.Empty<byte>();

    /// <summary>Writes the written range back out as hex rows.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        var memory = TargetMachine.Memory;
        if (GuestMemoryAccess.FirstNonRam(memory, Address, Bytes.Length) is { } bad)
        {
            string what = bad.Kind == Engine.MemoryRegionKind.Rom ? "ROM" : "unmapped";
            ThrowTerminatingError(Errors.Record(new InvalidOperationException($"0x{bad.Address:X8} is {what}: only RAM can be written (the {Bytes.Length}-byte write at 0x{Address:X8} was not done)."), "NotRam", ErrorCategory.WriteError, bad.Address));
            return;
        }
        if (!ShouldProcess(TargetDescription, $"Write {Bytes.Length} byte(s) at 0x{Address:X8}")) return;
        memory.Write(Address, Bytes);
        if (PassThru)
            foreach (var row in GuestMemoryAccess.Rows(Address, GuestMemoryAccess.Read(memory, Address, Bytes.Length))) WriteObject(row);
    }
}
