namespace VirtLab.Engine;

/// <summary>I/O protection (SDM Vol. 1 19.5, Vol. 3A 20.2.8): IOPL and the TSS I/O permission bitmap.</summary>
public sealed partial class Cpu
{
    /// <summary>
    /// IN/OUT/INS/OUTS: allowed in real mode and when CPL ≤ IOPL outside virtual-8086 mode;
    /// otherwise every bit of the access in the 32-bit TSS's I/O permission bitmap (at the offset
    /// in TSS word 66h) must be clear. A 16-bit TSS, a TSS shorter than 68h, or bitmap bytes
    /// beyond the TSS limit deny the access: #GP(0).
    /// </summary>
    internal void CheckIoPermission(ushort port, int size)
    {
        if (!ProtectedMode) return;
        if (!Virtual8086 && Cpl <= Iopl) return;
        int type = Tr.Rights & 0xF;
        if ((type != TypeTss32Available && type != TypeTss32Busy) || Tr.Limit < 0x67) throw CpuException.GP(0);
        uint mapBase = ReadSystem16(Tr.Base + 0x66);
        uint at = mapBase + ((uint)port >> 3);
        if (at + 1 > Tr.Limit) throw CpuException.GP(0); // the processor reads two bytes of the bitmap
        uint bits = ReadSystem16(Tr.Base + at);
        uint mask = ((1u << size) - 1) << (port & 7);
        if ((bits & mask) != 0) throw CpuException.GP(0);
    }
}
