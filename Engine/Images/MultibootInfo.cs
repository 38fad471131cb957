using System.Buffers.Binary;
using System.Text;

namespace VirtLab.Engine.Images;

/// <summary>
/// The Multiboot v1 information structure (Multiboot Specification 0.6.96, section 3.3) and the
/// boot information area the loader builds around it. Layout of the area, from its (8-byte aligned)
/// start: the GDT (<see cref="FlatProtectedMode.GdtSize"/> bytes), the info structure at +32
/// (<see cref="Size"/> bytes, unused fields zero), the memory map (24-byte entries), the module
/// list (16-byte entries), then the NUL-terminated strings (boot loader name, command line, module
/// strings).
/// </summary>
public static class MultibootInfo
{
    /// <summary>EAX at kernel entry (spec 3.2).</summary>
    public const uint BootloaderMagic = 0x2BADB002;
    /// <summary>Bytes of the structure through the framebuffer fields of spec 0.6.96.</summary>
    public const int Size = 116;

    // Field offsets (spec 3.3).
    public const int FlagsOffset = 0, MemLowerOffset = 4, MemUpperOffset = 8, BootDeviceOffset = 12, CmdlineOffset = 16,
        ModsCountOffset = 20, ModsAddrOffset = 24, MmapLengthOffset = 44, MmapAddrOffset = 48, BootLoaderNameOffset = 64;

    // Bits of the flags field: which fields are valid.
    public const uint FlagMemory = 1u << 0, FlagBootDevice = 1u << 1, FlagCmdline = 1u << 2, FlagMods = 1u << 3,
        FlagMemoryMap = 1u << 6, FlagBootLoaderName = 1u << 9;

    /// <summary>Offset of the info structure inside the boot information area (after the GDT, 8-aligned).</summary>
    public const int InfoOffsetInArea = 32;
    /// <summary>Bytes of one memory map entry, counting its leading size field (which holds 20).</summary>
    public const int MmapEntrySize = 24;
    /// <summary>Bytes of one module list entry: mod_start, mod_end, string, reserved.</summary>
    public const int ModuleEntrySize = 16;

    /// <summary>Lower memory is reported up to 640 KiB (spec 3.3, mem_lower).</summary>
    public const uint MaxLowerMemory = 640 * 1024;

    /// <summary>mem_lower in KiB: RAM contiguous from 0, at most 640 KiB.</summary>
    public static uint MemLowerKiB(PhysicalMemory memory) => (uint)(Math.Min(MemoryMap.ContiguousRam(memory, 0), MaxLowerMemory) / 1024);

    /// <summary>mem_upper in KiB: RAM contiguous from 1 MiB up to the first hole (0 when there is no RAM at 1 MiB).</summary>
    public static uint MemUpperKiB(PhysicalMemory memory) => (uint)(MemoryMap.ContiguousRam(memory, 0x10_0000) / 1024);

    /// <summary>
    /// Builds the boot information area for a kernel, to be written at <paramref name="areaAddress"/>.
    /// Every pointer in it is a physical address inside the area.
    /// </summary>
    internal static byte[] BuildBootArea(uint areaAddress, PhysicalMemory memory, MultibootLoadOptions options, IReadOnlyList<(uint Start, uint End)> modules)
    {
        var map = MemoryMap.Of(memory);
        int mmapAt = InfoOffsetInArea + (Size + 7) / 8 * 8;
        int modsAt = mmapAt + map.Count * MmapEntrySize;
        var strings = new MemoryStream();
        int stringsAt = modsAt + modules.Count * ModuleEntrySize;
        uint AddString(string s, string what)
        {
            int nul = s.IndexOf('\0');
            if (nul >= 0) throw new ImageException($"Multiboot: the {what} contains a NUL character at index {nul}; strings passed to the kernel are NUL-terminated.");
            uint address = areaAddress + (uint)(stringsAt + strings.Length);
            var bytes = Encoding.UTF8.GetBytes(s);
            strings.Write(bytes);
            strings.WriteByte(0);
            return address;
        }

        uint flags = FlagMemory | FlagMods | FlagMemoryMap | FlagBootLoaderName;
        uint nameAddress = AddString(options.BootLoaderName, "boot loader name");
        uint cmdlineAddress = 0;
        if (options.CommandLine is not null) { cmdlineAddress = AddString(options.CommandLine, "command line"); flags |= FlagCmdline; }
        var moduleStrings = new uint[modules.Count];
        for (int i = 0; i < modules.Count; i++) moduleStrings[i] = AddString(options.Modules[i].String, $"string of module {i}");

        var area = new byte[stringsAt + strings.Length];
        FlatProtectedMode.GdtBytes().CopyTo(area, 0);
        var info = area.AsSpan(InfoOffsetInArea, Size);
        Put(info, FlagsOffset, flags);
        Put(info, MemLowerOffset, MemLowerKiB(memory));
        Put(info, MemUpperOffset, MemUpperKiB(memory));
        Put(info, CmdlineOffset, cmdlineAddress);
        Put(info, ModsCountOffset, (uint)modules.Count);
        Put(info, ModsAddrOffset, areaAddress + (uint)modsAt);
        Put(info, MmapLengthOffset, (uint)(map.Count * MmapEntrySize));
        Put(info, MmapAddrOffset, areaAddress + (uint)mmapAt);
        Put(info, BootLoaderNameOffset, nameAddress);
        for (int i = 0; i < map.Count; i++)
        {
            var e = area.AsSpan(mmapAt + i * MmapEntrySize, MmapEntrySize);
            Put(e, 0, MmapEntrySize - 4);
            BinaryPrimitives.WriteUInt64LittleEndian(e[4..], map[i].Base);
            BinaryPrimitives.WriteUInt64LittleEndian(e[12..], map[i].Length);
            Put(e, 20, map[i].Type);
        }
        for (int i = 0; i < modules.Count; i++)
        {
            var e = area.AsSpan(modsAt + i * ModuleEntrySize, ModuleEntrySize);
            Put(e, 0, modules[i].Start);
            Put(e, 4, modules[i].End);
            Put(e, 8, moduleStrings[i]);
        }
        strings.ToArray().CopyTo(area, stringsAt);
        return area;
    }

    private static void Put(Span<byte> b, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(b[at..], value);
}
