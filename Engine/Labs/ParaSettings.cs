namespace VirtLab.Engine.Labs;

/// <summary>
/// A guest's <c>para:</c> section, typed: what the Xen domain builder needs to start a PV kernel
/// (where the hypercall page goes, which frames the hypervisor keeps, whether the domain is
/// privileged, which ports it may reach through emulated I/O, the command line).
/// </summary>
public sealed class ParaSettings
{
    /// <summary>Frames the hypervisor keeps for itself (its L1, GDT page, IDT, TSS, stubs, stack, shared info).</summary>
    public const uint XenFramesSize = 16 * 4096;

    /// <summary>The settings of a guest without a <c>para:</c> section.</summary>
    public static ParaSettings Default { get; } = new() { Location = new SourceLocation("<default>", 0, 0) };

    /// <summary>Guest address (= physical: VIRT_BASE 0) of the page Xen fills with hypercall stubs (XEN_ELFNOTE_HYPERCALL_PAGE), or null.</summary>
    public uint? HypercallPage { get; init; }
    /// <summary>Physical address of the <see cref="XenFramesSize"/> bytes of RAM the hypervisor keeps, or null for the top of the highest RAM region.</summary>
    public uint? XenFrames { get; init; }
    /// <summary>A privileged domain (dom0: SIF_PRIVILEGED | SIF_INITDOMAIN): it may use console_io and reach I/O ports and I/O memory.</summary>
    public bool Privileged { get; init; } = true;
    /// <summary>Ports the domain may reach through emulated IN/OUT, or null for the default (a privileged domain: every port but the PIC and PIT Xen keeps; otherwise none).</summary>
    public IReadOnlyList<ushort>? IoPorts { get; init; }
    /// <summary>The kernel command line (start_info.cmd_line, at most 1023 bytes).</summary>
    public string CommandLine { get; init; } = "";
    /// <summary>Where the section is.</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>Ports Xen keeps for itself even from dom0 (the 8259A pair and the 8254).</summary>
    public static bool IsXenPort(ushort port) => port is 0x20 or 0x21 or 0xA0 or 0xA1 or >= 0x40 and <= 0x43;

    /// <summary>Whether emulated I/O may reach <paramref name="port"/>.</summary>
    public bool MayAccessPort(ushort port) => IoPorts is { } list ? list.Contains(port) : Privileged && !IsXenPort(port);
}
