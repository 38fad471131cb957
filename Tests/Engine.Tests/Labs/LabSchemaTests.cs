using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>The lab schema: every key read into the definition, the defaults, numbers and sizes parsed by the field's type, and error places.</summary>
public class LabSchemaTests
{
    private const string EveryKey = """
        name: 3.10
        description: "every key, once"
        guests:
          - name: all
            description: the works
            mode: para
            start: protected32
            entry: main
            registers: {eax: 0x10, ecx: 12, edx: 0b101, ebx: 1_000, esi: 0xFFFFFFFF, edi: 0, ebp: 4096, eflags: 0x202, esp: 0x9000}
            max-instructions: 0x1000
            rings:
              tables: 0x3000
              entry-ring: 1
              kernel-stack: 0x8000
              ring1-stack: 0x7000
              interrupts: {0x80: main, 14: 0x20010}
            memory:
              - {name: code, base: 0x20000, size: 4KiB, kind: ram, permissions: rwx, at: 0x20010, bits: 32, org: 0x20010, asm: "main: hlt"}
              - {name: data, base: 0, size: 64KiB, permissions: rw-, fill: 0xCC}
              - {name: bios, base: 0xF0000, size: 64KiB, kind: rom, permissions: r-x, hex: "90 0F 0b"}
              - {name: gap, base: 0x10000, size: 4KiB, kind: unmapped, permissions: "---"}
            devices:
              - {type: console, port: 0xE9}
              - {type: uart}
              - {type: exit}
              - {type: post, port: 0x190}
              - {type: pic}
              - {type: pit, port: 0x40}
            full: {translator: {block-size: 64}}
            para: {hypercall-page: 0x20000, xen-frames: 0, privileged: false, io-ports: [0xE9, 0x3F8], cmdline: "console=xen"}
            hardware: {hlt-exiting: false, io-bitmap: [0x80]}
            expect:
              stop: halted
              exit-code: 0xFFFFFFFF
              console: {equals: "x\ty"}
              post-codes: [1, 0x02, 255]
              registers: {eax: 1, cr0: 0x11, cs: 0x19}
              memory: [{address: 0x1000, bytes: "00 FF"}]
              exits:
                - {reason: IoInstruction, count: 2, port: 0xE9}
                - {reason: Hlt}
                - {reason: CrAccess, cr: 3, vector: 14, msr: 0x10, number: 1, size: 4, qualification: 0x1F}
              exits-in-order: true
        """;

    [Fact]
    public void Every_key_is_read()
    {
        var lab = LabLoader.Parse(EveryKey, "every.yaml");
        Assert.Equal("3.10", lab.Name); // a string field keeps the text: 3.10, not 3.1
        Assert.Equal("every key, once", lab.Description);
        Assert.Null(lab.SourcePath);
        var g = Assert.Single(lab.Guests);
        Assert.Equal("all", g.Name);
        Assert.Equal("the works", g.Description);
        Assert.Equal(GuestMode.Para, g.Mode);
        Assert.Equal(GuestStartState.Protected32, g.Start);
        Assert.Equal(0x20010u, g.Entry);
        Assert.Equal(0x20010u, g.Symbols["main"]);
        Assert.Equal(new Dictionary<string, uint> { ["eax"] = 0x10, ["ecx"] = 12, ["edx"] = 5, ["ebx"] = 1000, ["esi"] = 0xFFFFFFFF, ["edi"] = 0, ["ebp"] = 4096, ["eflags"] = 0x202, ["esp"] = 0x9000 }, g.Registers);
        Assert.Equal(4096, g.MaxInstructions);
        Assert.Equal(new SourceLocation("every.yaml", 4, 5), g.Location);

        var rings = g.Rings!;
        Assert.Equal(0x3000u, rings.Tables);
        Assert.Equal(1, rings.EntryRing);
        Assert.Equal(0x8000u, rings.KernelStack);
        Assert.Equal(0x7000u, rings.Ring1Stack);
        Assert.Equal(new Dictionary<int, uint> { [0x80] = 0x20010, [14] = 0x20010 }, rings.Interrupts);

        Assert.Equal(4, g.Memory.Count);
        var code = g.Memory[0];
        Assert.Equal(("code", 0x20000u, 0x1000u, LabRegionKind.Ram, RegionContentKind.Asm), (code.Name, code.Base, code.Size, code.Kind, code.ContentKind));
        Assert.Equal(RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute, code.Permissions);
        Assert.Equal(new RegionContent(0x20010, new byte[] { 0xF4 }, 1).Address, code.Contents.Single().Address);
        Assert.Equal(new byte[] { 0xF4 }, code.Contents.Single().Bytes);
        var data = g.Memory[1];
        Assert.Equal((RegionContentKind.Fill, (byte?)0xCC, RegionPermissions.Read | RegionPermissions.Write), (data.ContentKind, data.Fill, data.Permissions));
        var bios = g.Memory[2];
        Assert.Equal((LabRegionKind.Rom, RegionPermissions.Read | RegionPermissions.Execute, RegionContentKind.Hex), (bios.Kind, bios.Permissions, bios.ContentKind));
        Assert.Equal(new byte[] { 0x90, 0x0F, 0x0B }, bios.Contents.Single().Bytes);
        Assert.Equal((LabRegionKind.Unmapped, RegionPermissions.None), (g.Memory[3].Kind, g.Memory[3].Permissions));

        Assert.Equal(new[] { ("console", (ushort)0xE9), ("uart", (ushort)0x3F8), ("exit", (ushort)0xF4), ("post", (ushort)0x190), ("pic", (ushort)0x20), ("pit", (ushort)0x40) },
            g.Devices.Select(d => (d.Type, d.Port)));

        Assert.Equal(new[] { "full", "para", "hardware" }, g.Techniques.Keys);
        var para = g.Techniques["para"];
        Assert.Equal("0x20000", para.Values["hypercall-page"]); // kept raw too; typed in g.Para
        Assert.Equal(new List<object?> { "0xE9", "0x3F8" }, para.Values["io-ports"]);
        var typed = g.Para!;
        Assert.Equal((0x20000u, 0u, false, "console=xen"), (typed.HypercallPage, typed.XenFrames, typed.Privileged, typed.CommandLine));
        Assert.Equal(new ushort[] { 0xE9, 0x3F8 }, typed.IoPorts);
        Assert.Equal("64", ((IReadOnlyDictionary<string, object?>)g.Techniques["full"].Values["translator"]!)["block-size"]);
        Assert.False(g.Hardware!.Controls[VirtLab.Engine.Vmm.Hardware.VmxControls.Find("hlt-exiting")]);
        Assert.Equal(new ushort[] { 0x80 }, g.Hardware.IoBitmapPorts);
        Assert.Equal(new SourceLocation("every.yaml", 30, 11), para.Location);

        var e = g.Expect!;
        Assert.Equal(StopReason.Halted, e.Stop);
        Assert.Equal(-1, e.ExitCode);
        Assert.Equal("x\ty", e.Console);
        Assert.Null(e.ConsoleContains);
        Assert.Equal(new byte[] { 1, 2, 255 }, e.PostCodes);
        Assert.Equal(new Dictionary<string, uint> { ["eax"] = 1, ["cr0"] = 0x11, ["cs"] = 0x19 }, e.Registers);
        Assert.Equal(0x1000u, e.Memory.Single().Address);
        Assert.Equal(new byte[] { 0, 0xFF }, e.Memory.Single().Bytes);
        Assert.Equal(3, e.Exits.Count);
        Assert.Equal(("IoInstruction", (int?)2, 0xE9UL), (e.Exits[0].Reason, e.Exits[0].Count, e.Exits[0].Fields["port"]));
        Assert.Null(e.Exits[1].Count);
        Assert.Empty(e.Exits[1].Fields);
        Assert.Equal(new Dictionary<string, ulong> { ["cr"] = 3, ["vector"] = 14, ["msr"] = 0x10, ["number"] = 1, ["size"] = 4, ["qualification"] = 0x1F }, e.Exits[2].Fields);
        Assert.True(e.ExitsInOrder);

        // The lab builds: the guest enters ring 1 with its registers, the fill and the ROM in place.
        var guest = Lab.FromDefinition(lab).Guests[0];
        var cpu = guest.Machine.Cpu;
        Assert.Equal(1, cpu.Cpl);
        Assert.Equal(0x9000u, cpu.Esp);
        Assert.Equal(0x202u, cpu.EFlags);
        Assert.Equal(0x3000u, cpu.GdtrBase);
        Assert.Equal(0xCC, guest.Machine.Memory.ReadByte(0x0FFF));
        Assert.Equal(0x0B, guest.Machine.Memory.ReadByte(0xF0002));
        Assert.Equal(MemoryRegionKind.Unmapped, guest.Machine.Memory.KindAt(0x10000));
    }

    [Fact]
    public void Defaults()
    {
        var lab = LabLoader.Parse("""
            name: min
            guests:
              - name: g
                start: real16
                memory:
                  - {name: ram, base: 0, size: 4KiB, at: 0x100, hex: F4}
                  - {name: rom, base: 0xF0000, size: 64KiB, kind: rom}
            """);
        Assert.Null(lab.Description);
        var g = lab.Guests[0];
        Assert.Equal(GuestMode.Native, g.Mode);
        Assert.Null(g.Description);
        Assert.Equal(0x100u, g.Entry); // the first contents' address
        Assert.Empty(g.Registers);
        Assert.Equal(GuestDefinition.DefaultMaxInstructions, g.MaxInstructions);
        Assert.Null(g.Rings);
        Assert.Empty(g.Devices);
        Assert.Empty(g.Techniques);
        Assert.Null(g.Expect);
        Assert.Empty(g.Symbols);
        Assert.Equal(LabRegionKind.Ram, g.Memory[0].Kind);
        Assert.Equal(RegionPermissions.Read | RegionPermissions.Write | RegionPermissions.Execute, g.Memory[0].Permissions);
        Assert.Equal(RegionPermissions.Read | RegionPermissions.Execute, g.Memory[1].Permissions);
        Assert.Equal(RegionContentKind.None, g.Memory[1].ContentKind);

        var pm = LabLoader.Parse("""
            name: pm
            guests:
              - name: g
                start: protected32
                memory:
                  - {name: ram, base: 0, size: 64KiB, at: 0x8000, hex: F4}
            """).Guests[0];
        Assert.Equal((0x1000u, 0, 0x1000u, 0xC00u), (pm.Rings!.Tables, pm.Rings.EntryRing, pm.Rings.KernelStack, pm.Rings.Ring1Stack));
        Assert.Empty(pm.Rings.Interrupts);
        var machine = Lab.FromDefinition(new LabDefinition { Name = "pm", Guests = new[] { pm } }).Guests[0].Machine;
        Assert.Equal(0x1000u, machine.Cpu.Esp);
        Assert.Equal(0u, machine.Cpu.Cr3);
        Assert.Equal(0x11u, machine.Cpu.Cr0);
    }

    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("0x1000", 4096UL)]
    [InlineData("0X1000", 4096UL)]
    [InlineData("0b1000000000000", 4096UL)]
    [InlineData("4KiB", 4096UL)]
    [InlineData("4 KiB", 4096UL)]
    [InlineData("64KiB", 65536UL)]
    [InlineData("4MiB", 4UL << 20)]
    [InlineData("0x10 MiB", 16UL << 20)]
    [InlineData("1GiB", 1UL << 30)]
    [InlineData("1_048_576", 1UL << 20)]
    public void Sizes(string text, ulong expected)
    {
        var g = LabLoader.Parse($"name: s\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {{name: c, base: 0, size: 4KiB, hex: F4}}\n      - {{name: r, base: 0x10000000, size: \"{text}\", kind: unmapped}}").Guests[0];
        Assert.Equal(expected, (ulong)g.Memory[1].Size);
    }

    [Theory]
    [InlineData("1.5KiB")]
    [InlineData("4kib")]
    [InlineData("4K")]
    [InlineData("0x")]
    [InlineData("_1")]
    [InlineData("1__")]
    [InlineData("-4096")]
    [InlineData("4096.0")]
    [InlineData("0x1G")]
    public void Bad_sizes_name_the_text(string text)
    {
        var ex = Assert.Throws<LabException>(() => LabLoader.Parse($"name: s\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {{name: r, base: 0, size: \"{text}\", hex: F4}}", "s.yaml"));
        Assert.Equal(("s.yaml", 6, 34), (ex.File, ex.Line, ex.Column)); // the opening quote of the size
        Assert.Equal($"expected a size for the size of region 'r' (bytes, or a number with KiB, MiB or GiB), found '{text}'", ex.Detail);
    }

    [Fact]
    public void Numbers_never_overflow_silently()
    {
        var ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: s\nguests:\n  - name: g\n    start: real16\n    max-instructions: 99999999999999999999999\n    memory: [{name: r, base: 0, size: 4KiB, hex: F4}]"));
        Assert.Equal("max-instructions of guest 'g' 99999999999999999999999 is out of range (at most 0x7FFFFFFFFFFFFFFF)", ex.Detail);
        ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: s\nguests:\n  - name: g\n    start: real16\n    registers: {eax: 0x100000000}\n    memory: [{name: r, base: 0, size: 4KiB, hex: F4}]"));
        Assert.Equal("register eax 0x100000000 is out of range (at most 0xFFFFFFFF)", ex.Detail);
        ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: s\nguests:\n  - name: g\n    start: real16\n    memory: [{name: r, base: 0, size: 8GiB, hex: F4}]"));
        Assert.Equal("the size of region 'r' 8GiB is out of range (at most 0x100000000)", ex.Detail);
    }

    [Fact]
    public void Inline_asm_errors_point_into_the_lab_file()
    {
        // A literal block: the assembler's line and column, offset by the block's first line and indentation.
        var ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: a\nguests:\n  - name: g\n    start: real16\n    memory:\n      - name: r\n        base: 0\n        size: 4KiB\n        asm: |\n          nop\n\n            mov ax, frob\n", "a.yaml"));
        Assert.Equal(("a.yaml", 12, 21), (ex.File, ex.Line, ex.Column));
        Assert.StartsWith("a.yaml:12:21: ", ex.Message);
        Assert.EndsWith("(in the asm of region 'r')", ex.Detail);

        // A quoted one-liner: the column inside the quotes.
        ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: a\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: r, base: 0, size: 4KiB, asm: \"nop\\nfrob ax\"}\n"));
        Assert.Equal((6, 45), (ex.Line, ex.Column));
        Assert.Equal("'frob' is not an instruction, directive or macro (in line 2, column 1 of the asm of region 'r')", ex.Detail);
        ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: a\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: r, base: 0, size: 4KiB, asm: 'xor ax, frob'}\n"));
        Assert.Equal((6, 54), (ex.Line, ex.Column));
    }

    [Fact]
    public void Source_files_assemble_relative_to_the_lab_and_report_their_own_lines()
    {
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-labs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "inc"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "inc", "defs.inc"), "PORT equ 0xE9\n");
            File.WriteAllText(Path.Combine(dir, "good.asm"), "%include \"inc/defs.inc\"\nstart: mov dx, PORT\nout dx, al\nhlt\n");
            File.WriteAllText(Path.Combine(dir, "bad.asm"), "nop\nnop\n  mov ax, ,\n");
            string yaml(string src) => $"name: s\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {{name: r, base: 0, size: 64KiB, at: 0x7C00, source: {src}}}\n";
            File.WriteAllText(Path.Combine(dir, "good.yaml"), yaml("good.asm"));
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), yaml("bad.asm"));

            var g = LabLoader.Load(Path.Combine(dir, "good.yaml")).Guests[0];
            Assert.Equal(Nasm.Assemble("org 0x7C00\nstart: mov dx, 0xE9\nout dx, al\nhlt\n"), g.Memory[0].Contents[0].Bytes);
            Assert.Equal(0x7C00u, g.Symbols["start"]);
            Assert.Equal(RegionContentKind.Source, g.Memory[0].ContentKind);

            var ex = Assert.Throws<LabException>(() => LabLoader.Load(Path.Combine(dir, "bad.yaml")));
            Assert.Equal((Path.Combine(dir, "bad.asm"), 3, 11), (ex.File, ex.Line, ex.Column));
            Assert.EndsWith($"(assembling 'source' of region 'r', {Path.Combine(dir, "bad.yaml")}:6:61)", ex.Detail);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Include_errors_inside_inline_asm()
    {
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-labs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "bad.inc"), "nop\nfrob ax\n");
            string lab(string include) => $"name: i\nguests:\n  - name: g\n    start: real16\n    memory:\n      - name: ram\n        base: 0\n        size: 4KiB\n        asm: |\n          nop\n          %include \"{include}\"\n";
            File.WriteAllText(Path.Combine(dir, "missing.yaml"), lab("no-such.inc"));
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), lab("bad.inc"));

            // A missing include: the %include line in the lab file.
            var ex = Assert.Throws<LabException>(() => LabLoader.Load(Path.Combine(dir, "missing.yaml")));
            Assert.Equal((11, 20), (ex.Line, ex.Column));
            Assert.StartsWith("cannot find include file \"no-such.inc\" (looked in ", ex.Detail);
            Assert.Contains(dir, ex.Detail); // the lab's folder is searched

            // An error inside the included file: reported at the asm block, naming the file and line.
            ex = Assert.Throws<LabException>(() => LabLoader.Load(Path.Combine(dir, "bad.yaml")));
            Assert.Equal((Path.Combine(dir, "bad.yaml"), 9, 14), (ex.File, ex.Line, ex.Column));
            Assert.Equal($"{Path.Combine(dir, "bad.inc")}:2:1: 'frob' is not an instruction, directive or macro (included by the asm of region 'ram')", ex.Detail);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Yaml_errors_carry_the_mark()
    {
        var ex = Assert.Throws<LabException>(() => LabLoader.Parse("name: x\nguests:\n  - name: [unclosed\n", "y.yaml"));
        Assert.Equal("y.yaml", ex.File);
        Assert.Equal(4, ex.Line);
        Assert.StartsWith("YAML syntax: ", ex.Detail);
        Assert.DoesNotContain("(Line:", ex.Detail);
        Assert.IsAssignableFrom<YamlDotNet.Core.YamlException>(ex.InnerException);
    }

    [Fact]
    public void Two_guests_and_a_label_entry_below_64KiB()
    {
        var lab = LabLoader.Parse("""
            name: two
            guests:
              - name: first
                start: real16
                entry: second
                memory:
                  - name: ram
                    base: 0
                    size: 64KiB
                    at: 0x500
                    asm: |
                      first: hlt
                      second: mov al, 1
                      out 0xF4, al
              - name: other
                start: real16
                memory:
                  - {name: ram, base: 0, size: 4KiB, hex: F4}
            """);
        Assert.Equal(new[] { "first", "other" }, lab.Guests.Select(g => g.Name));
        Assert.Equal(0x501u, lab.Guests[0].Entry);
        var run = Lab.FromDefinition(lab).GetGuest("first").Run();
        Assert.Equal((StopReason.ExitPort, (int?)1), (run.StopReason, run.ExitCode));
    }

    [Fact]
    public void Real16_code_above_64KiB_runs_in_its_own_segment()
    {
        var lab = Lab.FromYaml("""
            name: high
            guests:
              - name: g
                start: real16
                memory:
                  - name: ram
                    base: 0
                    size: 256KiB
                    at: 0x23450
                    asm: |
                      start: mov cx, cs
                      mov bx, here
                      here: mov al, 0
                      out 0xF4, al
            """);
        var run = lab.Guests[0].Run();
        Assert.Equal(StopReason.ExitPort, run.StopReason);
        Assert.Equal(0x2345u, run.Registers["ecx"] & 0xFFFF);
        Assert.Equal(5u, run.Registers["ebx"] & 0xFFFF); // origin 0 in segment 0x2345: 'here' is at offset 5 (mov cx, cs: 2 bytes; mov bx, imm16: 3)
    }
}
