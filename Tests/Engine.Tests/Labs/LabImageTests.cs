using VirtLab.Engine.Images;
using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Images;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>Image files in labs: an ELF built by nasm and ld runs as ImageLoader runs it; bad images are lab errors at the file key.</summary>
public class LabImageTests
{
    [Fact]
    public void Elf_file_runs_as_the_image_loader_runs_it()
    {
        using var t = new ImageToolchain();
        var elfBytes = t.BuildElf("guest", ElfImageTests.GuestSource);
        t.Write("guest.elf", elfBytes);
        File.WriteAllText(t.PathOf("elf.yaml"), """
            name: elf
            guests:
              - name: kernel
                start: protected32
                memory:
                  - name: ram
                    base: 0
                    size: 4MiB
                    file: guest.elf
            """);
        var guest = Lab.Load(t.PathOf("elf.yaml")).Guests[0];
        var elf = ElfImage.Parse(elfBytes);
        Assert.Equal(elf.PhysicalEntry, guest.Definition.Entry);
        Assert.Equal(elf.PhysicalEntry, guest.Definition.Memory[0].ImageEntry);
        Assert.Equal(RegionContentKind.File, guest.Definition.Memory[0].ContentKind);
        Assert.Equal(elf.Segments.Count, guest.Definition.Memory[0].Contents.Count);
        var run = guest.Run();

        var m = new Machine();
        ImageLoader.LoadElf(m, elf);
        var direct = m.Run(1_000_000);
        Assert.Equal(StopReason.ExitPort, direct.StopReason);
        Assert.Equal(direct.StopReason, run.StopReason);
        Assert.Equal(direct.ExitCode, run.ExitCode);
        Assert.Equal(direct.ConsoleText, run.ConsoleText);
        Assert.Equal(direct.InstructionsRetired, run.InstructionsRetired);
    }

    [Fact]
    public void Elf_segments_outside_the_region_and_bad_images_are_errors()
    {
        using var t = new ImageToolchain();
        t.Write("guest.elf", t.BuildElf("guest", ElfImageTests.GuestSource));
        t.Write("junk.bin", new byte[] { 1, 2, 3 });
        File.WriteAllText(t.PathOf("small.yaml"), "name: e\nguests:\n  - name: g\n    start: protected32\n    memory:\n      - {name: low, base: 0, size: 64KiB, file: guest.elf}\n");
        var ex = Assert.Throws<LabException>(() => LabLoader.Load(t.PathOf("small.yaml")));
        Assert.Equal((6, 49), (ex.Line, ex.Column)); // the file name
        Assert.Matches(@"^the image \(\d+ bytes at 0x[0-9A-F]+-0x[0-9A-F]+\) does not fit in region 'low' \(0x0-0xFFFF\)$", ex.Detail);

        File.WriteAllText(t.PathOf("junk.yaml"), "name: e\nguests:\n  - name: g\n    start: protected32\n    memory:\n      - {name: low, base: 0, size: 64KiB, file: junk.bin, format: elf}\n");
        ex = Assert.Throws<LabException>(() => LabLoader.Load(t.PathOf("junk.yaml")));
        Assert.Equal((6, 49), (ex.Line, ex.Column)); // the file name
        Assert.StartsWith($"region 'low': '{t.PathOf("junk.bin")}' is not a valid elf image: ", ex.Detail);

        File.WriteAllText(t.PathOf("mb.yaml"), "name: e\nguests:\n  - name: g\n    start: protected32\n    memory:\n      - {name: low, base: 0, size: 4MiB, file: guest.elf, format: multiboot}\n");
        ex = Assert.Throws<LabException>(() => LabLoader.Load(t.PathOf("mb.yaml")));
        Assert.StartsWith($"region 'low': '{t.PathOf("guest.elf")}' is not a valid multiboot image: ", ex.Detail);

        File.WriteAllText(t.PathOf("fmt.yaml"), "name: e\nguests:\n  - name: g\n    start: protected32\n    memory:\n      - {name: low, base: 0, size: 4MiB, file: guest.elf, format: pe}\n");
        ex = Assert.Throws<LabException>(() => LabLoader.Load(t.PathOf("fmt.yaml")));
        Assert.Equal("unknown image format 'pe' (expected one of: auto, flat, elf, multiboot)", ex.Detail);
    }

    [Fact]
    public void Flat_file_goes_at_at()
    {
        using var t = new ImageToolchain();
        t.Write("flat.bin", new byte[] { 0xB0, 0x05, 0xE6, 0xF4 }); // mov al, 5; out 0xF4, al
        File.WriteAllText(t.PathOf("flat.yaml"), "name: f\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: low, base: 0, size: 64KiB, at: 0x600, file: flat.bin}\n");
        var run = Lab.Load(t.PathOf("flat.yaml")).Guests[0].Run();
        Assert.Equal((StopReason.ExitPort, (int?)5, 2L), (run.StopReason, run.ExitCode, run.InstructionsRetired));
    }
}
