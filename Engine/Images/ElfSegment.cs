namespace VirtLab.Engine.Images;

/// <summary>Segment permission bits, p_flags.</summary>
[Flags]
public enum ElfSegmentFlags : uint { None = 0, Execute = 1, Write = 2, Read = 4 }

/// <summary>
/// A PT_LOAD program header of an ELF32 executable with its file bytes. The loader copies
/// <see cref="Data"/> (p_filesz bytes) to <see cref="PhysicalAddress"/> and zero-fills up to
/// p_memsz (the bss).
/// </summary>
/// <param name="Index">Index of the program header in the table (for messages).</param>
public sealed record ElfSegment(int Index, uint VirtualAddress, uint PhysicalAddress, uint FileOffset, uint FileSize, uint MemorySize, ElfSegmentFlags Flags, byte[] Data)
{
    /// <summary>This segment as a piece to place in physical memory.</summary>
    public ImageSegment ToImageSegment() => new($"ELF program header {Index} (PT_LOAD)", PhysicalAddress, Data, MemorySize);

    /// <summary>True when <paramref name="virtualAddress"/> lies inside [p_vaddr, p_vaddr + p_memsz).</summary>
    public bool ContainsVirtual(uint virtualAddress) => virtualAddress >= VirtualAddress && (ulong)virtualAddress < (ulong)VirtualAddress + MemorySize;
}
