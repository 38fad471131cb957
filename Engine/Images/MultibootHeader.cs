using System.Buffers.Binary;

namespace VirtLab.Engine.Images;

/// <summary>
/// The Multiboot v1 header of an OS image (Multiboot Specification 0.6.96, section 3.1): magic,
/// flags and checksum, and, when flags bit 16 is set, the a.out-kludge address fields.
/// </summary>
public sealed record MultibootHeader(int Offset, uint Flags, uint Checksum, uint HeaderAddr, uint LoadAddr, uint LoadEndAddr, uint BssEndAddr, uint EntryAddr)
{
    /// <summary>The header's magic field (spec 3.1.2).</summary>
    public const uint Magic = 0x1BADB002;
    /// <summary>The header must lie completely in the first 8192 bytes, 32-bit aligned (spec 3.1.1).</summary>
    public const int SearchLimit = 8192;
    /// <summary>Bit 0: align boot modules on 4 KiB pages.</summary>
    public const uint FlagPageAlign = 1u << 0;
    /// <summary>Bit 1: the OS needs mem_* (and the memory map if available) in the info structure.</summary>
    public const uint FlagMemoryInfo = 1u << 1;
    /// <summary>Bit 2: the OS wants a video mode table and the mode_type/width/height/depth fields used.</summary>
    public const uint FlagVideoMode = 1u << 2;
    /// <summary>Bit 16: the address fields at offsets 12-28 are valid (the "a.out kludge").</summary>
    public const uint FlagAddressFields = 1u << 16;
    /// <summary>Bits 0-15 are requirements: a loader that does not understand one of them must refuse the image.</summary>
    public const uint RequiredFlagsMask = 0x0000FFFF;

    /// <summary>Bytes of the header with the address fields (magic .. entry_addr).</summary>
    public const int SizeWithAddressFields = 32;

    public bool HasAddressFields => (Flags & FlagAddressFields) != 0;

    /// <summary>
    /// Searches the first 8192 bytes, at 4-byte aligned offsets, for magic 0x1BADB002 whose
    /// magic + flags + checksum is 0 mod 2^32 (a magic with a wrong checksum is skipped, as GRUB and
    /// QEMU do, and reported if no valid header follows).
    /// </summary>
    /// <exception cref="ImageException">No valid header, or one whose address fields run past 8192 bytes or the file.</exception>
    public static MultibootHeader Find(ReadOnlySpan<byte> image)
    {
        int limit = Math.Min(image.Length, SearchLimit);
        string? badChecksum = null;
        for (int at = 0; at + 12 <= limit; at += 4)
        {
            if (U32(image, at) != Magic) continue;
            uint flags = U32(image, at + 4), checksum = U32(image, at + 8);
            if (unchecked(Magic + flags + checksum) != 0)
            {
                badChecksum ??= $"a magic 0x1BADB002 at offset 0x{at:X} has a bad checksum 0x{checksum:X8} (flags 0x{flags:X8}: magic + flags + checksum must be 0 mod 2^32, so the checksum should be 0x{unchecked(0u - Magic - flags):X8})";
                continue;
            }
            if ((flags & FlagAddressFields) == 0)
                return new MultibootHeader(at, flags, checksum, 0, 0, 0, 0, 0);
            if (at + SizeWithAddressFields > limit)
                throw new ImageException($"Multiboot: the header at offset 0x{at:X} sets flags bit 16 (address fields) but its 32 bytes run past {(limit == image.Length ? $"the end of the {image.Length}-byte file" : "the first 8192 bytes")}.");
            return new MultibootHeader(at, flags, checksum, U32(image, at + 12), U32(image, at + 16), U32(image, at + 20), U32(image, at + 24), U32(image, at + 28));
        }
        throw new ImageException(badChecksum is null
            ? $"Multiboot: no header (magic 0x1BADB002 at a 4-byte aligned offset) in the first {limit} bytes of the image."
            : $"Multiboot: no valid header in the first {limit} bytes: {badChecksum}.");
    }

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
}
