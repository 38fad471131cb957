using System.Text;

namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>One named control bit: which control field, which bit, and the kebab-case name a lab uses.</summary>
/// <param name="Kind">The control field the bit belongs to.</param>
/// <param name="Bit">The bit number (0-31) in that field.</param>
/// <param name="Name">The lab name, e.g. <c>hlt-exiting</c>.</param>
public readonly record struct VmxControl(VmxControlKind Kind, int Bit, string Name)
{
    /// <summary>The bit as a mask.</summary>
    public uint Mask => 1u << Bit;

    /// <summary>The qualified name, <c>kind:name</c> (e.g. <c>exit:load-ia32-pat</c>), unique over all five fields.</summary>
    public string QualifiedName => $"{VmxControls.Prefix(Kind)}:{Name}";

    /// <inheritdoc/>
    public override string ToString() => $"{QualifiedName} (bit {Bit})";
}

/// <summary>
/// The named bits of the pin-based, primary and secondary processor-based, VM-exit and VM-entry
/// controls, looked up by the kebab-case names labs use (<c>hlt-exiting</c>, <c>use-io-bitmaps</c>,
/// <c>unrestricted-guest</c>). A few SDM names exist in more than one field (<c>load-ia32-pat</c>,
/// <c>conceal-vmx-from-pt</c>, <c>activate-secondary-controls</c> ...); those need the field, either
/// through <see cref="Find(VmxControlKind, string)"/> or a qualified name such as <c>exit:load-ia32-pat</c>
/// (prefixes <c>pin</c>, <c>primary</c>, <c>secondary</c>, <c>exit</c>, <c>entry</c>).
/// </summary>
public static class VmxControls
{
    /// <summary>Every named control bit, field by field, in bit order.</summary>
    public static IReadOnlyList<VmxControl> All { get; } = Build();

    /// <summary>The VMCS field that holds the controls of <paramref name="kind"/>.</summary>
    public static VmcsField FieldOf(VmxControlKind kind) => kind switch
    {
        VmxControlKind.PinBased => VmcsField.PinBasedVmExecControl,
        VmxControlKind.PrimaryProcessorBased => VmcsField.CpuBasedVmExecControl,
        VmxControlKind.SecondaryProcessorBased => VmcsField.SecondaryVmExecControl,
        VmxControlKind.VmExit => VmcsField.VmExitControls,
        VmxControlKind.VmEntry => VmcsField.VmEntryControls,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a VMX control kind"),
    };

    /// <summary>The prefix of qualified names for <paramref name="kind"/>.</summary>
    public static string Prefix(VmxControlKind kind) => kind switch
    {
        VmxControlKind.PinBased => "pin",
        VmxControlKind.PrimaryProcessorBased => "primary",
        VmxControlKind.SecondaryProcessorBased => "secondary",
        VmxControlKind.VmExit => "exit",
        VmxControlKind.VmEntry => "entry",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a VMX control kind"),
    };

    /// <summary>Finds a control of one field by its kebab-case name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No control of that field has the name; the message names the nearest valid one.</exception>
    public static VmxControl Find(VmxControlKind kind, string name)
    {
        string n = name.Trim();
        foreach (var c in All)
            if (c.Kind == kind && string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase)) return c;
        var valid = All.Where(c => c.Kind == kind).Select(c => c.Name).ToArray();
        throw new ArgumentException($"'{name}' is not a {Describe(kind)} control{NameSuggestion.Hint(n, valid)}.", nameof(name));
    }

    /// <summary>
    /// Finds a control by its kebab-case name in any field, or by a qualified name (<c>exit:load-ia32-pat</c>).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// No control has the name (the message names the nearest valid one), or the name exists in several
    /// fields and is not qualified (the message lists the qualified names).
    /// </exception>
    public static VmxControl Find(string name)
    {
        if (TryFind(name, out var control, out string? error)) return control;
        throw new ArgumentException(error, nameof(name));
    }

    /// <summary>Finds a control as <see cref="Find(string)"/> does, without throwing.</summary>
    public static bool TryFind(string name, out VmxControl control) => TryFind(name, out control, out _);

    internal static bool TryFind(string name, out VmxControl control, out string error)
    {
        control = default;
        string n = (name ?? "").Trim();
        int colon = n.IndexOf(':');
        if (colon >= 0)
        {
            string prefix = n[..colon].Trim(), rest = n[(colon + 1)..].Trim();
            VmxControlKind? kind = null;
            foreach (var k in Enum.GetValues<VmxControlKind>())
                if (string.Equals(Prefix(k), prefix, StringComparison.OrdinalIgnoreCase)) kind = k;
            if (kind is null)
            {
                error = $"'{prefix}' in '{name}' is not a VMX control field{NameSuggestion.Hint(prefix, Enum.GetValues<VmxControlKind>().Select(Prefix).ToArray())}.";
                return false;
            }
            foreach (var c in All)
                if (c.Kind == kind && string.Equals(c.Name, rest, StringComparison.OrdinalIgnoreCase)) { control = c; error = ""; return true; }
            error = $"'{rest}' is not a {Describe(kind.Value)} control{NameSuggestion.Hint(rest, All.Where(c => c.Kind == kind).Select(c => c.Name).ToArray())}.";
            return false;
        }
        var matches = All.Where(c => string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (matches.Length == 1) { control = matches[0]; error = ""; return true; }
        if (matches.Length > 1)
        {
            error = $"'{name}' is a control of several fields; qualify it: {string.Join(", ", matches.Select(m => m.QualifiedName))}.";
            return false;
        }
        error = $"'{name}' is not a VMX control{NameSuggestion.Hint(n, All.Select(c => c.Name).Distinct().ToArray())}.";
        return false;
    }

    /// <summary>The field's name in messages.</summary>
    private static string Describe(VmxControlKind kind) => kind switch
    {
        VmxControlKind.PinBased => "pin-based VM-execution",
        VmxControlKind.PrimaryProcessorBased => "primary processor-based VM-execution",
        VmxControlKind.SecondaryProcessorBased => "secondary processor-based VM-execution",
        VmxControlKind.VmExit => "VM-exit",
        _ => "VM-entry",
    };

    private static VmxControl[] Build()
    {
        var list = new List<VmxControl>();
        Add<PinBasedControls>(list, VmxControlKind.PinBased);
        Add<PrimaryProcessorControls>(list, VmxControlKind.PrimaryProcessorBased);
        Add<SecondaryProcessorControls>(list, VmxControlKind.SecondaryProcessorBased);
        Add<VmExitControlBits>(list, VmxControlKind.VmExit);
        Add<VmEntryControlBits>(list, VmxControlKind.VmEntry);
        return list.ToArray();
    }

    private static void Add<T>(List<VmxControl> list, VmxControlKind kind) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>().OrderBy(v => Convert.ToUInt32(v)))
            list.Add(new VmxControl(kind, System.Numerics.BitOperations.TrailingZeroCount(Convert.ToUInt32(v)), ToKebab(v.ToString())));
    }

    /// <summary>PascalCase to kebab-case: a word starts at each capital; digits stay with their word (Cr3, Ia32, X2apic).</summary>
    internal static string ToKebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
