using System.Buffers.Binary;
using System.Globalization;
using VirtLab.Engine.Images;
using Xunit;

namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// ELF32 parsing and loading, checked against executables built by nasm -f elf32 + GNU ld -m elf_i386
/// and against what readelf and nm (binutils) say about them; every rejection is triggered by a
/// real-world input (an object file, an x86-64 executable) or a hand-corrupted copy of a good one.
/// </summary>
public class ElfImageTests
{
    /// <summary>Prints a string from .data, checks its 8 KiB .bss is zero, reloads the segment registers through the loader's GDT, exits with a .data byte.</summary>
    public const string GuestSource = """
        bits 32
        BUFSIZE equ 8192
        section .text
        global _start
        _start:
            mov esi, msg
        .print:
            lodsb
            test al, al
            jz .done
            out 0xE9, al
            jmp .print
        .done:
            mov edi, buffer
            mov ecx, BUFSIZE
            xor eax, eax
            repe scasb
            jne .dirty
            mov al, 'Z'
            out 0xE9, al
            mov dword [buffer], 0x12345678
            mov ax, ds
            mov ds, ax
            mov es, ax
            mov ss, ax
            jmp 0x08:.far
        .far:
            push eax
            pop eax
            mov al, [exit_code]
            out 0xF4, al
        .dirty:
            mov al, 'D'
            out 0xE9, al
            mov al, 0xEE
            out 0xF4, al
            hlt
        section .data
        msg: db "hello from elf", 10, 0
        global exit_code
        exit_code: db 42
        section .bss
        buffer: resb BUFSIZE
        """;

    private static readonly Lazy<byte[]> Base = new(() =>
    {
        using var t = new ImageToolchain();
        return t.BuildElf("guest", GuestSource);
    });

    /// <summary>A fresh copy of the good executable, to corrupt.</summary>
    private static byte[] Good() => (byte[])Base.Value.Clone();

    [Fact]
    public void Header_segments_and_entry_match_readelf()
    {
        using var t = new ImageToolchain();
        var file = t.Write("guest.elf", Good());
        var elf = ElfImage.Parse(File.ReadAllBytes(file));

        string header = t.ReadElf(file, "-h");
        var entryLine = header.Split('\n').Single(l => l.Contains("Entry point address:"));
        Assert.Equal(Convert.ToUInt32(entryLine.Split(':')[1].Trim(), 16), elf.Entry);
        Assert.Equal(elf.Entry, elf.PhysicalEntry); // ld -Ttext: p_vaddr == p_paddr

        var loads = t.ReadElf(file, "-l").Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 8 && p[0] == "LOAD")
            .Select(p => new
            {
                Offset = Hex(p[1]), VAddr = Hex(p[2]), PAddr = Hex(p[3]), FileSize = Hex(p[4]), MemSize = Hex(p[5]),
                Flags = string.Concat(p[6..^1]),
            })
            .Where(l => l.MemSize != 0)
            .ToList();
        Assert.Equal(3, loads.Count); // headers (R), .text (R E), .data + .bss (RW)
        Assert.Equal(loads.Count, elf.Segments.Count);
        for (int i = 0; i < loads.Count; i++)
        {
            var s = elf.Segments[i];
            Assert.Equal(loads[i].Offset, s.FileOffset);
            Assert.Equal(loads[i].VAddr, s.VirtualAddress);
            Assert.Equal(loads[i].PAddr, s.PhysicalAddress);
            Assert.Equal(loads[i].FileSize, s.FileSize);
            Assert.Equal(loads[i].MemSize, s.MemorySize);
            string flags = (s.Flags.HasFlag(ElfSegmentFlags.Read) ? "R" : "") + (s.Flags.HasFlag(ElfSegmentFlags.Write) ? "W" : "") + (s.Flags.HasFlag(ElfSegmentFlags.Execute) ? "E" : "");
            Assert.Equal(loads[i].Flags, flags);
            Assert.Equal(File.ReadAllBytes(file).AsSpan((int)s.FileOffset, (int)s.FileSize).ToArray(), s.Data);
        }
        var bss = elf.Segments[2];
        Assert.True(bss.MemorySize >= bss.FileSize + 8192, "the data segment carries the 8 KiB .bss as zero fill");
    }

    [Fact]
    public void Symbols_match_nm()
    {
        using var t = new ImageToolchain();
        var file = t.Write("guest.elf", Good());
        var elf = ElfImage.Parse(File.ReadAllBytes(file));
        var nm = t.Nm(file);
        // nm's absolute symbols ('a'/'A', e.g. BUFSIZE equ 8192) are constants, not addresses.
        var expected = nm.Where(s => s.Type is not ('a' or 'A')).Select(s => (s.Name, s.Value)).Order().ToList();
        var actual = elf.Symbols.Where(s => s.IsAddress).Select(s => (s.Name, s.Value)).Order().ToList();
        Assert.Equal(expected, actual);
        Assert.Contains(("_start.print", elf.Entry + 5), actual); // nasm local label: after mov esi, imm32
        var bufsize = Assert.Single(elf.Symbols, s => s.Name == "BUFSIZE");
        Assert.Equal((8192u, ElfSymbol.SectionAbsolute), (bufsize.Value, bufsize.SectionIndex));
        Assert.Equal(ElfSymbolBinding.Global, elf.Symbols.Single(s => s.Name == "exit_code").Binding);
        Assert.Equal(ElfSymbolBinding.Local, elf.Symbols.Single(s => s.Name == "msg").Binding);
        Assert.Contains(elf.Symbols, s => s.Type == ElfSymbolType.File && s.Name.EndsWith("guest.asm"));

        var table = SymbolTable.FromElf(elf);
        Assert.Equal(actual.Count, table.Count);
        Assert.Equal("_start", table.At(elf.Entry)[0].Name);
        Assert.Equal(nm.Single(s => s.Name == "buffer").Value, table.Symbols.Single(s => s.Name == "buffer").Address);
    }

    [Fact]
    public void Stripped_executable_has_no_symbols()
    {
        using var t = new ImageToolchain();
        var obj = t.Nasm("guest", GuestSource);
        var exe = t.Link("guest.elf", new[] { obj }, "elf_i386", "-Ttext", "0x100000", "-s");
        var elf = ElfImage.Parse(File.ReadAllBytes(exe));
        Assert.Empty(elf.Symbols);
        Assert.Equal(3, elf.Segments.Count);
    }

    [Fact]
    public void Loaded_executable_runs_with_bss_zeroed_and_exact_bounds()
    {
        var elf = ElfImage.Parse(Good());
        var m = new Machine();
        Array.Fill(m.Memory.Ram, (byte)0xAA); // whatever the RAM held before must not show through the bss
        ImageLoader.LoadElf(m, elf);

        foreach (var s in elf.Segments)
        {
            Assert.Equal(s.Data, m.Memory.Read(s.PhysicalAddress, (int)s.FileSize));
            Assert.All(m.Memory.Read(s.PhysicalAddress + s.FileSize, (int)(s.MemorySize - s.FileSize)), b => Assert.Equal(0, b));
            Assert.Equal(0xAA, m.Memory.ReadByte(s.PhysicalAddress + s.MemorySize)); // nothing written past p_memsz
        }
        Assert.Equal(FlatProtectedMode.GdtBytes(), m.Memory.Read(0x8000, FlatProtectedMode.GdtSize));
        var cpu = m.Cpu;
        Assert.Equal(elf.PhysicalEntry, cpu.Eip);
        Assert.Equal(0x8000u, cpu.Esp);
        Assert.Equal((0x8000u, (ushort)23), (cpu.GdtrBase, cpu.GdtrLimit));
        Assert.Equal(FlatProtectedMode.EntryCr0, cpu.Cr0);

        var r = m.Run(1_000_000);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal("hello from elf\nZ", r.ConsoleText);
        Assert.Equal(42, r.ExitCode);
    }

    [Fact]
    public void Physical_load_address_differs_from_virtual_entry_is_translated()
    {
        // A higher-half layout: linked at 0xC0100000, loaded at 1 MiB (AT), as kernels that enable paging are.
        const string script = """
            ENTRY(_start)
            SECTIONS {
              . = 0xC0100000;
              .text : AT(0x100000) { *(.text) }
            }
            """;
        const string source = """
            bits 32
            section .text
            global _start
            nop
            nop
            _start:
                mov al, 'V'
                out 0xE9, al
                jmp short .exit
                hlt
            .exit:
                mov al, 7
                out 0xF4, al
            """;
        using var t = new ImageToolchain();
        File.WriteAllText(t.PathOf("high.ld"), script);
        var obj = t.Nasm("high", source);
        var elf = ElfImage.Parse(File.ReadAllBytes(t.Link("high.elf", new[] { obj }, "elf_i386", "-T", t.PathOf("high.ld"))));
        Assert.Equal(0xC010_0002u, elf.Entry);
        Assert.Equal(0x0010_0002u, elf.PhysicalEntry);
        var text = Assert.Single(elf.Segments);
        Assert.Equal((0xC010_0000u, 0x0010_0000u), (text.VirtualAddress, text.PhysicalAddress));
        var symbols = SymbolTable.FromElf(elf);
        Assert.Equal(0x0010_0002u, symbols.Symbols.Single(s => s.Name == "_start").Address);

        var m = new Machine();
        ImageLoader.LoadElf(m, elf);
        var r = m.Run(1000);
        Assert.Equal("V", r.ConsoleText);
        Assert.Equal(7, r.ExitCode);
    }

    [Fact]
    public void Object_file_is_rejected_as_ET_REL()
    {
        using var t = new ImageToolchain();
        var obj = File.ReadAllBytes(t.Nasm("guest", GuestSource));
        var e = Assert.Throws<ImageException>(() => ElfImage.Parse(obj));
        Assert.Contains("e_type is 1 (ET_REL", e.Message);
    }

    [Fact]
    public void X86_64_executable_is_rejected_as_ELFCLASS64()
    {
        using var t = new ImageToolchain();
        var obj = t.Nasm("guest64", "bits 64\nsection .text\nglobal _start\n_start: hlt\n", "elf64");
        var exe = File.ReadAllBytes(t.Link("guest64.elf", new[] { obj }, "elf_x86_64"));
        var e = Assert.Throws<ImageException>(() => ElfImage.Parse(exe));
        Assert.Contains("e_ident[EI_CLASS] is 2 (ELFCLASS64)", e.Message);
    }

    // ---- hand-corrupted variants of the good executable, one per check --------------------------

    private static int PhOff(byte[] f) => (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(28));
    private static int ShOff(byte[] f) => (int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(32));
    private static int PhNum(byte[] f) => BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(44));
    private static int ShNum(byte[] f) => BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(48));
    private static int Ph(byte[] f, int i) => PhOff(f) + 32 * i;
    private static int Sh(byte[] f, int i) => ShOff(f) + 40 * i;
    private static void Put16(byte[] f, int at, int v) => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(at), (ushort)v);
    private static void Put32(byte[] f, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(at), v);
    private static uint Get32(byte[] f, int at) => BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(at));
    /// <summary>Index of the program header of the n-th PT_LOAD (0-based).</summary>
    private static int Load(byte[] f, int n) => Enumerable.Range(0, PhNum(f)).Where(i => Get32(f, Ph(f, i)) == 1).ElementAt(n);
    private static int SectionOfType(byte[] f, uint type) => Enumerable.Range(0, ShNum(f)).First(i => Get32(f, Sh(f, i) + 4) == type);
    private static int Symtab(byte[] f) => SectionOfType(f, 2);
    private static int Strtab(byte[] f) => (int)Get32(f, Sh(f, Symtab(f)) + 24);

    public static readonly Dictionary<string, (Func<byte[], byte[]> Corrupt, string Message)> Corruptions = new()
    {
        ["bad-magic"] = (f => { f[1] = (byte)'X'; return f; }, "ELF: bad magic 7F 58 4C 46"),
        ["empty-file"] = (f => Array.Empty<byte>(), "ELF: bad magic (empty file)"),
        ["truncated-header"] = (f => f[..40], "shorter than the 52-byte ELF32 header"),
        ["big-endian"] = (f => { f[5] = 2; return f; }, "e_ident[EI_DATA] is 2 (ELFDATA2MSB, big endian)"),
        ["ident-version"] = (f => { f[6] = 0; return f; }, "e_ident[EI_VERSION] is 0"),
        ["type-dyn"] = (f => { Put16(f, 16, 3); return f; }, "e_type is 3 (ET_DYN"),
        ["machine-x86-64"] = (f => { Put16(f, 18, 62); return f; }, "e_machine is 62 (EM_X86_64)"),
        ["version"] = (f => { Put32(f, 20, 2); return f; }, "e_version is 2"),
        ["ehsize"] = (f => { Put16(f, 40, 40); return f; }, "e_ehsize is 40"),
        ["no-program-headers"] = (f => { Put16(f, 44, 0); return f; }, "no program headers (e_phnum 0"),
        ["pn-xnum"] = (f => { Put16(f, 44, 0xFFFF); return f; }, "PN_XNUM"),
        ["phentsize"] = (f => { Put16(f, 42, 16); return f; }, "e_phentsize is 16"),
        ["ph-table-past-eof"] = (f => { Put32(f, 28, (uint)f.Length - 40); return f; }, "the program header table (e_phoff"),
        ["filesz-over-memsz"] = (f => { int p = Ph(f, Load(f, 1)); Put32(f, p + 20, Get32(f, p + 16) - 1); return f; }, "has p_filesz 0x"),
        ["segment-past-eof"] = (f => { int p = Ph(f, Load(f, 1)); Put32(f, p + 4, (uint)f.Length - 4); return f; }, "file bytes 0x"),
        ["segment-past-4gib"] = (f => { int p = Ph(f, Load(f, 2)); Put32(f, p + 12, 0xFFFF_F000); Put32(f, p + 20, 0x2000); return f; }, "at physical 0xFFFFF000 with p_memsz 0x2000 runs past 4 GiB"),
        ["virtual-past-4gib"] = (f => { int p = Ph(f, Load(f, 2)); Put32(f, p + 8, 0xFFFF_F000); Put32(f, p + 20, 0x2000); return f; }, "at virtual 0xFFFFF000 with p_memsz 0x2000 runs past 4 GiB"),
        ["interp"] = (f => { Put32(f, Ph(f, 0), 3); return f; }, "program header 0 is PT_INTERP"),
        ["dynamic"] = (f => { Put32(f, Ph(f, 0), 2); return f; }, "program header 0 is PT_DYNAMIC"),
        ["no-load"] = (f => { for (int i = 0; i < PhNum(f); i++) Put32(f, Ph(f, i), 0); return f; }, "no PT_LOAD program header"),
        ["overlap"] = (f => { Put32(f, Ph(f, Load(f, 2)) + 12, Get32(f, Ph(f, Load(f, 1)) + 12) + 4); return f; }, "ELF: program headers 1 (physical 0x"),
        ["entry-outside"] = (f => { Put32(f, 24, 0x0050_0000); return f; }, "e_entry 0x00500000 is not inside any PT_LOAD segment"),
        ["entry-in-bss"] = (f => { int p = Ph(f, Load(f, 2)); Put32(f, 24, Get32(f, p + 8) + Get32(f, p + 16) + 16); return f; }, "lies in the zero-filled part"),
        ["shnum-zero"] = (f => { Put16(f, 48, 0); return f; }, "e_shnum is 0 (extended section numbering)"),
        ["shentsize"] = (f => { Put16(f, 46, 20); return f; }, "e_shentsize is 20"),
        ["sh-table-past-eof"] = (f => f[..(f.Length - 8)], "the section header table (e_shoff"),
        ["symtab-entsize"] = (f => { Put32(f, Sh(f, Symtab(f)) + 36, 12); return f; }, "has sh_entsize 12"),
        ["symtab-size"] = (f => { int s = Sh(f, Symtab(f)); Put32(f, s + 20, Get32(f, s + 20) - 4); return f; }, "not a multiple of the 16-byte Elf32_Sym"),
        ["symtab-past-eof"] = (f => { Put32(f, Sh(f, Symtab(f)) + 16, (uint)f.Length - 16); return f; }, "(SHT_SYMTAB) bytes 0x"),
        ["symtab-link-range"] = (f => { Put32(f, Sh(f, Symtab(f)) + 24, 99); return f; }, "has sh_link 99, which is not a section index"),
        ["symtab-link-type"] = (f => { Put32(f, Sh(f, Symtab(f)) + 24, (uint)Symtab(f)); return f; }, "which has sh_type 2, not SHT_STRTAB (3)"),
        ["strtab-past-eof"] = (f => { Put32(f, Sh(f, Strtab(f)) + 20, (uint)f.Length); return f; }, "(SHT_STRTAB) bytes 0x"),
        ["name-beyond-strtab"] = (f => { Put32(f, (int)Get32(f, Sh(f, Symtab(f)) + 16) + 16 * 3, 0xFFFF); return f; }, "has st_name 0xFFFF beyond the"),
        ["name-unterminated"] = (f =>
        {
            int s = Sh(f, Strtab(f));
            uint size = Get32(f, s + 20);
            f[Get32(f, s + 16) + size - 1] = (byte)'x'; // the last name loses its NUL
            return f;
        }, "that is not NUL-terminated"),
    };

    public static IEnumerable<object[]> CorruptionNames() => Corruptions.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(CorruptionNames))]
    public void Corrupted_executable_is_rejected_with_the_field_named(string corruption)
    {
        var (corrupt, message) = Corruptions[corruption];
        var file = corrupt(Good());
        var e = Assert.Throws<ImageException>(() => ElfImage.Parse(file));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Corruptions_all_start_from_a_valid_file()
    {
        var elf = ElfImage.Parse(Good()); // the base parses, so each rejection above is due to its corruption
        Assert.NotEmpty(elf.Symbols);
    }

    // ---- placement errors: memory and CPU untouched --------------------------------------------

    private static void AssertRejectedUntouched(Machine m, Action load, params string[] messages)
    {
        var ram = m.Memory.Ram.ToArray();
        uint eip = m.Cpu.Eip, cr0 = m.Cpu.Cr0;
        var e = Assert.Throws<ImageException>(load);
        foreach (var message in messages) Assert.Contains(message, e.Message);
        Assert.True(ram.AsSpan().SequenceEqual(m.Memory.Ram), "guest RAM changed although the load failed");
        Assert.Equal((eip, cr0), (m.Cpu.Eip, m.Cpu.Cr0));
    }

    [Fact]
    public void Segment_outside_RAM_is_rejected_before_anything_is_written()
    {
        using var t = new ImageToolchain();
        var elf = ElfImage.Parse(t.BuildElf("high", GuestSource, "-Ttext", "0x1000000")); // .text at 16 MiB, the ELF headers segment below it
        var m = new Machine(new MachineOptions { RamSize = 16u << 20 });
        AssertRejectedUntouched(m, () => ImageLoader.LoadElf(m, elf),
            "ELF program header 1 (PT_LOAD) at 0x01000000-0x", "is outside RAM: byte 0x01000000 is Unmapped (RAM is 0x00000000-0x00FFFFFF)");
    }

    [Fact]
    public void Segment_over_ROM_is_rejected()
    {
        using var t = new ImageToolchain();
        var elf = ElfImage.Parse(t.BuildElf("rom", GuestSource, "-Ttext", "0xF0100"));
        var m = new Machine();
        m.LoadRom(new byte[64 * 1024]);
        AssertRejectedUntouched(m, () => ImageLoader.LoadElf(m, elf), "ELF program header 1 (PT_LOAD) at 0x000F0100-0x", "is outside RAM: byte 0x000F0100 is Rom");
    }

    [Fact]
    public void GDT_overlapping_the_image_is_rejected()
    {
        var elf = ElfImage.Parse(Good());
        var m = new Machine();
        uint inside = elf.Segments[1].PhysicalAddress + 8;
        AssertRejectedUntouched(m, () => ImageLoader.LoadElf(m, elf, new ProtectedModeLoadOptions { GdtAddress = inside }),
            $"overlaps the loader's GDT (0x{inside:X8}-0x{inside + 23:X8})");
    }

    [Fact]
    public void Flat_32_bit_image_runs_at_its_load_address()
    {
        var code = Support.Nasm.Assemble("bits 32\norg 0x20000\nmov al, [data]\nout 0xE9, al\nmov al, 3\nout 0xF4, al\ndata: db 'F'\n");
        var m = new Machine();
        ImageLoader.LoadFlat32(m, code, 0x20000);
        var r = m.Run(100);
        Assert.Equal("F", r.ConsoleText);
        Assert.Equal(3, r.ExitCode);
        AssertRejectedUntouched(m, () => ImageLoader.LoadFlat32(m, code, 0x20000, 0x20000 + (uint)code.Length),
            $"Flat image: the entry point 0x{0x20000 + code.Length:X8} is outside the image 0x00020000+0x{code.Length:X}");
        AssertRejectedUntouched(m, () => ImageLoader.LoadFlat32(m, code, 0xFFFF_FFF0),
            "flat image at 0xFFFFFFF0-0xFFFFFFFB is outside RAM");
    }

    [Fact]
    public void Null_arguments_and_inconsistent_pieces_are_refused()
    {
        var m = new Machine();
        var elf = ElfImage.Parse(Good());
        Assert.Throws<ArgumentNullException>(() => ElfImage.Parse(null!));
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadElf(null!, elf));
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadElf(m, null!));
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadFlat32(m, null!, 0));
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadFlat32(null!, new byte[1], 0));
        Assert.Throws<ArgumentNullException>(() => SymbolTable.FromElf(null!));
        var e = Assert.Throws<ArgumentException>(() => new LoadPlan().Add(new ImageSegment("piece", 0x1000, new byte[2], 1)));
        Assert.Contains("piece: 2 data bytes do not fit in its memory size 0x1", e.Message);
    }

    private static uint Hex(string s) => uint.Parse(s.StartsWith("0x") ? s[2..] : s, NumberStyles.HexNumber);
}
