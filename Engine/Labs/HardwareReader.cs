using VirtLab.Engine.Vmm.Hardware;
using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>
/// Reads a guest's <c>hardware:</c> section into <see cref="HardwareSettings"/>: VMX controls by their
/// kebab-case names (<c>hlt-exiting: true</c>, qualified as <c>exit:...</c> where a name is in several
/// fields), the bitmaps, masks and targets, the CPUID leaf table, an explicit EPT and raw VMCS writes.
/// Every error names the file, line and column.
/// </summary>
internal sealed class HardwareReader
{
    internal static readonly string[] Keys =
    {
        "io-bitmap", "msr-bitmap", "exception-bitmap", "pf-error-code-mask", "pf-error-code-match", "cr0-mask", "cr4-mask",
        "cr3-targets", "tsc-offset", "preemption-timer", "exit-cycles", "cpuid", "ept", "vmcs",
    };
    private static readonly string[] EptKeys = { "guest", "size", "host", "access" };

    private readonly YamlSchema _s;

    public HardwareReader(YamlSchema schema) { _s = schema; }

    /// <summary>Every key the section accepts: the settings above and every control name.</summary>
    internal static IReadOnlyList<string> ValidKeys { get; } =
        Keys.Concat(VmxControls.All.GroupBy(c => c.Name).Select(g => g.Count() == 1 ? g.Key : g.First().QualifiedName))
            .Concat(VmxControls.All.Select(c => c.QualifiedName)).Distinct().ToArray();

    public HardwareSettings Read(YamlNode node, string what)
    {
        if (node is not YamlMappingNode map) throw _s.Error(node, $"the 'hardware' section of {what} must be a mapping of settings, found {YamlSchema.Describe(node)}");
        var h = new HardwareSettings();
        string where = $"the 'hardware' section of {what}";
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode ks || YamlSchema.IsNull(ks)) throw _s.Error(k, $"expected a setting name in {where}, found {YamlSchema.Describe(k)}");
            string key = ks.Value!;
            switch (key)
            {
                case "io-bitmap":
                    foreach (var item in _s.Sequence(v, "io-bitmap (ports and ranges such as 0x3f8-0x3ff)"))
                    {
                        var (first, last) = Range(item, "a port of io-bitmap", 0xFFFF);
                        for (uint p = first; p <= last; p++) h.IoBitmapPorts.Add((ushort)p);
                    }
                    break;
                case "msr-bitmap":
                {
                    var m = _s.Mapping(v, "msr-bitmap", "read", "write");
                    foreach (var (dir, set) in new[] { ("read", h.MsrReadExits), ("write", h.MsrWriteExits) })
                        if (m.Get(dir) is { } list)
                            foreach (var item in _s.Sequence(list, $"msr-bitmap {dir}"))
                            {
                                var (first, last) = Range(item, $"an MSR of msr-bitmap {dir}", uint.MaxValue);
                                if (!InBitmapRange(first) || !InBitmapRange(last) || (first <= 0x1FFF) != (last <= 0x1FFF))
                                    throw _s.Error(item, $"MSR {YamlSchema.Hex(first)}{(first != last ? "-" + YamlSchema.Hex(last) : "")} is outside the MSR bitmaps (0-0x1FFF and 0xC0000000-0xC0001FFF); such MSRs always exit");
                                for (uint msr = first; msr <= last && msr >= first; msr++) set.Add(msr);
                            }
                    break;
                }
                case "exception-bitmap":
                    foreach (var item in _s.Sequence(v, "exception-bitmap (names such as pf, gp, or vectors 0-31)"))
                    {
                        string name = _s.String(item, "an exception of exception-bitmap");
                        try { h.ExceptionBitmap |= 1u << ExceptionNames.Parse(name); }
                        catch (ArgumentException e) { throw _s.Error(item, e.Message.Split(" (Parameter")[0]); }
                    }
                    break;
                case "pf-error-code-mask": h.PageFaultErrorCodeMask = _s.UInt32(v, key); break;
                case "pf-error-code-match": h.PageFaultErrorCodeMatch = _s.UInt32(v, key); break;
                case "cr0-mask": h.Cr0Mask = _s.UInt32(v, key); break;
                case "cr4-mask": h.Cr4Mask = _s.UInt32(v, key); break;
                case "cr3-targets":
                {
                    var items = _s.Sequence(v, "cr3-targets");
                    if (items.Count > 4) throw _s.Error(items[4], "cr3-targets holds at most 4 values (IA32_VMX_MISC bits 24:16 report 4)");
                    foreach (var item in items) h.Cr3Targets.Add(_s.UInt32(item, "a CR3-target value"));
                    break;
                }
                case "tsc-offset": h.TscOffset = _s.Number(v, key, ulong.MaxValue); break;
                case "preemption-timer": h.PreemptionTimer = _s.UInt32(v, key); break;
                case "exit-cycles": h.ExitCycles = (long)_s.Number(v, key, 1_000_000_000); break;
                case "cpuid":
                {
                    if (v is not YamlMappingNode leaves) throw _s.Error(v, $"expected a mapping of CPUID leaves for cpuid (0x40000000: [eax, ebx, ecx, edx]), found {YamlSchema.Describe(v)}");
                    foreach (var (leafNode, regs) in leaves.Children)
                    {
                        uint leaf = _s.UInt32(leafNode, "a CPUID leaf");
                        var values = _s.Sequence(regs, $"CPUID leaf {YamlSchema.Hex(leaf)}");
                        if (values.Count != 4) throw _s.Error(regs, $"CPUID leaf {YamlSchema.Hex(leaf)} needs four values [eax, ebx, ecx, edx], found {values.Count}");
                        h.CpuidLeaves[leaf] = (_s.UInt32(values[0], "eax"), _s.UInt32(values[1], "ebx"), _s.UInt32(values[2], "ecx"), _s.UInt32(values[3], "edx"));
                    }
                    break;
                }
                case "ept": h.Ept = ReadEpt(v); break;
                case "vmcs":
                {
                    if (v is not YamlMappingNode fields) throw _s.Error(v, $"expected a mapping of VMCS fields for vmcs (guest_cr0: 0x31), found {YamlSchema.Describe(v)}");
                    foreach (var (fieldNode, valueNode) in fields.Children)
                    {
                        string name = _s.String(fieldNode, "a VMCS field name");
                        VmcsField field;
                        try { field = VmcsFieldInfo.Parse(name); }
                        catch (VmxException e) { throw _s.Error(fieldNode, e.Message); }
                        var info = VmcsFieldInfo.Of(field);
                        if (info.IsReadOnly) throw _s.Error(fieldNode, $"{info} is a read-only VM-exit information field: VMWRITE to it fails with error 13");
                        h.RawFields.Add((field, _s.Number(valueNode, info.CanonicalName, info.ValueMask)));
                    }
                    break;
                }
                default:
                    if (!VmxControls.TryFind(key, out var control, out string error))
                    {
                        string hint = KeySuggestion.Nearest(key, ValidKeys) is { } near ? $" (did you mean '{near}'?)"
                            : $" (settings: {string.Join(", ", Keys)}, or a VMX control by name such as hlt-exiting; see Labs/README.md)";
                        throw _s.Error(k, error.Contains(';') ? error.TrimEnd('.') : $"unknown setting '{key}' in {where}{hint}");
                    }
                    // A control named with no value (`use-io-bitmaps:`) is set, as the issue's shorthand writes it.
                    h.Controls[control] = v is YamlScalarNode { } sv && YamlSchema.IsNull(sv) || _s.Bool(v, $"the control {control.QualifiedName}");
                    break;
            }
        }
        return h;
    }

    private static bool InBitmapRange(uint msr) => msr <= 0x1FFF || msr is >= 0xC000_0000 and <= 0xC000_1FFF;

    /// <summary>A number or a range <c>first-last</c>.</summary>
    private (uint First, uint Last) Range(YamlNode node, string what, uint max)
    {
        string text = _s.String(node, what).Trim();
        int dash = text.IndexOf('-', 1);
        if (dash < 0)
        {
            uint one = (uint)_s.Number(node, what, max);
            return (one, one);
        }
        if (!YamlSchema.TryParseNumber(text[..dash].Trim(), out ulong a, out _) || !YamlSchema.TryParseNumber(text[(dash + 1)..].Trim(), out ulong b, out _))
            throw _s.Error(node, $"expected a number or a range such as 0x3f8-0x3ff for {what}, found '{text}'");
        if (a > max || b > max) throw _s.Error(node, $"{what} {text} is out of range (at most {YamlSchema.Hex(max)})");
        if (b < a) throw _s.Error(node, $"the range {text} of {what} ends before it starts");
        return ((uint)a, (uint)b);
    }

    private List<EptRegion> ReadEpt(YamlNode node)
    {
        var list = new List<EptRegion>();
        var scratch = new EptBuilder(new PhysicalMemory(0x1000), 0, 0x1000) { TablesInSeparateMemory = true };
        foreach (var item in _s.Sequence(node, "ept (regions {guest, size, host, access})"))
        {
            var m = _s.Mapping(item, "an ept region", EptKeys);
            uint guest = _s.UInt32(m.Require("guest"), "guest (the guest-physical base)");
            uint size = (uint)_s.Size(m.Require("size"), "size", 0xFFFF_F000);
            uint host = m.Get("host") is { } hn ? _s.UInt32(hn, "host (the host-physical base)") : guest;
            var accessNode = m.Require("access");
            string access = _s.String(accessNode, "access (rwx letters)");
            EptPermissions p = 0;
            foreach (char c in access)
                p |= c switch
                {
                    'r' => EptPermissions.Read, 'w' => EptPermissions.Write, 'x' => EptPermissions.Execute, '-' => 0,
                    _ => throw _s.Error(accessNode, $"access is made of the letters r, w, x (or - for none), found '{access}'"),
                };
            var region = new EptRegion(guest, size, host, p);
            try { scratch.Add(region); }
            catch (ArgumentException e) { throw _s.Error(item, e.Message.Split(" (Parameter")[0]); }
            list.Add(region);
        }
        return list;
    }
}
