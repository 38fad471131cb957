namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// One VMCS field and its value, for display (a row of <see cref="Vmcs.Fields"/>; flat properties so
/// PowerShell's table view shows them).
/// </summary>
/// <param name="Field">The encoding.</param>
/// <param name="Name">The canonical name, e.g. <c>guest_rip</c>.</param>
/// <param name="Encoding">The encoding's numeric value.</param>
/// <param name="Width">16-bit, 32-bit, 64-bit or natural width.</param>
/// <param name="Type">Control, read-only data, guest state or host state.</param>
/// <param name="Access">Full or high (upper half of a 64-bit field).</param>
/// <param name="Value">The value a VMREAD of this encoding returns.</param>
public sealed record VmcsFieldValue(VmcsField Field, string Name, uint Encoding, VmcsFieldWidth Width, VmcsFieldType Type, VmcsFieldAccess Access, ulong Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} (0x{Encoding:X4}) = 0x{Value:X}";
}
