namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// One virtual-machine control structure: the value of every field VirtLab supports, read and written
/// by encoding or by name with the rules of VMREAD/VMWRITE (SDM Vol. 3C 31.3 VMREAD/VMWRITE, 24.11.2):
/// a value is truncated to the field's width; a high access reads or writes bits 63:32 of its 64-bit
/// field; an unsupported encoding fails with VM-instruction error 12; a VMM's write to a read-only
/// data field fails with error 13, because VirtLab's IA32_VMX_MISC bit 29 ("VMWRITE to any field") is 0.
/// The processor's own writes of exit information go through <see cref="WriteExitInformation"/>.
/// All fields start at 0 (a VMCLEARed VMCS holds no architecturally defined values; 0 is VirtLab's choice).
/// </summary>
public sealed class Vmcs
{
    // Full-access fields only, indexed by encoding / 2 (a high access is a view on its 64-bit field):
    // an array, because the processor reads and writes dozens of fields on every VM exit and entry.
    private readonly ulong[] _values = new ulong[0x3800];

    /// <summary>A VMCS with every supported field at 0.</summary>
    public Vmcs() { }

    /// <summary>The processor's own read of a full field (no checks: the caller names a supported full field).</summary>
    internal ulong Get(VmcsField field) => _values[(ushort)field >> 1];

    /// <summary>A write of a full field, already of the field's width, by the VMM's own code (counted in the versions below).</summary>
    internal void Set(VmcsField field, ulong value)
    {
        _values[(ushort)field >> 1] = value;
        Touched((ushort)field);
    }

    /// <summary>
    /// The processor's own write (saving the guest state on an exit, exit information, clearing a valid
    /// bit): not counted, because VM entry need not check again what the processor itself stored.
    /// </summary>
    internal void SetQuiet(VmcsField field, ulong value) => _values[(ushort)field >> 1] = value;

    /// <summary>Incremented by every VMM write of a control or host-state field: VM entry checks those groups again only when it changed.</summary>
    internal long ControlVersion { get; private set; }
    /// <summary>Incremented by every VMM write of a guest-state field.</summary>
    internal long GuestVersion { get; private set; }

    private void Touched(uint encoding)
    {
        switch (VmcsFieldInfo.DecodeType(encoding))
        {
            case VmcsFieldType.Control: case VmcsFieldType.HostState: ControlVersion++; break;
            case VmcsFieldType.GuestState: GuestVersion++; break;
        }
    }

    /// <summary>VMREAD: the value of a field, zero-extended (a high access returns bits 63:32 of its field).</summary>
    /// <exception cref="VmxException">Error 12 when <paramref name="field"/> is not a supported encoding.</exception>
    public ulong Read(VmcsField field)
    {
        var info = Info(field, "VMREAD");
        ulong full = _values[(ushort)info.FullField >> 1];
        return info.Access == VmcsFieldAccess.High ? full >> 32 : full;
    }

    /// <summary>VMREAD by raw encoding (as a VMM's VMREAD operand gives it).</summary>
    /// <exception cref="VmxException">Error 12 when the encoding is not a supported field.</exception>
    public ulong Read(uint encoding) => Read(Checked(encoding, "VMREAD"));

    /// <summary>VMREAD by name: canonical (<c>guest_rip</c>), enum name (<c>GuestRip</c>) or hexadecimal encoding.</summary>
    /// <exception cref="VmxException">Error 12 when no field has that name; the message names the nearest one.</exception>
    public ulong Read(string name) => Read(VmcsFieldInfo.Parse(name));

    /// <summary>
    /// VMWRITE by the VMM: stores <paramref name="value"/> truncated to the field's width (the high bits
    /// of a value longer than the field are ignored, as VMWRITE ignores them); a high access replaces bits
    /// 63:32 of its field and keeps bits 31:0.
    /// </summary>
    /// <exception cref="VmxException">Error 12 for an unsupported encoding, error 13 for a read-only data field.</exception>
    public void Write(VmcsField field, ulong value)
    {
        var info = Info(field, "VMWRITE");
        if (info.IsReadOnly)
            throw new VmxException(VmxInstructionError.VmwriteReadOnlyVmcsComponent,
                $"VMWRITE to {info}: it is a read-only VM-exit information field (IA32_VMX_MISC bit 29 is 0 on VirtLab).");
        Store(info, value);
    }

    /// <summary>VMWRITE by raw encoding.</summary>
    /// <exception cref="VmxException">Error 12 for an unsupported encoding, error 13 for a read-only data field.</exception>
    public void Write(uint encoding, ulong value) => Write(Checked(encoding, "VMWRITE"), value);

    /// <summary>VMWRITE by name.</summary>
    /// <exception cref="VmxException">Error 12 when no field has that name, error 13 for a read-only data field.</exception>
    public void Write(string name, ulong value) => Write(VmcsFieldInfo.Parse(name), value);

    /// <summary>VMREAD that reports failure instead of throwing.</summary>
    public bool TryRead(VmcsField field, out ulong value, out VmxInstructionError error)
    {
        try { value = Read(field); error = VmxInstructionError.None; return true; }
        catch (VmxException e) { value = 0; error = e.Error; return false; }
    }

    /// <summary>VMWRITE that reports failure instead of throwing (the error a VMM would find in the VM-instruction error field).</summary>
    public bool TryWrite(VmcsField field, ulong value, out VmxInstructionError error)
    {
        try { Write(field, value); error = VmxInstructionError.None; return true; }
        catch (VmxException e) { error = e.Error; return false; }
    }

    /// <summary>
    /// The processor's write of a field on a VM exit or a failed VMX instruction: allowed for every field,
    /// read-only data fields included, with the same width truncation as VMWRITE.
    /// </summary>
    /// <exception cref="VmxException">Error 12 when <paramref name="field"/> is not a supported encoding (an engine bug).</exception>
    internal void WriteExitInformation(VmcsField field, ulong value) => Store(Info(field, "exit-information write"), value);

    /// <summary>Every supported field with its value, in encoding order (both accesses of each 64-bit field).</summary>
    public IEnumerable<VmcsFieldValue> Fields()
    {
        foreach (var f in VmcsFieldInfo.All)
        {
            var info = VmcsFieldInfo.Of(f);
            yield return new VmcsFieldValue(f, info.CanonicalName, info.Encoding, info.Width, info.Type, info.Access, Read(f));
        }
    }

    private void Store(VmcsFieldInfo info, ulong value)
    {
        value &= info.ValueMask;
        Touched(info.Encoding);
        if (info.Access == VmcsFieldAccess.High)
            _values[(ushort)info.FullField >> 1] = (_values[(ushort)info.FullField >> 1] & 0xFFFF_FFFFUL) | (value << 32);
        else
            _values[(ushort)info.Field >> 1] = value;
    }

    private static VmcsFieldInfo Info(VmcsField field, string operation) =>
        VmcsFieldInfo.IsSupported((ushort)field) ? VmcsFieldInfo.Of(field) : throw Unsupported((uint)field, operation);

    private static VmcsField Checked(uint encoding, string operation) =>
        VmcsFieldInfo.IsSupported(encoding) ? (VmcsField)encoding : throw Unsupported(encoding, operation);

    private static VmxException Unsupported(uint encoding, string operation) =>
        new(VmxInstructionError.UnsupportedVmcsComponent,
            $"{operation} of encoding 0x{encoding:X8}: not a VMCS field VirtLab supports"
            + (encoding > 0x7FFF ? " (encoding bits 31:15 must be 0)" : (encoding & 0x1000) != 0 ? " (encoding bit 12 is reserved)" : "") + ".");
}
