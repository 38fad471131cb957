namespace VirtLab.Engine.Images;

/// <summary>
/// A piece of an image to place in guest physical memory: <see cref="Data"/> is copied to
/// <see cref="Address"/>, and the rest of <see cref="MemorySize"/> (the bss) is zero-filled.
/// </summary>
/// <param name="Name">What the piece is, for error messages (e.g. "ELF program header 1").</param>
/// <param name="Address">Physical address of the first byte.</param>
/// <param name="Data">Bytes from the image (at most <paramref name="MemorySize"/>).</param>
/// <param name="MemorySize">Bytes the piece occupies in memory, data plus zero fill.</param>
public sealed record ImageSegment(string Name, uint Address, byte[] Data, uint MemorySize)
{
    /// <summary>One past the last byte, as a 64-bit value so that a piece ending at 4 GiB is representable.</summary>
    public ulong End => (ulong)Address + MemorySize;
}
