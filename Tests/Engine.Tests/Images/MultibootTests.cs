using System.Buffers.Binary;
using System.Text;
using VirtLab.Engine.Images;
using VirtLab.Engine.Tests.Differential;
using Xunit;

namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// Multiboot v1: the same nasm kernel, built as ELF32 (nasm + ld) and as an a.out-kludge flat
/// binary, boots in VirtLab and in QEMU (-kernel, -append, -initrd) with identical console output;
/// header search, flags and address-field checks follow the Multiboot Specification 0.6.96
/// (sections 3.1-3.3), and every rejected image leaves memory untouched.
/// </summary>
public class MultibootTests
{
    private const int RamMiB = 16;
    private const string Append = "root=/dev/x quiet";
    private static readonly (string File, string Args, byte[] Data)[] ModuleFiles =
    {
        ("m1.bin", "m1.bin arg one", Encoding.ASCII.GetBytes("module one\n")),
        ("m2.bin", "m2.bin", Encoding.ASCII.GetBytes("second")),
    };

    private static byte[] BuildKernel(ImageToolchain t, bool aout, string name)
    {
        var source = MultibootKernel.Source(aout);
        if (aout) return File.ReadAllBytes(t.Nasm(Path.GetFileNameWithoutExtension(name), source, "bin"));
        var obj = t.Nasm(name, source);
        return File.ReadAllBytes(t.Link(name, new[] { obj }, "elf_i386", "-Ttext", "0x100000"));
    }

    private static RunResult BootInVirtLab(byte[] kernelFile, MultibootLoadOptions options, out Machine machine, out MultibootBootInfo info)
    {
        machine = new Machine(new MachineOptions { RamSize = (uint)RamMiB << 20 });
        Array.Fill(machine.Memory.Ram, (byte)0xAA); // the bss must be zeroed by the loader, not found zero
        info = ImageLoader.LoadMultiboot(machine, MultibootImage.Parse(kernelFile), options);
        return machine.Run(1_000_000);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Kernel_sees_the_same_boot_state_as_under_QEMU(bool aout, bool modules)
    {
        using var t = new ImageToolchain();
        string name = aout ? "kernel.bin" : "kernel.elf";
        var kernel = BuildKernel(t, aout, name);
        foreach (var m in ModuleFiles) t.Write(m.File, m.Data);

        var qemu = t.RunQemuKernel(name, RamMiB, Append, modules ? string.Join(",", ModuleFiles.Select(m => m.Args)) : null);
        Assert.False(qemu.TimedOut, $"QEMU did not finish. Console:\n{qemu.Console}\n{qemu.StdErr}");
        Assert.True(qemu.ExitedThroughPort && qemu.GuestExitCode == MultibootKernel.ExitCode,
            $"QEMU exited with status {qemu.ExitStatus}, not through port 0xF4 with 0x{MultibootKernel.ExitCode:X}: {qemu.StdErr}\n{qemu.Console}");

        var options = new MultibootLoadOptions
        {
            CommandLine = name + " " + Append, // QEMU passes "<kernel file> <-append>"
            BootLoaderName = "qemu",           // so that the name string compares too
            Modules = modules ? ModuleFiles.Select(m => new MultibootModule(m.Data, m.Args)).ToArray() : Array.Empty<MultibootModule>(),
        };
        var r = BootInVirtLab(kernel, options, out var machine, out var info);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(qemu.GuestExitCode, r.ExitCode);
        Assert.Equal(MultibootKernel.ExitCode, r.ExitCode);

        static (string Common, string Mem) Split(string console)
        {
            int at = console.LastIndexOf(MultibootKernel.MemLinePrefix, StringComparison.Ordinal);
            Assert.True(at >= 0, "the kernel did not reach its mem line:\n" + console);
            return (console[..at], console[at..]);
        }
        var (qemuCommon, qemuMem) = Split(qemu.Console);
        var (ours, ourMem) = Split(r.ConsoleText);
        if (qemuCommon != ours)
            Assert.Fail("console differs from QEMU:\n" + QemuDifferentialTests.FirstDifference(qemuCommon, ours));
        Assert.Contains("magic=2BADB002\n", ours);
        Assert.Contains("bss zero=Y\n", ours);
        Assert.Contains("segments reloaded\n", ours);
        Assert.Equal(modules ? 2 : 0, info.Modules.Count);

        // mem_lower/mem_upper: VirtLab's RAM is one block from 0, so 640 KiB and RamSize - 1 MiB (spec 3.3);
        // QEMU reports its own E820 map, which reserves the EBDA and the top 128 KiB for firmware: never more.
        Assert.Equal($"mem lower={640:X8} upper={(RamMiB - 1) * 1024:X8}\n", ourMem);
        var q = qemuMem.Split(new[] { '=', ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(Convert.ToUInt32(q[2], 16) <= 640 && Convert.ToUInt32(q[4], 16) <= (RamMiB - 1) * 1024, qemuMem);
    }

    [Fact]
    public void Entry_state_info_structure_and_memory_map_follow_the_spec()
    {
        using var t = new ImageToolchain();
        var kernel = MultibootImage.Parse(BuildKernel(t, aout: false, "kernel.elf"));
        var m = new Machine(new MachineOptions { RamSize = 32u << 20 });
        // ROM at 0xE0000 and an alias below 4 GiB show in the memory map as reserved (not at 0xF0000:
        // ld's first PT_LOAD, the ELF headers, sits at 0xFF000 just below the kernel's 1 MiB).
        var rom = new byte[64 * 1024];
        m.Memory.MapRom("rom", 0xE0000, rom);
        m.Memory.MapRom("rom-alias", 0xFFFF0000, rom);
        var info = ImageLoader.LoadMultiboot(m, kernel, new MultibootLoadOptions
        {
            CommandLine = "console=e9",
            Modules = new[] { new MultibootModule(new byte[5000], "big"), new MultibootModule(Array.Empty<byte>(), "empty") },
        });
        var cpu = m.Cpu;
        Assert.Equal(MultibootInfo.BootloaderMagic, cpu.Eax);
        Assert.Equal(0x8000u + 32, cpu.Ebx);
        Assert.Equal(info.InfoAddress, cpu.Ebx);
        Assert.Equal(kernel.Elf!.PhysicalEntry, cpu.Eip);
        Assert.Equal(kernel.Entry, info.Entry);
        Assert.Equal(Cpu.Cr0PE, cpu.Cr0 & (Cpu.Cr0PE | Cpu.Cr0PG));
        Assert.Equal(0u, cpu.EFlags & ((uint)EFlags.VM | (uint)EFlags.IF));
        Assert.True(cpu.ProtectedMode && cpu.Code32 && cpu.Stack32);
        Assert.Equal((0x8000u, (ushort)23), (cpu.GdtrBase, cpu.GdtrLimit));
        Assert.Equal(FlatProtectedMode.GdtBytes(), m.Memory.Read(0x8000, 24));
        Assert.Equal(0x08, cpu.GetSegment(SegmentRegister.CS).Selector);
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS, SegmentRegister.SS })
        {
            var seg = cpu.GetSegment(s);
            Assert.Equal((ushort)0x10, seg.Selector);
            Assert.Equal((0u, 0xFFFF_FFFFu), (seg.Base, seg.Limit));
        }

        uint I(int offset) => m.Memory.ReadUInt32(info.InfoAddress + (uint)offset);
        string Str(uint address)
        {
            var sb = new StringBuilder();
            for (byte b; (b = m.Memory.ReadByte(address++)) != 0;) sb.Append((char)b);
            return sb.ToString();
        }
        Assert.Equal(MultibootInfo.FlagMemory | MultibootInfo.FlagCmdline | MultibootInfo.FlagMods | MultibootInfo.FlagMemoryMap | MultibootInfo.FlagBootLoaderName, I(0));
        Assert.Equal(640u, I(4));                                  // RAM runs from 0 past 640 KiB (to the ROM at 0xE0000)
        Assert.Equal(31u * 1024, I(8));                            // RAM from 1 MiB to 32 MiB
        Assert.Equal("console=e9", Str(I(16)));
        Assert.Equal("VirtLab", Str(I(64)));
        Assert.Equal(2u, I(20));
        uint mods = I(24);
        uint kernelEnd = (uint)kernel.End;
        uint first = (kernelEnd + 0xFFF) & ~0xFFFu;
        Assert.Equal(first, m.Memory.ReadUInt32(mods));
        Assert.Equal(first + 5000, m.Memory.ReadUInt32(mods + 4));
        Assert.Equal("big", Str(m.Memory.ReadUInt32(mods + 8)));
        Assert.Equal(first + 0x2000, m.Memory.ReadUInt32(mods + 16)); // next page boundary after 5000 bytes
        Assert.Equal(first + 0x2000, m.Memory.ReadUInt32(mods + 20)); // empty module: start == end
        Assert.Equal("empty", Str(m.Memory.ReadUInt32(mods + 24)));
        Assert.Equal(new[] { (first, first + 5000), (first + 0x2000, first + 0x2000) }, info.Modules);

        var map = new List<(ulong, ulong, uint)>();
        for (uint e = I(48); e < I(48) + I(44); e += m.Memory.ReadUInt32(e) + 4)
        {
            Assert.Equal(20u, m.Memory.ReadUInt32(e));
            var raw = m.Memory.Read(e + 4, 20);
            map.Add((BinaryPrimitives.ReadUInt64LittleEndian(raw), BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(16))));
        }
        Assert.Equal(new (ulong, ulong, uint)[]
        {
            (0, 0xE0000, 1),                        // RAM below the ROM
            (0xE0000, 0x10000, 2),                  // the ROM
            (0xF0000, (32UL << 20) - 0xF0000, 1),   // RAM above it
            (0xFFFF0000, 0x10000, 2),               // the ROM's alias below 4 GiB
        }, map);
        Assert.True(info.BootInfoEnd <= 0x9000, "the boot information area is small");
    }

    [Fact]
    public void Small_RAM_reports_what_exists()
    {
        var m = new Machine(new MachineOptions { RamSize = 512 * 1024 });
        Assert.Equal(512u, MultibootInfo.MemLowerKiB(m.Memory));
        Assert.Equal(0u, MultibootInfo.MemUpperKiB(m.Memory));
        Assert.Equal(new[] { new MemoryMapEntry(0, 512 * 1024, 1) }, MemoryMap.Of(m.Memory));
    }

    // ---- header search (spec 3.1.1: within the first 8192 bytes, 32-bit aligned) ----------------

    private static byte[] WithHeader(int size, int offset, uint flags, uint? checksum = null, params uint[] fields)
    {
        var f = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(offset), MultibootHeader.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(offset + 4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(offset + 8), checksum ?? unchecked(0u - MultibootHeader.Magic - flags));
        for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(offset + 12 + 4 * i), fields[i]);
        return f;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(8180)] // the 12 bytes end exactly at 8192
    public void Header_is_found_at_aligned_offsets_in_the_first_8192_bytes(int offset)
    {
        var h = MultibootHeader.Find(WithHeader(10000, offset, 3));
        Assert.Equal((offset, 3u), (h.Offset, h.Flags));
        Assert.False(h.HasAddressFields);
    }

    [Theory]
    [InlineData(2, "no header (magic 0x1BADB002 at a 4-byte aligned offset) in the first 8192 bytes")]
    [InlineData(8184, "no header (magic 0x1BADB002 at a 4-byte aligned offset) in the first 8192 bytes")]
    [InlineData(8192, "no header (magic 0x1BADB002 at a 4-byte aligned offset) in the first 8192 bytes")]
    public void Header_that_is_unaligned_or_not_within_8192_bytes_is_not_found(int offset, string message)
    {
        var e = Assert.Throws<ImageException>(() => MultibootHeader.Find(WithHeader(10000, offset, 3)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Bad_checksum_is_skipped_and_reported_when_nothing_valid_follows()
    {
        var only = WithHeader(4096, 16, 3, checksum: 0x12345678);
        var e = Assert.Throws<ImageException>(() => MultibootHeader.Find(only));
        Assert.Contains("a magic 0x1BADB002 at offset 0x10 has a bad checksum 0x12345678", e.Message);
        Assert.Contains($"should be 0x{unchecked(0u - MultibootHeader.Magic - 3):X8}", e.Message);

        var both = WithHeader(4096, 16, 3, checksum: 0x12345678);
        WithHeader(4096, 64, 1).AsSpan(64, 12).CopyTo(both.AsSpan(64));
        Assert.Equal(64, MultibootHeader.Find(both).Offset);
    }

    [Fact]
    public void Short_file_is_searched_to_its_end()
    {
        Assert.Equal(4, MultibootHeader.Find(WithHeader(16, 4, 0)).Offset);
        var e = Assert.Throws<ImageException>(() => MultibootHeader.Find(new byte[10]));
        Assert.Contains("in the first 10 bytes", e.Message);
    }

    [Fact]
    public void Address_fields_must_fit_in_8192_bytes_and_the_file()
    {
        var e = Assert.Throws<ImageException>(() => MultibootHeader.Find(WithHeader(10000, 8176, 0x10000)));
        Assert.Contains("sets flags bit 16 (address fields) but its 32 bytes run past the first 8192 bytes", e.Message);
        e = Assert.Throws<ImageException>(() => MultibootHeader.Find(WithHeader(20, 0, 0x10000)));
        Assert.Contains("run past the end of the 20-byte file", e.Message);
    }

    // ---- flags (spec 3.1.2) ------------------------------------------------------------------

    [Fact]
    public void Video_mode_flag_is_refused()
    {
        var e = Assert.Throws<ImageException>(() => MultibootImage.Parse(WithHeader(64, 0, 0x10007, null, 0x100000, 0x100000, 0, 0, 0x100020)));
        Assert.Contains("set bit 2 (video mode information), which is not supported", e.Message);
    }

    [Theory]
    [InlineData(1u << 3)]
    [InlineData(1u << 15)]
    public void Unknown_required_flag_is_refused(uint bit)
    {
        var e = Assert.Throws<ImageException>(() => MultibootImage.Parse(WithHeader(64, 0, 0x10000 | bit, null, 0x100000, 0x100000, 0, 0, 0x100020)));
        Assert.Contains($"set required bit(s) 0x{bit:X4} that this loader does not know", e.Message);
    }

    [Fact]
    public void Unknown_optional_flag_is_ignored()
    {
        var image = MultibootImage.Parse(WithHeader(64, 0, 0x10000 | 1u << 20, null, 0x100000, 0x100000, 0, 0, 0x100020));
        Assert.Equal(0x100020u, image.Entry);
    }

    // ---- a.out kludge address fields (spec 3.1.3) ----------------------------------------------

    [Fact]
    public void Address_fields_select_the_file_bytes_and_the_bss()
    {
        // Header at file offset 16; header_addr - load_addr = 8, so loading starts at file offset 8.
        var f = WithHeader(200, 16, 0x10000, null, 0x200010, 0x200008, 0x200008 + 100, 0x200008 + 4096, 0x200040);
        for (int i = 0; i < 16; i++) f[i] = (byte)(0xC0 + i);
        var image = MultibootImage.Parse(f);
        var s = Assert.Single(image.Segments);
        Assert.Equal(0x200008u, s.Address);
        Assert.Equal(f.AsSpan(8, 100).ToArray(), s.Data);
        Assert.Equal(4096u, s.MemorySize);
        Assert.Equal(0x200040u, image.Entry);
        Assert.Null(image.Elf);

        // load_end_addr 0: to the end of the file; bss_end_addr 0: no bss.
        image = MultibootImage.Parse(WithHeader(200, 16, 0x10000, null, 0x200010, 0x200008, 0, 0, 0x200040));
        s = Assert.Single(image.Segments);
        Assert.Equal((192, 192u), (s.Data.Length, s.MemorySize));
    }

    [Theory]
    [InlineData(0x200010u, 0x200020u, 0u, 0u, 0x200020u, "has load_addr 0x00200020 above header_addr 0x00200010")]
    [InlineData(0x200100u, 0x200000u, 0u, 0u, 0x200100u, "has header_addr - load_addr = 0x100, more than the header's file offset")]
    [InlineData(0x200010u, 0x200000u, 0x1FFFFFu, 0u, 0x200010u, "has load_end_addr 0x001FFFFF below load_addr 0x00200000")]
    [InlineData(0x200010u, 0x200000u, 0x200400u, 0u, 0x200010u, "has load_end_addr 0x00200400: 0x400 bytes from file offset 0x0 run past the end of the 200-byte file")]
    [InlineData(0x200010u, 0x200000u, 0x200080u, 0x200040u, 0x200010u, "has bss_end_addr 0x00200040 below the end of the loaded bytes 0x00200080")]
    [InlineData(0x200010u, 0x200000u, 0x200080u, 0u, 0x200080u, "has entry_addr 0x00200080 outside the loaded bytes 0x00200000-0x0020007F")]
    [InlineData(0x200010u, 0x200000u, 0x200080u, 0u, 0x1FFFF0u, "has entry_addr 0x001FFFF0 outside the loaded bytes")]
    [InlineData(0xFFFFFF90u, 0xFFFFFF80u, 0u, 0x10u, 0xFFFFFF90u, "has bss_end_addr 0x00000010 below the end of the loaded bytes 0x100000048")]
    public void Bad_address_fields_are_refused(uint headerAddr, uint loadAddr, uint loadEnd, uint bssEnd, uint entry, string message)
    {
        var f = WithHeader(200, 16, 0x10000, null, headerAddr, loadAddr, loadEnd, bssEnd, entry);
        var e = Assert.Throws<ImageException>(() => MultibootImage.Parse(f));
        Assert.Contains("Multiboot: the header at file offset 0x10 (flags bit 16, a.out kludge)", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Loaded_bytes_past_4_GiB_are_refused()
    {
        var f = WithHeader(200, 16, 0x10000, null, 0xFFFFFF90u, 0xFFFFFF80u, 0, 0, 0xFFFFFF90u);
        var e = Assert.Throws<ImageException>(() => MultibootImage.Parse(f));
        Assert.Contains("loads 0xC8 bytes at load_addr 0xFFFFFF80, past 4 GiB", e.Message);
    }

    [Fact]
    public void Without_address_fields_the_kernel_must_be_ELF()
    {
        var e = Assert.Throws<ImageException>(() => MultibootImage.Parse(WithHeader(64, 0, 3)));
        Assert.Contains("do not set bit 16 (address fields), so the kernel must be an ELF32 executable, and it is not: ELF: bad magic 02 B0 AD 1B", e.Message);

        using var t = new ImageToolchain();
        var elf = BuildKernel(t, aout: false, "kernel.elf");
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), 62);
        e = Assert.Throws<ImageException>(() => MultibootImage.Parse(elf));
        Assert.Contains("and it is not: ELF: e_machine is 62 (EM_X86_64)", e.Message);
    }

    // ---- placement: RAM, overlaps, options; memory untouched on failure ----------------------

    private static void AssertRejectedUntouched(Machine m, Action load, params string[] messages)
    {
        var ram = m.Memory.Ram.ToArray();
        uint eip = m.Cpu.Eip, eax = m.Cpu.Eax, cr0 = m.Cpu.Cr0;
        var e = Assert.Throws<ImageException>(load);
        foreach (var message in messages) Assert.Contains(message, e.Message);
        Assert.True(ram.AsSpan().SequenceEqual(m.Memory.Ram), "guest RAM changed although the load failed");
        Assert.Equal((eip, eax, cr0), (m.Cpu.Eip, m.Cpu.Eax, m.Cpu.Cr0));
    }

    /// <summary>An a.out-kludge kernel of 64 bytes at <paramref name="loadAddr"/> with <paramref name="bss"/> bytes of bss.</summary>
    private static MultibootImage AoutAt(uint loadAddr, uint bss = 0) =>
        MultibootImage.Parse(WithHeader(64, 0, 0x10000, null, loadAddr, loadAddr, loadAddr + 64, bss == 0 ? 0 : loadAddr + 64 + bss, loadAddr + 32));

    [Fact]
    public void Kernel_overlapping_the_boot_information_is_refused()
    {
        var m = new Machine();
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x7000, bss: 0x1000)),
            "Multiboot kernel (a.out kludge) (0x00007000-0x0000803F) overlaps the Multiboot boot information (GDT and info structure) (0x00008000-0x");
        // Moving the boot information elsewhere makes the same kernel load.
        var info = ImageLoader.LoadMultiboot(m, AoutAt(0x7000, bss: 0x1000), new MultibootLoadOptions { BootInfoAddress = 0x20000 });
        Assert.Equal(0x20020u, m.Cpu.Ebx);
        Assert.Equal(0x20000u, info.GdtAddress);
    }

    [Fact]
    public void Module_overlapping_the_boot_information_is_refused()
    {
        var m = new Machine();
        var modules = new[] { new MultibootModule(new byte[0x10000], "ramdisk") };
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x1000), new MultibootLoadOptions { Modules = modules }),
            "Multiboot module 0 (0x00002000-0x00011FFF) overlaps the Multiboot boot information");
    }

    [Fact]
    public void Kernel_or_module_outside_RAM_is_refused()
    {
        var m = new Machine(new MachineOptions { RamSize = 16u << 20 });
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x00FF_FFE0)),
            "Multiboot kernel (a.out kludge) at 0x00FFFFE0-0x0100001F is outside RAM: byte 0x01000000 is Unmapped");
        var big = new[] { new MultibootModule(new byte[16 << 20], "too big") };
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { Modules = big }),
            "Multiboot module 0 at 0x00101000-0x01100FFF is outside RAM");
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { BootInfoAddress = 0x0100_0000 }),
            "Multiboot boot information (GDT and info structure) at 0x01000000-0x", "is outside RAM");
    }

    [Fact]
    public void Module_past_4_GiB_is_refused()
    {
        var m = new Machine();
        var kernel = MultibootImage.Parse(WithHeader(64, 0, 0x10000, null, 0xFFFF_F000, 0xFFFF_F000, 0xFFFF_F040, 0, 0xFFFF_F020));
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, kernel, new MultibootLoadOptions { Modules = new[] { new MultibootModule(new byte[1], "m") } }),
            "Multiboot: module 0 (1 bytes) placed at 0x100000000 after the kernel runs past 4 GiB");
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        var m = new Machine();
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { BootInfoAddress = 0x8004 }),
            "the boot information address 0x00008004 is not 8-byte aligned");
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { CommandLine = "a\0b" }),
            "the command line contains a NUL character at index 1");
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { Modules = new[] { new MultibootModule(new byte[1], "x\0") } }),
            "the string of module 0 contains a NUL character at index 1");
        AssertRejectedUntouched(m, () => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { BootInfoAddress = 0xFFFF_FFF0 }),
            "the Multiboot boot information (GDT and info structure) at 0xFFFFFFF0 (size 0x", "runs past 4 GiB");
        var e = Assert.Throws<ArgumentException>(() => ImageLoader.LoadMultiboot(m, AoutAt(0x100000), new MultibootLoadOptions { Modules = new[] { new MultibootModule(null!, "m") } }));
        Assert.Contains("Module 0 has no data", e.Message);
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadMultiboot(null!, AoutAt(0x100000)));
        Assert.Throws<ArgumentNullException>(() => ImageLoader.LoadMultiboot(m, null!));
        Assert.Throws<ArgumentNullException>(() => MultibootImage.Parse(null!));
    }
}
