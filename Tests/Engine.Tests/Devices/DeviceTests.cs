using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>The port devices of conventions.md, driven directly through the bus.</summary>
public class DeviceTests
{
    private static (IoBus Bus, ConsoleOutput Console) Bus()
    {
        var console = new ConsoleOutput();
        var bus = new IoBus();
        bus.Attach(new DebugConsole(console));
        bus.Attach(new Uart16550(console));
        return (bus, console);
    }

    [Fact]
    public void UartDivisorLatchDoesNotTransmit()
    {
        var (bus, console) = Bus();
        bus.Write(0x3FB, 1, 0x80);   // LCR.DLAB = 1
        bus.Write(0x3F8, 1, 0x01);   // divisor low byte, not a character
        bus.Write(0x3F9, 1, 0x00);
        Assert.Equal(1u, bus.Read(0x3F8, 1));
        bus.Write(0x3FB, 1, 0x03);   // 8N1, DLAB = 0
        bus.Write(0x3F8, 1, (uint)'A');
        Assert.Equal("A", console.Text);
        Assert.Equal(0x03u, bus.Read(0x3FB, 1));
    }

    [Fact]
    public void UartLineStatusSaysTransmitterEmptyAndNoData()
    {
        var (bus, _) = Bus();
        Assert.Equal(0x60u, bus.Read(0x3FD, 1)); // THRE | TEMT, DR = 0
        Assert.Equal(0x01u, bus.Read(0x3FA, 1)); // IIR: no interrupt pending
    }

    [Fact]
    public void DebugConsoleAndUartShareTheConsoleInOrder()
    {
        var (bus, console) = Bus();
        bus.Write(0xE9, 1, (uint)'a');
        bus.Write(0x3F8, 1, (uint)'b');
        bus.Write(0xE9, 1, (uint)'c');
        Assert.Equal("abc", console.Text);
        Assert.Equal(0xE9u, bus.Read(0xE9, 1));
    }

    [Fact]
    public void UnclaimedPortsReadAllOnesAndAreCounted()
    {
        var (bus, _) = Bus();
        Assert.Equal(0xFFu, bus.Read(0x1234, 1));
        Assert.Equal(0xFFFFu, bus.Read(0x1234, 2));
        Assert.Equal(0xFFFF_FFFFu, bus.Read(0x1234, 4));
        bus.Write(0x1234, 1, 0);
        Assert.Equal(3, bus.UnclaimedReads);
        Assert.Equal(1, bus.UnclaimedWrites);
    }

    [Fact]
    public void TwoDevicesCannotClaimOnePort()
    {
        var (bus, console) = Bus();
        var e = Assert.Throws<InvalidOperationException>(() => bus.Attach(new DebugConsole(console)));
        Assert.Contains("0xE9", e.Message);
        Assert.Contains("debugcon", e.Message);
    }

    [Fact]
    public void ExitPortTakesByteAndDwordWritesAndPostPortKeepsOrder()
    {
        var exit = new ExitPort();
        bool stopped = false;
        exit.ExitRequested = () => stopped = true;
        exit.Write(0xF4, 4, 0x12345678);
        Assert.True(stopped);
        Assert.Equal(0x12345678u, exit.ExitCode);
        var post = new PostPort();
        post.Write(0x190, 1, 0x10); post.Write(0x190, 1, 0x20); post.Write(0x190, 1, 0x10);
        Assert.Equal(new byte[] { 0x10, 0x20, 0x10 }, post.Codes);
    }
}
