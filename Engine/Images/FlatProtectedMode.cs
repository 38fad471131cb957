namespace VirtLab.Engine.Images;

/// <summary>
/// The flat 32-bit protected-mode state loaders enter a guest in (the Multiboot v1 machine state,
/// spec section 3.2): a GDT in guest RAM with a null descriptor, a code segment at selector 0x08 and
/// a data segment at 0x10 (base 0, limit 4 GiB, DPL 0, the same selectors QEMU's Multiboot loader
/// uses), CS = 0x08, DS/ES/FS/GS/SS = 0x10, CR0 = PE | ET (PG clear), EFLAGS = 2 (IF and VM clear).
/// The GDT is real, so a guest may reload its segment registers before building its own.
/// </summary>
public static class FlatProtectedMode
{
    public const ushort CodeSelector = 0x08;
    public const ushort DataSelector = 0x10;
    /// <summary>Bytes of the GDT: three 8-byte descriptors.</summary>
    public const int GdtSize = 24;
    /// <summary>CR0 at entry: PE and ET (the 387-present bit every Pentium reads as 1), nothing else.</summary>
    public const uint EntryCr0 = Cpu.Cr0PE | Cpu.Cr0ET;
    /// <summary>EFLAGS at entry: only the always-one bit 1.</summary>
    public const uint EntryEFlags = 0x2;

    // Access rights as in descriptor bytes 5-6 (SegmentCache.Rights): G=1, D/B=1, P=1, DPL 0, S=1,
    // code execute/read accessed (0xB) and data read/write accessed (0x3). The accessed bit is preset
    // so that loading a selector leaves the descriptor in memory as it was.
    private const ushort CodeRights = 0xC09B, DataRights = 0xC093;

    /// <summary>The GDT the loaders write: null, flat code (0x08), flat data (0x10).</summary>
    public static byte[] GdtBytes() => new byte[]
    {
        0, 0, 0, 0, 0, 0, 0, 0,
        0xFF, 0xFF, 0, 0, 0, unchecked((byte)CodeRights), (byte)(CodeRights >> 8 | 0x0F), 0, // limit 0xFFFFF pages, base 0
        0xFF, 0xFF, 0, 0, 0, unchecked((byte)DataRights), (byte)(DataRights >> 8 | 0x0F), 0,
    };

    /// <summary>
    /// Resets the machine's devices and CPU, points GDTR at <paramref name="gdtAddress"/> (where the
    /// caller has written <see cref="GdtBytes"/>) and loads the flat segments, EIP and ESP.
    /// </summary>
    internal static void Enter(Machine machine, uint gdtAddress, uint eip, uint esp)
    {
        machine.ResetDevices();
        var cpu = machine.Cpu;
        cpu.Reset();
        cpu.GdtrBase = gdtAddress;
        cpu.GdtrLimit = GdtSize - 1;
        cpu.WriteCr0(EntryCr0);
        cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = CodeSelector, Base = 0, Limit = 0xFFFF_FFFF, Rights = CodeRights });
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS, SegmentRegister.SS })
            cpu.SetSegment(s, new SegmentCache { Selector = DataSelector, Base = 0, Limit = 0xFFFF_FFFF, Rights = DataRights });
        cpu.EFlags = EntryEFlags;
        cpu.Eip = eip;
        cpu.Esp = esp;
    }
}
