using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>The native "monitor": no CPU monitor installed, no exits, one cycle per instruction.</summary>
public class NativeMonitorTests
{
    [Fact]
    public void Counts_cycles_from_attach_and_records_no_exits()
    {
        var m = new Machine();
        m.LoadFlatImage(new byte[] { 0x90, 0x90, 0x90, 0xF4 }); // nop x3, hlt
        m.Run(1);
        IVirtualMachineMonitor native = new NativeMonitor();
        Assert.Equal(GuestMode.Native, native.Mode);
        Assert.Equal(0, native.Cycles);
        native.Attach(m);
        Assert.Null(m.Cpu.Monitor);
        m.Run(100);
        Assert.Equal(3 * CostModel.NativeCyclesPerInstruction, native.Cycles); // two nops and the hlt after attaching
        Assert.Empty(native.Exits);
        Assert.Throws<ArgumentNullException>(() => native.Attach(null!));
    }

    private sealed class SomeMonitor : ICpuMonitor
    {
        public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) => false;
        public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }
        public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;
        public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode) => ExceptionDisposition.Deliver;
        public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }
    }

    [Fact]
    public void Refuses_a_machine_with_a_monitor()
    {
        var m = new Machine();
        m.Cpu.Monitor = new SomeMonitor();
        var ex = Assert.Throws<InvalidOperationException>(() => new NativeMonitor().Attach(m));
        Assert.Equal("Native execution needs a machine without a monitor; this one has SomeMonitor.", ex.Message);
    }

    [Fact]
    public void VmExit_defaults_are_empty_not_null()
    {
        var e = new VmExit();
        Assert.Equal("", e.Reason);
        Assert.Equal("", e.InstructionText);
        Assert.Empty(e.InstructionBytes);
        Assert.Empty(e.Fields);
        Assert.Equal("", e.Action);
        Assert.Null(e.ReasonNumber);
    }
}
