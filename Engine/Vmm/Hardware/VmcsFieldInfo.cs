using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// What a VMCS encoding says about its field, decoded from the encoding's bits as SDM Vol. 3C 24.11.2
/// defines them (bit 0 access type, bits 9:1 index, bits 11:10 type, bits 14:13 width; bits 12 and
/// 15 reserved, 0), plus the field's canonical name and name lookup.
/// </summary>
public readonly record struct VmcsFieldInfo
{
    /// <summary>The encoding.</summary>
    public VmcsField Field { get; }

    private VmcsFieldInfo(VmcsField field) => Field = field;

    /// <summary>The 32-bit encoding value a VMREAD/VMWRITE names the field with.</summary>
    public uint Encoding => (ushort)Field;

    /// <summary>Bit 0: full or high access.</summary>
    public VmcsFieldAccess Access => DecodeAccess(Encoding);

    /// <summary>Bits 9:1: the index within its width and type.</summary>
    public int Index => DecodeIndex(Encoding);

    /// <summary>Bits 11:10: control, read-only data, guest state or host state.</summary>
    public VmcsFieldType Type => DecodeType(Encoding);

    /// <summary>Bits 14:13: 16-bit, 64-bit, 32-bit or natural width.</summary>
    public VmcsFieldWidth Width => DecodeWidth(Encoding);

    /// <summary>True for the read-only data fields (type 1), which a VMM cannot VMWRITE on VirtLab (IA32_VMX_MISC bit 29 is 0).</summary>
    public bool IsReadOnly => Type == VmcsFieldType.ReadOnlyData;

    /// <summary>
    /// How many bits this encoding reads and writes: 16, 32, 64 (full access of a 64-bit field), 32 for
    /// a high access, and 32 for a natural-width field (VirtLab's CPU does not support Intel 64).
    /// </summary>
    public int AccessBits => Width switch
    {
        VmcsFieldWidth.Bits16 => 16,
        VmcsFieldWidth.Bits32 => 32,
        VmcsFieldWidth.Natural => 32,
        _ => Access == VmcsFieldAccess.High ? 32 : 64,
    };

    /// <summary>The mask of the bits this encoding can hold.</summary>
    public ulong ValueMask => AccessBits == 64 ? ulong.MaxValue : (1UL << AccessBits) - 1;

    /// <summary>For a high access, the full-access field it is the upper half of; otherwise the field itself.</summary>
    public VmcsField FullField => (VmcsField)(Encoding & ~1u);

    /// <summary>The SDM/KVM name in lowercase with underscores, e.g. <c>guest_es_selector</c>, <c>io_bitmap_a_high</c>.</summary>
    public string CanonicalName => CanonicalNames[Field];

    /// <inheritdoc/>
    public override string ToString() => $"{CanonicalName} (0x{Encoding:X4})";

    /// <summary>The information of a supported field.</summary>
    /// <exception cref="ArgumentException">The value is not a member of <see cref="VmcsField"/>.</exception>
    public static VmcsFieldInfo Of(VmcsField field)
    {
        if (!IsSupported((uint)field))
            throw new ArgumentException($"0x{(uint)field:X4} is not a VMCS field encoding VirtLab supports.", nameof(field));
        return new VmcsFieldInfo(field);
    }

    /// <summary>Every supported field (both accesses of 64-bit fields), in encoding order.</summary>
    public static IReadOnlyList<VmcsField> All { get; } = Enum.GetValues<VmcsField>().OrderBy(f => (ushort)f).ToArray();

    /// <summary>True when <paramref name="encoding"/> names a field VirtLab supports (a VMREAD/VMWRITE of anything else fails with error 12).</summary>
    public static bool IsSupported(uint encoding) => encoding < SupportedTableSize && SupportedTable[encoding];

    // VMREAD/VMWRITE and the entry checks ask this for every field access: a table, not a hash lookup.
    private const uint SupportedTableSize = 0x8000;
    private static readonly bool[] SupportedTable = BuildSupportedTable();

    private static bool[] BuildSupportedTable()
    {
        var table = new bool[SupportedTableSize];
        foreach (var f in Enum.GetValues<VmcsField>()) table[(ushort)f] = true;
        return table;
    }

    /// <summary>Bit 0 of any encoding.</summary>
    public static VmcsFieldAccess DecodeAccess(uint encoding) => (VmcsFieldAccess)(encoding & 1);

    /// <summary>Bits 9:1 of any encoding.</summary>
    public static int DecodeIndex(uint encoding) => (int)((encoding >> 1) & 0x1FF);

    /// <summary>Bits 11:10 of any encoding.</summary>
    public static VmcsFieldType DecodeType(uint encoding) => (VmcsFieldType)((encoding >> 10) & 3);

    /// <summary>Bits 14:13 of any encoding.</summary>
    public static VmcsFieldWidth DecodeWidth(uint encoding) => (VmcsFieldWidth)((encoding >> 13) & 3);

    /// <summary>
    /// Finds a field by name, case-insensitively, ignoring underscores and hyphens: the canonical name
    /// (<c>guest_cr0</c>), the enum name (<c>GuestCr0</c>), or a hexadecimal encoding (<c>0x6800</c>).
    /// </summary>
    public static bool TryParse(string name, out VmcsField field)
    {
        field = default;
        if (string.IsNullOrWhiteSpace(name)) return false;
        string trimmed = name.Trim();
        if (trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(trimmed.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint encoding))
        {
            if (!IsSupported(encoding)) return false;
            field = (VmcsField)encoding;
            return true;
        }
        return ByNormalizedName.TryGetValue(Normalize(trimmed), out field);
    }

    /// <summary>Finds a field by name as <see cref="TryParse"/> does.</summary>
    /// <exception cref="VmxException">No such field: VM-instruction error 12, with the nearest valid name in the message.</exception>
    public static VmcsField Parse(string name)
    {
        if (TryParse(name, out var field)) return field;
        throw new VmxException(VmxInstructionError.UnsupportedVmcsComponent,
            $"'{name}' is not a VMCS field{NameSuggestion.Hint(name, CanonicalNames.Values.Order().ToArray())}.");
    }

    private static string Normalize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) if (c != '_' && c != '-') sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }

    /// <summary>PascalCase to lowercase with underscores: a word starts at each capital (digits stay with their word: Cr0, Ia32, Pdptr0).</summary>
    private static string ToSnake(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static readonly FrozenDictionary<VmcsField, string> CanonicalNames =
        Enum.GetValues<VmcsField>().ToFrozenDictionary(f => f, f => ToSnake(f.ToString()));

    private static readonly FrozenDictionary<string, VmcsField> ByNormalizedName =
        Enum.GetValues<VmcsField>().ToFrozenDictionary(f => Normalize(f.ToString()), f => f);
}
