namespace VirtLab.Engine.Images;

/// <summary>Symbol type, the low nibble of st_info (System V ABI, ELF symbol table).</summary>
public enum ElfSymbolType : byte { NoType = 0, Object = 1, Func = 2, Section = 3, File = 4, Common = 5, Tls = 6 }

/// <summary>Symbol binding, the high nibble of st_info.</summary>
public enum ElfSymbolBinding : byte { Local = 0, Global = 1, Weak = 2 }

/// <summary>One entry of an ELF32 .symtab (Elf32_Sym), with its name read from the linked string table.</summary>
/// <param name="Name">st_name resolved in the linked string table (may be empty).</param>
/// <param name="Value">st_value: for an executable, the symbol's (virtual) address.</param>
/// <param name="Size">st_size in bytes (0 when unknown, as for nasm labels).</param>
/// <param name="SectionIndex">st_shndx: 0 undefined, 0xFFF1 absolute, 0xFFF2 common, else a section.</param>
public sealed record ElfSymbol(string Name, uint Value, uint Size, ElfSymbolType Type, ElfSymbolBinding Binding, ushort SectionIndex)
{
    public const ushort SectionUndefined = 0, SectionAbsolute = 0xFFF1, SectionCommon = 0xFFF2;

    /// <summary>True for a named code or data address defined in a section (not a file, section, absolute or undefined symbol).</summary>
    public bool IsAddress => Name.Length > 0
        && Type is ElfSymbolType.NoType or ElfSymbolType.Object or ElfSymbolType.Func
        && SectionIndex != SectionUndefined && SectionIndex < 0xFF00;
}
