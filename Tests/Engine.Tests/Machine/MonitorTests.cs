using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

/// <summary>The narrow monitor interface: a monitor sees sensitive instructions, port I/O and exceptions with the CPL and the exact instruction, and decides.</summary>
public class MonitorTests
{
    private sealed class RecordingMonitor : ICpuMonitor
    {
        public readonly List<string> Events = new();
        public bool EmulateCpuid, SwallowPort0x80, HandleUd;

        public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind)
        {
            Events.Add($"{kind} cpl={cpu.Cpl} at {instruction.Ip:X} '{instruction.Text}'");
            if (kind == SensitiveKind.Cpuid && EmulateCpuid)
            {
                cpu.Eax = 0x1234; cpu.Ebx = cpu.Ecx = cpu.Edx = 0;
                return true; // the CPU does not execute it; EIP is already past it
            }
            return false;
        }

        public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value)
        {
            Events.Add($"in {port:X} {size}");
            value = 0x5A;
            return port == 0x80 && SwallowPort0x80;
        }

        public bool OnPortOut(Cpu cpu, ushort port, int size, uint value)
        {
            Events.Add($"out {port:X} {size} {value:X}");
            return port == 0x80 && SwallowPort0x80;
        }

        public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode)
        {
            Events.Add($"exception {vector} at {cpu.Eip:X}");
            if (vector == ExceptionVector.UD && HandleUd)
            {
                cpu.Eip += 2; // skip the UD2
                return ExceptionDisposition.Handled;
            }
            return ExceptionDisposition.Stop;
        }

        public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) => Events.Add($"traced {physicalAddress:X} {size}");
    }

    private static (Machine, RunResult, RecordingMonitor) Run(string body, Action<RecordingMonitor>? setup = null)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body + "\n"));
        var mon = new RecordingMonitor();
        setup?.Invoke(mon);
        m.Cpu.Monitor = mon;
        return (m, m.Run(1000), mon);
    }

    [Fact]
    public void SensitiveInstructionReachesTheMonitorWithItsTextAndCpl()
    {
        var (m, r, mon) = Run("cpuid\nout 0xF4, al", x => x.EmulateCpuid = true);
        Assert.Equal("Cpuid cpl=0 at 7C00 'cpuid'", mon.Events[0]);
        Assert.Equal(0x1234u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
    }

    [Fact]
    public void PortIoGoesThroughTheMonitorFirst()
    {
        var (m, r, mon) = Run("in al, 0x80\nmov bl, al\nmov al, 1\nout 0x80, al\nmov al, 2\nout 0xF4, al", x => x.SwallowPort0x80 = true);
        Assert.Equal(new[] { "in 80 1", "out 80 1 1", "out F4 1 2" }, mon.Events);
        Assert.Equal(0x5Au, m.Cpu.Ebx & 0xFF);
        Assert.Equal(2, r.ExitCode); // not swallowed: reached the exit port
    }

    [Fact]
    public void ExceptionsAskTheMonitorWhichMayHandleOrStop()
    {
        var (m, r, mon) = Run("ud2\nmov al, 9\nout 0xF4, al", x => x.HandleUd = true);
        Assert.Equal("exception UD at 7C00", mon.Events[0]);
        Assert.Equal(9, r.ExitCode);

        var (_, r2, _) = Run("ud2\nout 0xF4, al");
        Assert.Equal(StopReason.MonitorStop, r2.StopReason);
    }

    [Fact]
    public void TracedPagesReportGuestWrites()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nmov byte [0x3000], 1\nmov byte [0x4000], 2\nout 0xF4, al\n"));
        var mon = new RecordingMonitor();
        m.Cpu.Monitor = mon;
        m.Memory.TracePage(0x3000, true);
        m.Run(100);
        Assert.Contains("traced 3000 1", mon.Events);
        Assert.DoesNotContain(mon.Events, e => e.StartsWith("traced 4"));
        Assert.Equal(1, m.Memory.ReadByte(0x3000));
    }
}

public class EngineErrorTests
{
    private sealed class ThrowingMonitor : ICpuMonitor
    {
        public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) => false;
        public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }
        public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => throw new InvalidOperationException("monitor bug");
        public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode) => ExceptionDisposition.Deliver;
        public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }
    }

    [Fact]
    public void AHostErrorDuringARunNamesTheGuestInstruction()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nnop\nout 0x80, al\n"));
        m.Cpu.Monitor = new ThrowingMonitor();
        var e = Assert.Throws<EngineException>(() => m.Run(10));
        Assert.Equal(0x7C01u, e.Eip);
        Assert.Equal("out 80h,al", e.Instruction);
        Assert.Contains("monitor bug", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }
}

public class TracedWriteTests
{
    private sealed class Tracer : ICpuMonitor
    {
        public readonly List<(uint Address, int Size)> Writes = new();
        public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) => false;
        public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }
        public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;
        public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode) => ExceptionDisposition.Deliver;
        public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) => Writes.Add((physicalAddress, size));
    }

    [Fact]
    public void AWordOrDwordWriteIsOneTracedEventWithItsSize()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nmov word [0x3000], 0x1234\nmov dword [0x3010], 0x12345678\nmov byte [0x3020], 1\nout 0xF4, al\n"));
        var t = new Tracer();
        m.Cpu.Monitor = t;
        m.Memory.TracePage(0x3000, true);
        m.Run(100);
        Assert.Equal(new[] { (0x3000u, 2), (0x3010u, 4), (0x3020u, 1) }, t.Writes);
        Assert.Equal(0x12345678u, m.Memory.ReadUInt32(0x3010));
    }

    [Fact]
    public void UntracingStopsTheEvents()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nmov word [0x3000], 1\nout 0xF4, al\n"));
        var t = new Tracer();
        m.Cpu.Monitor = t;
        m.Memory.TracePage(0x3000, true);
        m.Memory.TracePage(0x3000, false);
        m.Run(100);
        Assert.Empty(t.Writes);
    }
}
