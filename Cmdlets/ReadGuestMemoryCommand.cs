using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Reads guest physical memory as a hex view.</para>
/// Rows of 16 bytes (address, hex, ASCII) like Format-Hex; unmapped bytes show as <c>--</c>.
/// <c>-AsByteArray</c> returns the bytes as one array instead (every byte must be mapped).
/// </summary>
/// <example>
/// <code>
/// $m | Read-GuestMemory 0xFFFF0 32
/// </code>
/// <para>Shows 32 bytes at the reset vector as a hex view with ASCII.</para>
/// </example>
/// <example>
/// <code>
/// $bytes = Read-GuestMemory -Machine $m -Address 0x7C00 -Count 512 -AsByteArray
/// </code>
/// <para>Returns a boot sector as one byte[] instead of rows.</para>
/// </example>
[Cmdlet(VerbsCommunications.Read, "GuestMemory", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(GuestMemoryRow))]
[OutputType(typeof(byte[]))]
public sealed class ReadGuestMemoryCommand : GuestCmdletBase
{
    /// <summary>Physical address of the first byte.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [GuestAddress]
    public uint Address { get; set; }

    /// <summary>How many bytes (default 128, at most 16 MiB).</summary>
    [Parameter(Position = 1)]
    [ValidateRange(1, 16 * 1024 * 1024)]
    public int Count { get; set; } = 128;

    /// <summary>Return one byte[] instead of hex rows.</summary>
    [Parameter]
    public SwitchParameter AsByteArray { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        var bytes = GuestMemoryAccess.Read(TargetMachine.Memory, Address, Count);
        if (bytes.Length < Count)
            WriteWarning($"The read stops at the end of the 4 GiB address space: {bytes.Length} of {Count} bytes.");
        if (AsByteArray)
        {
            int hole = Array.FindIndex(bytes, b => b is null);
            if (hole >= 0)
            {
                WriteError(Errors.Record(new InvalidOperationException($"Nothing is mapped at 0x{Address + (uint)hole:X8}: a byte array cannot show the hole (omit -AsByteArray for a hex view with '--' there)."), "UnmappedMemory", ErrorCategory.ReadError, Address + (uint)hole));
                return;
            }
            WriteObject(bytes.Select(b => b!.Value).ToArray(), enumerateCollection: false);
            return;
        }
        foreach (var row in GuestMemoryAccess.Rows(Address, bytes)) WriteObject(row);
    }
}
