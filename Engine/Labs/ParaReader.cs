using YamlDotNet.RepresentationModel;

namespace VirtLab.Engine.Labs;

/// <summary>Reads a guest's <c>para:</c> section into <see cref="ParaSettings"/>, with file:line:column errors.</summary>
internal sealed class ParaReader
{
    internal static readonly string[] Keys = { "hypercall-page", "xen-frames", "privileged", "io-ports", "cmdline" };

    private readonly YamlSchema _schema;

    public ParaReader(YamlSchema schema) { _schema = schema; }

    /// <param name="node">The section.</param>
    /// <param name="regions">The guest's memory map.</param>
    /// <param name="readAddress">Reads a number or a label of the guest's code.</param>
    /// <param name="what">The guest, for messages.</param>
    public ParaSettings Read(YamlNode node, IReadOnlyList<MemoryRegionDefinition> regions, Func<YamlNode, string, uint> readAddress, string what)
    {
        var s = _schema;
        var m = s.Mapping(node, $"the para section of {what}", Keys);
        uint? page = null, frames = null;
        if (m.Get("hypercall-page") is { } hp)
        {
            uint a = readAddress(hp, $"the hypercall page of {what}");
            if ((a & PhysicalMemory.PageMask) != 0) throw s.Error(hp, $"the hypercall page of {what} ({YamlSchema.Hex(a)}) must be a multiple of 4 KiB (Xen fills one whole page)");
            if (!regions.Any(r => r.Kind == LabRegionKind.Ram && r.Base <= a && a + (ulong)PhysicalMemory.PageSize <= r.End))
                throw s.Error(hp, $"the hypercall page of {what} ({YamlSchema.Hex(a)}) is not inside a ram region");
            page = a;
        }
        if (m.Get("xen-frames") is { } xf)
        {
            uint a = s.UInt32(xf, $"the xen frames of {what}");
            if ((a & PhysicalMemory.PageMask) != 0) throw s.Error(xf, $"the xen frames of {what} ({YamlSchema.Hex(a)}) must be a multiple of 4 KiB");
            if (!regions.Any(r => r.Kind == LabRegionKind.Ram && r.Base <= a && a + (ulong)ParaSettings.XenFramesSize <= r.End))
                throw s.Error(xf, $"the xen frames of {what} need {YamlSchema.Hex(ParaSettings.XenFramesSize)} bytes of ram at {YamlSchema.Hex(a)}");
            frames = a;
        }
        else
        {
            var top = regions.Where(r => r.Kind == LabRegionKind.Ram).OrderByDescending(r => r.End).FirstOrDefault();
            if (top is null || top.Size < 2 * ParaSettings.XenFramesSize)
                throw s.Error(node, $"{what} runs paravirtualized and needs a ram region of at least {YamlSchema.Hex(2 * ParaSettings.XenFramesSize)} bytes: Xen keeps the top {YamlSchema.Hex(ParaSettings.XenFramesSize)} of it");
        }
        uint xenBase = frames ?? (uint)(regions.Where(r => r.Kind == LabRegionKind.Ram).Max(r => r.End) - ParaSettings.XenFramesSize);
        foreach (var r in regions)
            foreach (var c in r.Contents)
                if (c.Address < xenBase + (ulong)ParaSettings.XenFramesSize && xenBase < c.Address + (ulong)Math.Max(c.MemorySize, (uint)c.Bytes.Length))
                    throw s.Error(m.Get("xen-frames") ?? node, $"the hypervisor's frames ({YamlSchema.Hex(xenBase)}-{YamlSchema.Hex(xenBase + ParaSettings.XenFramesSize - 1)}) overlap the contents of region '{r.Name}': move them with 'xen-frames'");
        if (page is { } p && p >= xenBase && p < xenBase + (ulong)ParaSettings.XenFramesSize)
            throw s.Error(m.Get("hypercall-page")!, $"the hypercall page of {what} ({YamlSchema.Hex(p)}) lies in the hypervisor's frames");

        bool privileged = m.Get("privileged") is not { } pn || s.Bool(pn, $"'privileged' of {what}");
        List<ushort>? ports = null;
        if (m.Get("io-ports") is { } ion)
        {
            ports = new List<ushort>();
            foreach (var pnode in s.Sequence(ion, $"the io-ports of {what}"))
            {
                ushort port = (ushort)s.Number(pnode, $"an io port of {what}", 0xFFFF);
                if (ParaSettings.IsXenPort(port)) throw s.Error(pnode, $"port {YamlSchema.Hex(port)} belongs to the hypervisor (the PIC and PIT are Xen's): a domain cannot be given it");
                ports.Add(port);
            }
        }
        string cmdline = m.Get("cmdline") is { } cn ? s.String(cn, $"the command line of {what}") : "";
        if (cmdline.Length >= 1024) throw s.Error(m.Get("cmdline")!, $"the command line of {what} has {cmdline.Length} characters; start_info holds at most 1023");
        return new ParaSettings { HypercallPage = page, XenFrames = frames, Privileged = privileged, IoPorts = ports, CommandLine = cmdline, Location = s.At(node) };
    }
}
