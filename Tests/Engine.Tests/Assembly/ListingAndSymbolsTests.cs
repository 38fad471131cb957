using VirtLab.Engine.Assembly;
using Xunit;
using Xunit.Abstractions;

namespace VirtLab.Engine.Tests.Assembly;

/// <summary>The symbol table, listing and options of a small program; values checked against nasm's bytes and hand-computed addresses.</summary>
public class ListingAndSymbolsTests
{
    private readonly ITestOutputHelper _output;
    public ListingAndSymbolsTests(ITestOutputHelper output) { _output = output; }

    private const string Program = """
        bits 16
        org 0x7C00
        start:
          xor ax, ax          ; 31 C0
          mov ds, ax          ; 8E D8
        .loop:
          lodsb               ; AC
          test al, al         ; 84 C0
          jz .done            ; 74 04
          out 0xE9, al        ; E6 E9
          jmp .loop           ; EB F7
        .done:
          hlt                 ; F4
        msg: db "hi", 0
        LEN equ $ - msg
        section .data vstart=0x500
        counter: dw LEN
        """;

    [Fact]
    public void Symbols_have_their_addresses()
    {
        var r = NasmComparison.AssertSameAsNasm(Program, "boot.asm");
        Assert.Equal(0x7C00, r.Origin);
        Assert.Equal(0x7C00, r["start"]);
        Assert.Equal(0x7C04, r["start.loop"]);
        Assert.Equal(0x7C0D, r["start.done"]);
        Assert.Equal(0x7C0E, r["msg"]);
        Assert.Equal(3, r["LEN"]);
        Assert.Equal(0x500, r["counter"]);
        var loop = r.FindSymbol("start.loop")!;
        Assert.True(loop.IsLabel);
        Assert.Equal(".text", loop.Section);
        Assert.Equal(6, loop.Source.Line);
        var len = r.FindSymbol("LEN")!;
        Assert.False(len.IsLabel);
        Assert.Null(len.Section);
        Assert.Equal(new[] { "start", "start.loop", "start.done", "msg", "LEN", "counter" }, r.Symbols.Select(s => s.Name).ToArray());
        Assert.Throws<KeyNotFoundException>(() => r["nope"]);
        Assert.Null(r.FindSymbol("nope"));
    }

    [Fact]
    public void Listing_has_address_offset_bytes_and_source_of_every_emitting_line()
    {
        var r = Assembler.Assemble(Program, new AssemblerOptions { SourceName = "boot.asm" });
        foreach (var l in r.Listing) _output.WriteLine(l.ToString());
        // the listing is checked against the image itself: every line's bytes are at its file offset
        foreach (var l in r.Listing)
            Assert.Equal(l.Bytes, r.Bytes.AsSpan((int)l.FileOffset, l.Bytes.Length).ToArray());
        Assert.Equal(10, r.Listing.Count);
        Assert.Equal("boot.asm", r.Listing[0].Source.File);
        Assert.Equal(0x7C00, r.Listing[0].Address);
        Assert.Equal(0, r.Listing[0].FileOffset);
        Assert.Equal("31C0", Convert.ToHexString(r.Listing[0].Bytes));
        Assert.Equal(4, r.Listing[0].Source.Line);
        Assert.True(r.Listing[0].IsCode);
        Assert.Equal(16, r.Listing[0].Bits);
        var jz = r.Listing[4];
        Assert.Equal(0x7C07, jz.Address);
        Assert.Equal("jz .done            ; 74 04", jz.Source.Text.Trim());
        var msg = r.Listing.Single(l => l.Source.Text.Contains("msg: db"));
        Assert.False(msg.IsCode);
        Assert.Equal(0x7C0E, msg.Address);
        Assert.Equal("686900", Convert.ToHexString(msg.Bytes));
        var counter = r.Listing.Last();
        Assert.Equal(".data", counter.Section);
        Assert.Equal(0x500, counter.Address);
        Assert.Equal(0x14, counter.FileOffset);
        Assert.Equal(new[] { ".text", ".data" }, r.Sections.Select(s => s.Name).ToArray());
        Assert.Equal(0x500, r.Sections[1].VStart);
        Assert.Equal(0x7C14, r.Sections[1].Start);
    }

    [Fact]
    public void Options_set_bits_origin_defines_and_include_paths()
    {
        var fs = new InMemoryFileSystem()
            .Add("/lab/inc/consts.inc", "PORT equ 0xE9\n")
            .Add("/lab/blob.bin", new byte[] { 1, 2, 3 });
        var r = Assembler.Assemble("%include \"consts.inc\"\nhere: mov eax, VALUE\nout PORT, al\nincbin \"blob.bin\"\n", new AssemblerOptions
        {
            SourceName = "/lab/main.asm",
            Bitness = 32,
            Origin = 0x1000,
            IncludePaths = new[] { "/lab/inc" },
            FileSystem = fs,
            Defines = new Dictionary<string, string> { ["VALUE"] = "0x12345678" },
        });
        Assert.Equal("B878563412E6E9010203", Convert.ToHexString(r.Bytes));
        Assert.Equal(0x1000, r["here"]);
        Assert.Equal(0xE9, r["PORT"]);
        Assert.Equal(32, r.Listing[0].Bits);
        Assert.Equal(Path.GetFullPath("/lab/inc/consts.inc"), r.FindSymbol("PORT")!.Source.File);
    }

    [Fact]
    public void Warnings_do_not_fail_the_assembly()
    {
        // nasm warns and truncates: byte data exceeds bounds
        var r = NasmComparison.AssertSameAsNasm("db 300\n", "warn.asm");
        Assert.Equal(new byte[] { 0x2C }, r.Bytes);
        var w = Assert.Single(r.Warnings);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Contains("exceeds bounds", w.Message);
    }

    [Fact]
    public void Assembles_at_least_100000_lines_per_second_on_the_instruction_corpus()
    {
        // measured and printed only: timing is never asserted
        var path = Path.Combine(NasmComparison.CorpusDir, "instructions32.asm");
        var source = File.ReadAllText(path);
        double lps = Assembler.MeasureLinesPerSecond(source, new AssemblerOptions { SourceName = path }, 20);
        _output.WriteLine($"instructions32.asm: {lps:N0} source lines per second");
        var guest = Path.Combine(Differential.QemuDifferentialTests.GuestDir, "lazy_flags.asm");
        double glps = Assembler.MeasureLinesPerSecond(File.ReadAllText(guest),
            new AssemblerOptions { SourceName = guest, IncludePaths = new[] { Differential.QemuDifferentialTests.IncludeDir } }, 3);
        _output.WriteLine($"lazy_flags.asm (macro-heavy guest): {glps:N0} source lines per second");
        Assert.True(lps > 0 && glps > 0);
    }
}
