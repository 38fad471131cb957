using System.Buffers.Binary;
using System.Text;

namespace VirtLab.Engine.Images;

/// <summary>
/// A validated ELF32 little-endian i386 executable (System V ABI, "Object Files" chapter):
/// its PT_LOAD segments, entry point and, when the file has a .symtab, its symbols.
/// <see cref="Parse"/> checks every field it relies on and throws <see cref="ImageException"/>
/// naming the field otherwise; nothing is loaded here (see <see cref="ImageLoader.LoadElf"/>).
/// </summary>
public sealed class ElfImage
{
    // e_ident indexes and values, e_type, e_machine, p_type, sh_type (System V ABI / ELF spec names).
    public const int EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6;
    public const byte ELFCLASS32 = 1, ELFDATA2LSB = 1, EV_CURRENT = 1;
    public const ushort ET_EXEC = 2, EM_386 = 3;
    public const uint PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    public const uint SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8;
    public const int HeaderSize = 52, ProgramHeaderSize = 32, SectionHeaderSize = 40, SymbolSize = 16;

    /// <summary>e_entry as written in the header (a virtual address).</summary>
    public uint Entry { get; }
    /// <summary>The entry point in physical memory: e_entry translated through the PT_LOAD segment that contains it (p_paddr + e_entry - p_vaddr).</summary>
    public uint PhysicalEntry { get; }
    /// <summary>The PT_LOAD segments with a non-zero p_memsz, in program-header order.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; }
    /// <summary>Every symbol of .symtab except the null entry 0; empty when the file has no symbol table (stripped).</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; }

    private ElfImage(uint entry, uint physicalEntry, IReadOnlyList<ElfSegment> segments, IReadOnlyList<ElfSymbol> symbols)
    {
        Entry = entry;
        PhysicalEntry = physicalEntry;
        Segments = segments;
        Symbols = symbols;
    }

    /// <summary>True when the file starts with the ELF magic 0x7F 'E' 'L' 'F'.</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> file) => file.Length >= 4 && file[0] == 0x7F && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    /// <summary>Parses and validates an ELF32 i386 executable.</summary>
    /// <exception cref="ImageException">The file is not a loadable ELF32 EM_386 ET_EXEC image; the message names the field.</exception>
    public static ElfImage Parse(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!HasElfMagic(file))
            throw new ImageException($"ELF: bad magic {Hex(file, 0, Math.Min(4, file.Length))} (expected 7F 45 4C 46, \"\\x7FELF\").");
        if (file.Length < HeaderSize)
            throw new ImageException($"ELF: the file is {file.Length} bytes, shorter than the 52-byte ELF32 header.");
        if (file[EI_CLASS] != ELFCLASS32)
            throw new ImageException($"ELF: e_ident[EI_CLASS] is {file[EI_CLASS]}{(file[EI_CLASS] == 2 ? " (ELFCLASS64)" : "")}; only ELFCLASS32 (1) images can be loaded.");
        if (file[EI_DATA] != ELFDATA2LSB)
            throw new ImageException($"ELF: e_ident[EI_DATA] is {file[EI_DATA]}{(file[EI_DATA] == 2 ? " (ELFDATA2MSB, big endian)" : "")}; only ELFDATA2LSB (1, little endian) images can be loaded.");
        if (file[EI_VERSION] != EV_CURRENT)
            throw new ImageException($"ELF: e_ident[EI_VERSION] is {file[EI_VERSION]}; expected EV_CURRENT (1).");
        ushort type = U16(file, 16), machine = U16(file, 18);
        if (type != ET_EXEC)
            throw new ImageException($"ELF: e_type is {type}{TypeName(type)}; only ET_EXEC (2) executables can be loaded (link with ld, not -pie or -r).");
        if (machine != EM_386)
            throw new ImageException($"ELF: e_machine is {machine}{(machine == 62 ? " (EM_X86_64)" : "")}; only EM_386 (3) images can be loaded.");
        uint version = U32(file, 20);
        if (version != EV_CURRENT)
            throw new ImageException($"ELF: e_version is {version}; expected EV_CURRENT (1).");
        uint entry = U32(file, 24), phoff = U32(file, 28), shoff = U32(file, 32);
        ushort ehsize = U16(file, 40), phentsize = U16(file, 42), phnum = U16(file, 44);
        ushort shentsize = U16(file, 46), shnum = U16(file, 48);
        if (ehsize < HeaderSize)
            throw new ImageException($"ELF: e_ehsize is {ehsize}, smaller than the 52-byte ELF32 header.");

        var segments = ParseProgramHeaders(file, phoff, phentsize, phnum);
        uint physicalEntry = TranslateEntry(entry, segments);
        IReadOnlyList<ElfSymbol> symbols = shoff == 0 ? Array.Empty<ElfSymbol>() : ParseSymbols(file, shoff, shentsize, shnum);
        return new ElfImage(entry, physicalEntry, segments, symbols);
    }

    private static List<ElfSegment> ParseProgramHeaders(byte[] file, uint phoff, ushort phentsize, ushort phnum)
    {
        if (phnum == 0 || phoff == 0)
            throw new ImageException($"ELF: no program headers (e_phnum {phnum}, e_phoff 0x{phoff:X}): nothing to load.");
        if (phnum == 0xFFFF)
            throw new ImageException("ELF: e_phnum is PN_XNUM (0xFFFF, extended numbering); not supported.");
        if (phentsize < ProgramHeaderSize)
            throw new ImageException($"ELF: e_phentsize is {phentsize}, smaller than an Elf32_Phdr (32 bytes).");
        if ((ulong)phoff + (ulong)phnum * phentsize > (ulong)file.Length)
            throw new ImageException($"ELF: the program header table (e_phoff 0x{phoff:X}, {phnum} x {phentsize} bytes) runs past the end of the {file.Length}-byte file.");
        var segments = new List<ElfSegment>();
        for (int i = 0; i < phnum; i++)
        {
            int at = (int)phoff + i * phentsize;
            uint ptype = U32(file, at), offset = U32(file, at + 4), vaddr = U32(file, at + 8), paddr = U32(file, at + 12);
            uint filesz = U32(file, at + 16), memsz = U32(file, at + 20), flags = U32(file, at + 24);
            if (ptype == PT_INTERP)
                throw new ImageException($"ELF: program header {i} is PT_INTERP: the executable is dynamically linked; only static executables can be loaded.");
            if (ptype == PT_DYNAMIC)
                throw new ImageException($"ELF: program header {i} is PT_DYNAMIC: the executable is dynamically linked; only static executables can be loaded.");
            if (ptype != PT_LOAD) continue;
            if (filesz > memsz)
                throw new ImageException($"ELF: program header {i} (PT_LOAD) has p_filesz 0x{filesz:X} larger than p_memsz 0x{memsz:X}.");
            if ((ulong)offset + filesz > (ulong)file.Length)
                throw new ImageException($"ELF: program header {i} (PT_LOAD) file bytes 0x{offset:X}+0x{filesz:X} run past the end of the {file.Length}-byte file.");
            if ((ulong)paddr + memsz > 1UL << 32)
                throw new ImageException($"ELF: program header {i} (PT_LOAD) at physical 0x{paddr:X8} with p_memsz 0x{memsz:X} runs past 4 GiB.");
            if ((ulong)vaddr + memsz > 1UL << 32)
                throw new ImageException($"ELF: program header {i} (PT_LOAD) at virtual 0x{vaddr:X8} with p_memsz 0x{memsz:X} runs past 4 GiB.");
            if (memsz == 0) continue;
            segments.Add(new ElfSegment(i, vaddr, paddr, offset, filesz, memsz, (ElfSegmentFlags)(flags & 7), file.AsSpan((int)offset, (int)filesz).ToArray()));
        }
        if (segments.Count == 0)
            throw new ImageException("ELF: no PT_LOAD program header with a non-zero p_memsz: nothing to load.");
        for (int i = 0; i < segments.Count; i++)
            for (int j = i + 1; j < segments.Count; j++)
            {
                ElfSegment a = segments[i], b = segments[j];
                ulong aEnd = (ulong)a.PhysicalAddress + a.MemorySize, bEnd = (ulong)b.PhysicalAddress + b.MemorySize;
                if (a.PhysicalAddress < bEnd && b.PhysicalAddress < aEnd)
                    throw new ImageException(
                        $"ELF: program headers {a.Index} (physical 0x{a.PhysicalAddress:X8}-0x{aEnd - 1:X8}) and {b.Index} (0x{b.PhysicalAddress:X8}-0x{bEnd - 1:X8}) overlap.");
            }
        return segments;
    }

    private static uint TranslateEntry(uint entry, List<ElfSegment> segments)
    {
        foreach (var s in segments)
            if (s.ContainsVirtual(entry))
            {
                if (entry - s.VirtualAddress >= s.FileSize)
                    throw new ImageException($"ELF: e_entry 0x{entry:X8} lies in the zero-filled part (beyond p_filesz) of program header {s.Index}: there is no code there.");
                return s.PhysicalAddress + (entry - s.VirtualAddress);
            }
        throw new ImageException($"ELF: e_entry 0x{entry:X8} is not inside any PT_LOAD segment.");
    }

    private static List<ElfSymbol> ParseSymbols(byte[] file, uint shoff, ushort shentsize, ushort shnum)
    {
        var symbols = new List<ElfSymbol>();
        if (shnum == 0)
            throw new ImageException($"ELF: e_shoff is 0x{shoff:X} but e_shnum is 0 (extended section numbering); not supported.");
        if (shentsize < SectionHeaderSize)
            throw new ImageException($"ELF: e_shentsize is {shentsize}, smaller than an Elf32_Shdr (40 bytes).");
        if ((ulong)shoff + (ulong)shnum * shentsize > (ulong)file.Length)
            throw new ImageException($"ELF: the section header table (e_shoff 0x{shoff:X}, {shnum} x {shentsize} bytes) runs past the end of the {file.Length}-byte file.");
        int Section(int index) => (int)shoff + index * shentsize;
        for (int i = 0; i < shnum; i++)
        {
            int sh = Section(i);
            if (U32(file, sh + 4) != SHT_SYMTAB) continue;
            uint offset = U32(file, sh + 16), size = U32(file, sh + 20), link = U32(file, sh + 24), entsize = U32(file, sh + 36);
            if (entsize != SymbolSize)
                throw new ImageException($"ELF: section {i} (SHT_SYMTAB) has sh_entsize {entsize}; an Elf32_Sym is 16 bytes.");
            if ((ulong)offset + size > (ulong)file.Length)
                throw new ImageException($"ELF: section {i} (SHT_SYMTAB) bytes 0x{offset:X}+0x{size:X} run past the end of the {file.Length}-byte file.");
            if (size % SymbolSize != 0)
                throw new ImageException($"ELF: section {i} (SHT_SYMTAB) has sh_size 0x{size:X}, not a multiple of the 16-byte Elf32_Sym.");
            if (link == 0 || link >= shnum)
                throw new ImageException($"ELF: section {i} (SHT_SYMTAB) has sh_link {link}, which is not a section index (e_shnum {shnum}).");
            int str = Section((int)link);
            uint strType = U32(file, str + 4), strOffset = U32(file, str + 16), strSize = U32(file, str + 20);
            if (strType != SHT_STRTAB)
                throw new ImageException($"ELF: section {i} (SHT_SYMTAB) links to section {link}, which has sh_type {strType}, not SHT_STRTAB (3).");
            if ((ulong)strOffset + strSize > (ulong)file.Length)
                throw new ImageException($"ELF: section {link} (SHT_STRTAB) bytes 0x{strOffset:X}+0x{strSize:X} run past the end of the {file.Length}-byte file.");
            for (uint k = 1; k < size / SymbolSize; k++)
            {
                int at = (int)(offset + k * SymbolSize);
                uint name = U32(file, at), value = U32(file, at + 4), symSize = U32(file, at + 8);
                byte info = file[at + 12];
                ushort shndx = U16(file, at + 14);
                string text = "";
                if (name != 0 || strSize != 0)
                {
                    if (name >= strSize)
                        throw new ImageException($"ELF: symbol {k} of section {i} has st_name 0x{name:X} beyond the {strSize}-byte string table (section {link}).");
                    int nameStart = (int)(strOffset + name);
                    int nul = Array.IndexOf(file, (byte)0, nameStart, (int)(strSize - name));
                    if (nul < 0)
                        throw new ImageException($"ELF: symbol {k} of section {i} has a name at 0x{name:X} that is not NUL-terminated inside its string table (section {link}).");
                    text = Encoding.UTF8.GetString(file, nameStart, nul - nameStart);
                }
                symbols.Add(new ElfSymbol(text, value, symSize, (ElfSymbolType)(info & 0xF), (ElfSymbolBinding)(info >> 4), shndx));
            }
            break; // the ELF specification allows one SHT_SYMTAB per file
        }
        return symbols;
    }

    private static string TypeName(ushort type) => type switch
    {
        0 => " (ET_NONE)", 1 => " (ET_REL, an object file)", 3 => " (ET_DYN, a shared object or PIE)", 4 => " (ET_CORE)", _ => "",
    };

    private static string Hex(byte[] b, int start, int count) => count == 0 ? "(empty file)" : string.Join(" ", b.Skip(start).Take(count).Select(x => x.ToString("X2")));
    private static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
}
