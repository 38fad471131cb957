using VirtLab.Engine.Labs;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>The <c>para:</c> section: typed settings, and errors with file:line:column.</summary>
public class ParaReaderTests
{
    private static string Lab(string para, string memory = "{name: ram, base: 0, size: 1MiB, at: 0x10000, asm: \"main: hlt\"}") => $"""
        name: p
        guests:
          - name: k
            mode: para
            start: protected32
            memory:
              - {memory}
            para: {para}
        """;

    private static LabException Fails(string para, string? memory = null) =>
        Assert.Throws<LabException>(() => LabLoader.Parse(memory is null ? Lab(para) : Lab(para, memory), "p.yaml"));

    [Fact]
    public void Reads_every_key()
    {
        var g = LabLoader.Parse(Lab("{hypercall-page: main, xen-frames: 0x40000, privileged: false, io-ports: [0xE9, 0xF4], cmdline: hi}"), "p.yaml").Guests[0];
        var p = g.Para!;
        Assert.Equal(0x10000u, p.HypercallPage);
        Assert.Equal(0x40000u, p.XenFrames);
        Assert.False(p.Privileged);
        Assert.Equal(new ushort[] { 0xE9, 0xF4 }, p.IoPorts);
        Assert.Equal("hi", p.CommandLine);
        Assert.Equal(new SourceLocation("p.yaml", 8, 11), p.Location);
        Assert.True(p.MayAccessPort(0xF4));
        Assert.False(p.MayAccessPort(0x3F8));
    }

    [Fact]
    public void Defaults_give_a_privileged_domain_every_port_but_xens()
    {
        var p = LabLoader.Parse(Lab("{}"), "p.yaml").Guests[0].Para!;
        Assert.True(p.Privileged);
        Assert.Null(p.HypercallPage);
        Assert.True(p.MayAccessPort(0xE9));
        Assert.False(p.MayAccessPort(0x21));
        Assert.False(p.MayAccessPort(0x43));
        Assert.False(new ParaSettings { Privileged = false, Location = p.Location }.MayAccessPort(0xE9));
    }

    [Fact]
    public void An_unknown_key_gets_a_suggestion()
    {
        var e = Fails("{hypercal-page: 0x10000}");
        Assert.Equal("p.yaml:8:12: unknown key 'hypercal-page' in the para section of guest 'k' (did you mean 'hypercall-page'?)", e.Message);
    }

    [Fact]
    public void The_hypercall_page_is_a_ram_page()
    {
        Assert.Equal("p.yaml:8:28: the hypercall page of guest 'k' (0x10010) must be a multiple of 4 KiB (Xen fills one whole page)", Fails("{hypercall-page: 0x10010}").Message);
        Assert.Equal("p.yaml:8:28: the hypercall page of guest 'k' (0x200000) is not inside a ram region", Fails("{hypercall-page: 0x200000}").Message);
        Assert.Contains("no label 'nowhere'", Fails("{hypercall-page: nowhere}").Message);
        Assert.Equal("p.yaml:8:28: the hypercall page of guest 'k' (0xF0000) lies in the hypervisor's frames", Fails("{hypercall-page: 0xF0000}").Message);
    }

    [Fact]
    public void The_xen_frames_need_64_kib_of_free_ram()
    {
        Assert.Equal("p.yaml:8:24: the xen frames of guest 'k' (0x1234) must be a multiple of 4 KiB", Fails("{xen-frames: 0x1234}").Message);
        Assert.Equal("p.yaml:8:24: the xen frames of guest 'k' need 0x10000 bytes of ram at 0xF8000", Fails("{xen-frames: 0xF8000}").Message);
        Assert.StartsWith("p.yaml:8:24: the hypervisor's frames (0x10000-0x1FFFF) overlap the contents of region 'ram'", Fails("{xen-frames: 0x10000}").Message);
        Assert.Contains("needs a ram region of at least 0x20000 bytes", Fails("{}", "{name: ram, base: 0, size: 64KiB, at: 0x8000, asm: \"main: hlt\"}").Message);
    }

    [Fact]
    public void Ports_privileged_and_cmdline_are_checked()
    {
        Assert.Equal("p.yaml:8:23: port 0x20 belongs to the hypervisor (the PIC and PIT are Xen's): a domain cannot be given it", Fails("{io-ports: [0x20]}").Message);
        Assert.Contains("expected true or false for 'privileged' of guest 'k', found 'yes'", Fails("{privileged: yes}").Message);
        Assert.Contains("start_info holds at most 1023", Fails("{cmdline: " + new string('x', 1024) + "}").Message);
        Assert.Contains("the 'para' section of guest 'k' must be a mapping", Fails("7").Message);
    }
}
