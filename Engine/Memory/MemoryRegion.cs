namespace VirtLab.Engine;

/// <summary>One entry of the guest physical memory map.</summary>
public sealed record MemoryRegion(string Name, ulong Base, ulong Size, MemoryRegionKind Kind)
{
    public ulong End => Base + Size;
    public override string ToString() => $"{Name} {Kind} 0x{Base:X8}-0x{End - 1:X8}";
}
