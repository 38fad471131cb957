namespace VirtLab.Engine;

/// <summary>
/// Word and dword accesses to 8-bit ISA devices (the 8259A, the 8254): the bus splits them into byte
/// cycles at port, port+1, ... (as QEMU does for devices whose accesses are one byte wide); a byte
/// the device does not decode floats (reads 0xFF, writes are dropped).
/// </summary>
internal static class IsaByteLanes
{
    /// <summary>Reads <paramref name="size"/> bytes, little-endian; <paramref name="readByte"/> returns null for ports it does not decode.</summary>
    public static uint Read(string device, ushort port, int size, Func<ushort, byte?> readByte)
    {
        CheckSize(device, port, size);
        uint value = 0;
        for (int i = 0; i < size; i++)
            value |= (uint)(readByte((ushort)(port + i)) ?? 0xFF) << (8 * i);
        return value;
    }

    /// <summary>Writes <paramref name="size"/> bytes, little-endian; <paramref name="writeByte"/> returns false for ports it does not decode.</summary>
    public static void Write(string device, ushort port, int size, uint value, Func<ushort, byte, bool> writeByte)
    {
        CheckSize(device, port, size);
        for (int i = 0; i < size; i++)
            writeByte((ushort)(port + i), (byte)(value >> (8 * i)));
    }

    private static void CheckSize(string device, ushort port, int size)
    {
        if (size is not (1 or 2 or 4))
            throw new ArgumentOutOfRangeException(nameof(size), size,
                $"'{device}' port 0x{port:X}: an I/O access is 1, 2 or 4 bytes wide, not {size}.");
    }
}
