using VirtLab.Engine.Tests.Support;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// Test guests for the control-transfer, stack and string families: like <see cref="TestGuest"/>,
/// plus exception handlers whose address tells which vector was delivered, a wider GDT, and an
/// optional monitor that records exceptions (for faults that cannot be delivered yet, e.g. at CPL 3).
/// <list type="bullet">
/// <item>Real mode: IVT entries 0-31 point at 0000:0500+v, where each byte is HLT. After a delivered
/// exception the run stops with CS = 0 and IP = 0x501 + v; the stack holds IP, CS, FLAGS.</item>
/// <item>Flat 32-bit: IDT at 0x1000 (limit 0x7FF), 32-bit interrupt gates (DPL 0, selector 0x08)
/// for vectors 0-31 to 0x20000 + v, each a HLT. After delivery EIP = 0x20001 + v; the stack holds
/// [error code,] EIP, CS, EFLAGS.</item>
/// </list>
/// GDT (at 0x800): 0x08 flat 32-bit code, 0x10 flat data (as <see cref="TestGuest"/>), 0x18 32-bit
/// data base 0 limit 0xFFFF (byte granular, B = 1), 0x20 not-present 32-bit code, 0x28 32-bit code
/// base 0x10000 limit 0xFFFF, 0x30 16-bit code base 0x10000 limit 0xFFFF, 0x38 DPL 3 flat 32-bit
/// code, 0x40 DPL 3 flat data, 0x48 16-bit data base 0 limit 0xFFFF (B = 0).
/// </summary>
internal static class CtrlGuest
{
    public const uint RealHandlers = 0x500;
    public const uint PmHandlers = 0x20000;

    public static (Machine M, RunResult R) Real(string body, long budget = 1_000_000, ICpuMonitor? monitor = null)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body + "\n"));
        for (uint v = 0; v < 32; v++)
        {
            m.Memory.WriteUInt16(v * 4, (ushort)(RealHandlers + v));
            m.Memory.WriteUInt16(v * 4 + 2, 0);
            m.Memory.WriteByte(RealHandlers + v, 0xF4);
        }
        m.Cpu.Monitor = monitor;
        var r = m.Run(budget);
        return (m, r);
    }

    public static (Machine M, RunResult R) Flat(string body, long budget = 1_000_000, ICpuMonitor? monitor = null, Action<Machine>? setup = null)
    {
        var m = new Machine();
        var code = Nasm.Assemble("bits 32\norg 0x10000\n" + body + "\n");
        m.Memory.LoadIntoRam(0x10000, code);
        TestGuest.EnterFlat32(m, 0x10000);
        m.Memory.Write(0x818, new byte[] {
            0xFF,0xFF,0,0,0,0x93,0x40,0,     // 0x18 data base 0 limit FFFF, B=1
            0xFF,0xFF,0,0,0,0x1B,0xCF,0,     // 0x20 code, not present
            0xFF,0xFF,0,0,1,0x9B,0x40,0,     // 0x28 32-bit code base 0x10000 limit FFFF
            0xFF,0xFF,0,0,1,0x9B,0x00,0,     // 0x30 16-bit code base 0x10000 limit FFFF
            0xFF,0xFF,0,0,0,0xFB,0xCF,0,     // 0x38 DPL3 flat code
            0xFF,0xFF,0,0,0,0xF3,0xCF,0,     // 0x40 DPL3 flat data
            0xFF,0xFF,0,0,0,0x93,0x00,0 });  // 0x48 16-bit data base 0 limit FFFF, B=0
        m.Cpu.GdtrLimit = 0x4F;
        m.Cpu.IdtrBase = 0x1000;
        m.Cpu.IdtrLimit = 0x7FF;
        for (uint v = 0; v < 32; v++)
        {
            uint handler = PmHandlers + v;
            m.Memory.WriteUInt32(0x1000 + v * 8, (handler & 0xFFFF) | (0x08u << 16));
            m.Memory.WriteUInt32(0x1000 + v * 8 + 4, (handler & 0xFFFF_0000) | 0x8E00);
            m.Memory.WriteByte(handler, 0xF4);
        }
        m.Cpu.Monitor = monitor;
        setup?.Invoke(m);
        var r = m.Run(budget);
        return (m, r);
    }

    /// <summary>Puts the flat guest at CPL 3 before it runs (CS 0x3B, SS/DS/ES 0x43, both DPL 3).</summary>
    public static void Ring3(Machine m)
    {
        var cpu = m.Cpu;
        cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = 0x3B, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC0FB });
        foreach (var s in new[] { SegmentRegister.SS, SegmentRegister.DS, SegmentRegister.ES })
            cpu.SetSegment(s, new SegmentCache { Selector = 0x43, Base = 0, Limit = 0xFFFF_FFFF, Rights = 0xC0F3 });
    }

    /// <summary>The vector whose real-mode handler stopped the run, or null.</summary>
    public static int? RealVector(Machine m)
    {
        uint ip = m.Cpu.Eip;
        if (m.Cpu.GetSegment(SegmentRegister.CS).Selector != 0 || ip <= RealHandlers || ip > RealHandlers + 32) return null;
        return (int)(ip - RealHandlers - 1);
    }

    /// <summary>The vector whose protected-mode handler stopped the run, or null.</summary>
    public static int? PmVector(Machine m)
    {
        uint ip = m.Cpu.Eip;
        if (ip <= PmHandlers || ip > PmHandlers + 32) return null;
        return (int)(ip - PmHandlers - 1);
    }

    public static ushort Word(Machine m, uint linear) => m.Memory.ReadUInt16(linear);
    public static uint Dword(Machine m, uint linear) => m.Memory.ReadUInt32(linear);
    /// <summary>The word at SS:SP + <paramref name="delta"/> in real mode.</summary>
    public static ushort StackWord(Machine m, uint delta = 0) =>
        m.Memory.ReadUInt16(m.Cpu.GetSegment(SegmentRegister.SS).Base + ((m.Cpu.Esp + delta) & 0xFFFF));
    /// <summary>The dword at SS:ESP + <paramref name="delta"/>.</summary>
    public static uint StackDword(Machine m, uint delta = 0) =>
        m.Memory.ReadUInt32(m.Cpu.GetSegment(SegmentRegister.SS).Base + m.Cpu.Esp + delta);
}

/// <summary>A monitor that records the first exception with the EIP it was raised at, and stops the run.</summary>
internal sealed class ExceptionRecorder : ICpuMonitor
{
    public ExceptionVector? Vector;
    public uint? ErrorCode;
    public uint Eip;
    public readonly List<SensitiveKind> Sensitive = new();

    public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) { Sensitive.Add(kind); return false; }
    public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }
    public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;
    public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode)
    {
        if (Vector is null) { Vector = vector; ErrorCode = errorCode; Eip = cpu.Eip; }
        return ExceptionDisposition.Stop;
    }
    public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }
}
