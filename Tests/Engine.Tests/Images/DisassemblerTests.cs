using System.Text;
using VirtLab.Engine.Images;
using Xunit;

namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// The disassembly listing, checked against nasm (the nasm-syntax text of nasm-assembled code is
/// the source text, and re-assembles to the same bytes), ld/nm and nasm's map file (label
/// addresses), and objdump (instruction boundaries, bytes and mnemonics).
/// </summary>
public class DisassemblerTests
{
    /// <summary>Source written the way the listing prints it (Iced's nasm style: no space after commas, hex as 7Fh).</summary>
    private const string CanonicalSource = """
        _start:
        mov eax,1
        mov dword [ebx+4],1
        mov eax,[counter]
        add byte [esi+ecx*4-8],7Fh
        push 12345678h
        call func
        loop_top:
        dec ecx
        jne short loop_top
        jmp near far_away
        lea edx,[eax+eax*2]
        movzx eax,byte [table]
        lock xadd [edi],eax
        in al,dx
        out 0E9h,al
        func:
        ret
        far_away:
        jmp 8:00100000h
        mov ax,[bp+si+2]
        shl eax,cl
        cmovne eax,[counter]
        hlt
        """;

    private const string DataSection = """

        section .data
        counter: dd 0
        table: db 1, 2, 3, 4
        """;

    private static (Machine Machine, ElfImage Elf, SymbolTable Symbols, ElfSegment Text) LoadElf(ImageToolchain t, string name, string body)
    {
        var elf = ElfImage.Parse(t.BuildElf(name, "bits 32\nsection .text\nglobal _start\n" + body));
        var m = new Machine();
        ImageLoader.LoadElf(m, elf);
        return (m, elf, SymbolTable.FromElf(elf), elf.Segments.Single(s => s.Flags.HasFlag(ElfSegmentFlags.Execute)));
    }

    [Fact]
    public void Nasm_listing_of_nasm_code_is_its_source_with_labels_where_nm_puts_them()
    {
        using var t = new ImageToolchain();
        var (m, _, symbols, text) = LoadElf(t, "canonical", CanonicalSource + DataSection);
        var listing = Disassembler.List(m.Memory, text.PhysicalAddress, (int)text.FileSize, new DisassemblyOptions { Symbols = symbols });

        Assert.Equal(DisassemblyStop.EndOfRange, listing.Stop);
        Assert.Equal((ulong)text.PhysicalAddress + text.FileSize, listing.StopAddress);
        var expected = CanonicalSource.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var actual = listing.Lines.Select(l => l.Kind == DisassemblyLineKind.Label ? l.Text + ":" : l.Text).ToArray();
        Assert.Equal(expected, actual);

        var nm = t.Nm(t.PathOf("canonical.elf"));
        foreach (var label in listing.Lines.Where(l => l.Kind == DisassemblyLineKind.Label))
            Assert.Equal(nm.Single(s => s.Name == label.Text).Value, label.Address);
        // the bytes column holds exactly the bytes at each address
        foreach (var line in listing.Instructions)
            Assert.Equal(m.Memory.Read(line.Address, line.Bytes.Length), line.Bytes);
        Assert.Equal(text.Data, listing.Instructions.SelectMany(l => l.Bytes).ToArray());
    }

    [Fact]
    public void Listing_lines_have_address_bytes_and_text_columns()
    {
        using var t = new ImageToolchain();
        var (m, _, symbols, text) = LoadElf(t, "columns", CanonicalSource + DataSection);
        var listing = Disassembler.List(m.Memory, text.PhysicalAddress, 12, new DisassemblyOptions { Symbols = symbols });
        Assert.Equal(
            "_start:\n" +
            "00100000  B801000000                      mov eax,1\n" +
            "00100005  C7430401000000                  mov dword [ebx+4],1\n",
            listing.ToString());
    }

    /// <summary>Builds nasm source from a listing: org, equ for symbols outside it, then its lines.</summary>
    private static string Reassemblable(DisassemblyListing listing, int bits, uint origin, SymbolTable? symbols)
    {
        var sb = new StringBuilder($"bits {bits}\norg 0x{origin:X}\n");
        var labels = listing.Lines.Where(l => l.Kind == DisassemblyLineKind.Label).Select(l => l.Text).ToHashSet();
        foreach (var s in symbols?.Symbols ?? Array.Empty<GuestSymbol>())
            if (!labels.Contains(s.Name)) sb.Append($"{s.Name} equ 0x{s.Address:X}\n");
        foreach (var l in listing.Lines) sb.Append(l.Kind == DisassemblyLineKind.Label ? l.Text + ":" : l.Text).Append('\n');
        return sb.ToString();
    }

    private const string VariedSource = """
        _start:
            mov esi, msg
        .next:
            lodsb
            test al, al
            jz .done
            out 0xE9, al
            jmp .next
        .done:
            rep movsd
            repne scasb
            imul eax, [ebx + edx*8 + 0x1234], -3
            shld eax, ebx, 5
            bt dword [counter], 3
            cmpxchg8b [edi]
            bswap ecx
            push word 0x1234
            push word -2
            push dword -2
            pushfd
            lgdt [gdt_ptr]
            mov cr0, eax
            mov ds, ax
            loop .next
            jecxz .done
            call [vector]
            call 0x10:0x2000
            retf 8
            int 0x21
            into
            iretd
            db 0xD6                 ; SALC
            db 0x0F, 0x04           ; invalid: listed as db, then 04 90 is add al,90h
            nop
            les eax, [counter]
            enter 16, 1
            leave
            ret 4
        """;

    private const string VariedData = """

        section .data
        msg: db "hi", 0
        counter: dd 0
        vector: dd _start
        gdt_ptr: dw 0
                 dd 0
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Nasm_listing_reassembles_to_the_same_bytes(bool withSymbols)
    {
        using var t = new ImageToolchain();
        var (m, _, symbols, text) = LoadElf(t, "varied", VariedSource + VariedData);
        var table = withSymbols ? symbols : null;
        var listing = Disassembler.List(m.Memory, text.PhysicalAddress, (int)text.FileSize, new DisassemblyOptions { Symbols = table });
        Assert.Equal(DisassemblyStop.EndOfRange, listing.Stop);
        Assert.Contains(listing.Lines, l => l.Kind == DisassemblyLineKind.Data && l.Text == "db 0x0f");
        Assert.Equal(withSymbols, listing.Lines.Any(l => l.Text == "jmp short _start.next"));
        Assert.Equal(withSymbols, listing.Lines.Any(l => l.Text == "call dword [vector]"));

        var source = Reassemblable(listing, 32, text.PhysicalAddress, table);
        var bytes = File.ReadAllBytes(t.Nasm("again", source, "bin"));
        int diff = Enumerable.Range(0, Math.Min(bytes.Length, text.Data.Length)).FirstOrDefault(i => bytes[i] != text.Data[i], -1);
        Assert.True(text.Data.AsSpan().SequenceEqual(bytes),
            $"re-assembled listing differs at +0x{diff:X} (lengths {text.Data.Length} and {bytes.Length}):\n{listing}\n{source}");
    }

    [Fact]
    public void Sixteen_bit_code_in_a_segment_lists_offsets_and_reassembles()
    {
        const string source = """
            bits 16
            org 0
            [map symbols boot.map]
            start:
                mov ax, cs
                mov ds, ax
                mov si, message
            print:
                lodsb
                or al, al
                jz done
                out 0xE9, al
                jmp print
            done:
                mov bx, [bp+di+4]
                push dword 0x12345
                push dword -2
                call word far [cs:vector]
                jmp 0x07C0:start
                hlt
            message: db "ok", 0
            vector: dw start, 0x07C0
            """;
        using var t = new ImageToolchain();
        var code = File.ReadAllBytes(t.Nasm("boot", source, "bin"));
        var m = new Machine();
        m.Memory.LoadIntoRam(0x7C00, code);

        // labels from nasm's own map file, as physical addresses (CS = 07C0h, base 0x7C00)
        var symbols = new SymbolTable();
        foreach (var line in File.ReadAllLines(t.PathOf("boot.map")))
        {
            var p = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (p.Length == 3 && uint.TryParse(p[0], System.Globalization.NumberStyles.HexNumber, null, out var offset) && p[0] == p[1])
                symbols.Add(p[2], 0x7C00 + offset);
        }
        Assert.Equal(5, symbols.Count);

        var listing = Disassembler.List(m.Memory, 0x7C00, code.Length - 7, new DisassemblyOptions { Bitness = 16, SegmentBase = 0x7C00, Symbols = symbols });
        Assert.True(listing.Lines.Any(l => l.Text == "jmp short print"), listing.ToString());
        Assert.True(listing.Lines.Any(l => l.Text == "jmp 07C0h:0"), listing.ToString()); // far targets stay numbers: the selector's base is not known here
        Assert.Contains(listing.Lines, l => l.Text == "push dword 12345h");
        Assert.Contains(listing.Lines, l => l.Text == "call far [cs:vector]"); // CS base + offset names the vector
        var again = File.ReadAllBytes(t.Nasm("again", Reassemblable(listing, 16, 0, null) + "message: db \"ok\", 0\nvector: dw start, 0x07C0\n", "bin"));
        Assert.Equal(code, again);
    }

    [Fact]
    public void Boundaries_bytes_and_mnemonics_match_objdump()
    {
        using var t = new ImageToolchain();
        var (m, _, _, text) = LoadElf(t, "objdump", CanonicalSource + DataSection);
        var bin = t.Write("text.bin", text.Data);
        var r = Differential.ExternalTools.Run(Differential.ExternalTools.Require("objdump", "binutils (Debian package binutils)"),
            new[] { "-D", "-b", "binary", "-m", "i386", "-M", "intel", $"--adjust-vma=0x{text.PhysicalAddress:X}", "--insn-width=15", bin },
            Differential.ExternalTools.NasmTimeout);
        Assert.Equal(0, r.ExitCode);
        var objdump = r.StdOut.Split('\n')
            .Select(l => l.Split('\t'))
            .Where(p => p.Length == 3 && p[0].TrimEnd().EndsWith(':'))
            .Select(p => (Address: Convert.ToUInt32(p[0].Trim().TrimEnd(':'), 16),
                          Bytes: Convert.FromHexString(p[1].Replace(" ", "")),
                          Mnemonic: p[2].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]))
            .ToList();

        var listing = Disassembler.List(m.Memory, text.PhysicalAddress, (int)text.FileSize, new DisassemblyOptions { Syntax = DisassemblySyntax.Intel });
        var ours = listing.Instructions.ToList();
        Assert.Equal(objdump.Count, ours.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.Equal(objdump[i].Address, ours[i].Address);
            Assert.Equal(objdump[i].Bytes, ours[i].Bytes);
            string mnemonic = ours[i].Text.Split(' ')[0];
            if (mnemonic == "lock") continue; // objdump also writes "lock", then its own operand forms
            Assert.Equal(objdump[i].Mnemonic, mnemonic);
        }
    }

    [Fact]
    public void Intel_syntax_writes_ptr_sizes_and_symbols()
    {
        using var t = new ImageToolchain();
        var (m, _, symbols, text) = LoadElf(t, "intel", CanonicalSource + DataSection);
        var listing = Disassembler.List(m.Memory, text.PhysicalAddress, (int)text.FileSize, new DisassemblyOptions { Syntax = DisassemblySyntax.Intel, Symbols = symbols });
        var texts = listing.Lines.Select(l => l.Text).ToList();
        Assert.Contains("mov dword ptr [ebx+4],1", texts);
        Assert.Contains("movzx eax,byte ptr [table]", texts);
        Assert.Contains("call func", texts);
        Assert.Contains("jne short loop_top", texts);
        Assert.Equal(new[] { "_start", "loop_top", "func", "far_away" }, listing.Lines.Where(l => l.Kind == DisassemblyLineKind.Label).Select(l => l.Text));
    }

    [Fact]
    public void Symbols_resolve_branch_targets_and_absolute_memory_but_not_immediates_or_based_displacements()
    {
        var code = Support.Nasm.Assemble("""
            bits 32
            org 0x3000
            call 0x2004                 ; inside sized 'func' (0x2000, 16 bytes)
            call 0x2010                 ; just past it: no symbol
            mov eax, [0x5008]           ; inside sized 'table' (0x5000, 0x20 bytes)
            mov eax, [ebx + 0x5000]     ; a displacement off a base register is not an address
            push 0x5000                 ; an immediate stays a number
            jmp 0x3000                  ; two names at one address: the first added
            """);
        var m = new Machine();
        m.Memory.LoadIntoRam(0x3000, code);
        var symbols = new SymbolTable();
        symbols.Add("func", 0x2000, 16);
        symbols.Add("table", 0x5000, 0x20);
        symbols.Add("here", 0x3000);
        symbols.Add("also_here", 0x3000);
        var listing = Disassembler.List(m.Memory, 0x3000, code.Length, new DisassemblyOptions { Symbols = symbols });
        Assert.Equal(new[]
        {
            "here", "also_here",
            "call func+4",
            "call 00002010h",
            "mov eax,[table+8]",
            "mov eax,[ebx+5000h]",
            "push 5000h",
            "jmp near here",
        }, listing.Lines.Select(l => l.Text));
        Assert.Null(symbols.Resolve(0x2010));
        Assert.Equal("func", symbols.Resolve(0x200F)!.Name);
    }

    [Fact]
    public void Listing_stops_cleanly_where_memory_is_unmapped()
    {
        var m = new Machine(new MachineOptions { RamSize = 1u << 20 });
        // mov eax, imm32 whose last two bytes would lie past the end of RAM
        m.Memory.LoadIntoRam(0xFFFFA, new byte[] { 0x90, 0x90, 0x90, 0xB8, 0x01, 0x02 });
        var listing = Disassembler.List(m.Memory, 0xFFFFA, 100);
        Assert.Equal(new[] { "nop", "nop", "nop" }, listing.Lines.Select(l => l.Text));
        Assert.Equal(DisassemblyStop.UnmappedMemory, listing.Stop);
        Assert.Equal(0xFFFFDUL, listing.StopAddress);
        Assert.Equal(0x100000u, listing.FaultAddress);
        Assert.EndsWith("; stopped at 0x000FFFFD: byte 0x00100000 is unmapped\n", listing.ToString());
        Assert.Equal(0, m.Memory.UnmappedReads); // the listing reads nothing unmapped

        var none = Disassembler.List(m.Memory, 0x200000, 16);
        Assert.Empty(none.Lines);
        Assert.Equal((DisassemblyStop.UnmappedMemory, 0x200000UL, (uint?)0x200000u), (none.Stop, none.StopAddress, none.FaultAddress));

        // a hole punched in RAM stops the listing at its first byte
        m.Memory.Unmap("hole", 0x10000, 0x1000);
        var hole = Disassembler.List(m.Memory, 0xFFF0, 0x100);
        Assert.Equal(8, hole.Instructions.Count()); // 00 00 is add [eax],al
        Assert.Equal((DisassemblyStop.UnmappedMemory, 0x10000UL, (uint?)0x10000u), (hole.Stop, hole.StopAddress, hole.FaultAddress));
    }

    [Fact]
    public void Listing_stops_at_the_end_of_the_address_space()
    {
        var rom = new byte[64 * 1024];
        Array.Fill(rom, (byte)0x90);
        rom[^2] = 0xB8; // mov eax, imm32 cut by the end of the address space
        rom[^1] = 0x01;
        var m = new Machine();
        m.LoadRom(rom);
        var cut = Disassembler.List(m.Memory, 0xFFFF_FFF0, 0x100);
        Assert.Equal(14, cut.Lines.Count);
        Assert.Equal((DisassemblyStop.EndOfAddressSpace, 0xFFFF_FFFEUL), (cut.Stop, cut.StopAddress));
        Assert.EndsWith("; stopped at 0xFFFFFFFE: reached the end of the 4 GiB address space\n", cut.ToString());

        rom[^2] = 0x90;
        rom[^1] = 0x90;
        m.LoadRom(rom);
        var all = Disassembler.List(m.Memory, 0xFFFF_FFF0, 0x100);
        Assert.Equal(16, all.Lines.Count);
        Assert.Equal((DisassemblyStop.EndOfAddressSpace, 0x1_0000_0000UL), (all.Stop, all.StopAddress));
        var exact = Disassembler.List(m.Memory, 0xFFFF_FFF0, 16);
        Assert.Equal((DisassemblyStop.EndOfRange, 0x1_0000_0000UL, 16), (exact.Stop, exact.StopAddress, exact.Lines.Count));
    }

    [Fact]
    public void The_last_instruction_may_run_past_the_range_and_an_empty_range_lists_nothing()
    {
        var m = new Machine();
        m.Memory.LoadIntoRam(0x1000, new byte[] { 0x90, 0xB8, 1, 2, 3, 4, 0x90 });
        var listing = Disassembler.List(m.Memory, 0x1000, 2);
        Assert.Equal(new[] { "nop", "mov eax,4030201h" }, listing.Lines.Select(l => l.Text));
        Assert.Equal(0x1006UL, listing.StopAddress);
        var empty = Disassembler.List(m.Memory, 0x1000, 0);
        Assert.Empty(empty.Lines);
        Assert.Equal((DisassemblyStop.EndOfRange, 0x1000UL), (empty.Stop, empty.StopAddress));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var m = new Machine();
        Assert.Throws<ArgumentNullException>(() => Disassembler.List(null!, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Disassembler.List(m.Memory, 0, -1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Disassembler.List(m.Memory, 0, 1, new DisassemblyOptions { Bitness = 64 }));
        Assert.Contains("Bitness must be 16 or 32", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Disassembler.List(m.Memory, 0, 1, new DisassemblyOptions { Syntax = (DisassemblySyntax)7 }));
        Assert.Throws<ArgumentException>(() => new SymbolTable().Add("", 0));
    }
}
