namespace VirtLab.Engine.Tests.Support;

/// <summary>
/// Runs a snippet of nasm source as a flat real-mode image at 0:7C00 (SS:SP = 0:7C00), or in flat
/// 32-bit ring-0 protected mode (code at 0x10000, CS=0x08 base 0 limit 4 GiB, data 0x10, ESP 0x9000),
/// until HLT. The snippet must end with <c>hlt</c>.
/// </summary>
public static class TestGuest
{
    public static Machine Real16(string body, long budget = 1_000_000)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body + "\n"));
        m.Run(budget);
        return m;
    }

    /// <summary>Builds a GDT in RAM at 0x800 and enters 32-bit flat protected mode at 0x10000 directly (no real-mode prologue).</summary>
    public static Machine Flat32(string body, long budget = 1_000_000)
    {
        var m = new Machine();
        var code = Nasm.Assemble("bits 32\norg 0x10000\n" + body + "\n");
        m.Memory.LoadIntoRam(0x10000, code);
        EnterFlat32(m, 0x10000);
        m.Run(budget);
        return m;
    }

    /// <summary>Writes a flat GDT (null, code 0x08, data 0x10) at 0x800 and loads CS/DS/ES/SS/FS/GS as protected-mode flat segments at CPL 0.</summary>
    public static void EnterFlat32(Machine m, uint eip)
    {
        var cpu = m.Cpu;
        cpu.Reset();
        m.Memory.Write(0x800, new byte[] {
            0,0,0,0,0,0,0,0,
            0xFF,0xFF,0,0,0,0x9B,0xCF,0,   // 0x08 code: base 0, limit 4 GiB, 32-bit, accessed
            0xFF,0xFF,0,0,0,0x93,0xCF,0 }); // 0x10 data
        cpu.GdtrBase = 0x800; cpu.GdtrLimit = 23;
        cpu.Cr0 |= Cpu.Cr0PE;
        cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = 0x08, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC09B });
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.SS, SegmentRegister.FS, SegmentRegister.GS })
            cpu.SetSegment(s, new SegmentCache { Selector = 0x10, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC093 });
        cpu.Eip = eip;
        cpu.Esp = 0x9000;
    }
}
