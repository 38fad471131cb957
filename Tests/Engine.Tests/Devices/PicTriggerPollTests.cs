using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// 8259A inputs and the poll command (Intel 8259A datasheet, "Edge and Level Triggered Modes",
/// Figure 9 "Priority Cell", "The Poll Command"), the PulseIrq convenience, port widths and the
/// errors the host API reports.
/// </summary>
public class PicTriggerPollTests
{
    [Fact]
    public void EdgeModeLatchesOnlyARisingEdgeAndAHeldLineDoesNotRepeat()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(3, true);
        Assert.Equal(0x0B, pic.Acknowledge());
        Assert.Equal(0, pic.Master.Irr);               // line still high, edge consumed
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);
        pic.SetIrq(3, true);                           // still high: no edge
        Assert.False(pic.InterruptRequested);
        pic.SetIrq(3, false);
        pic.SetIrq(3, true);
        Assert.True(pic.InterruptRequested);
    }

    [Fact]
    public void TheRequestLatchIsTransparentSoAFallingLineRemovesTheRequest()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0x08);                    // masked: the request waits in IRR
        pic.SetIrq(3, true);
        Assert.Equal(0x08, pic.Master.Irr);
        pic.SetIrq(3, false);
        Assert.Equal(0, pic.Master.Irr);
        pic.Out(PicPorts.M1, 0x00);
        Assert.False(pic.InterruptRequested);
    }

    [Fact]
    public void LevelModeRequestsAgainAfterEoiWhileTheLineIsHigh()
    {
        // LTIM = 1: "If the IR input remains active after an EOI command ... another interrupt is generated."
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x19); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        Assert.True(pic.Master.LevelTriggered);
        pic.SetIrq(6, true);
        Assert.Equal(0x0E, pic.Acknowledge());
        Assert.Equal(0x40, pic.Master.Irr);            // IRR follows the level
        Assert.False(pic.InterruptRequested);          // blocked by its own ISR bit
        pic.Out(PicPorts.M0, 0x20);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x0E, pic.Acknowledge());
        pic.SetIrq(6, false);
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);
    }

    [Fact]
    public void LevelModeSeesALineThatWasAlreadyHighAtInitialisation()
    {
        var pic = new Pic8259();
        pic.SetIrq(5, true);
        pic.Out(PicPorts.M0, 0x19); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        Assert.True(pic.InterruptRequested);           // no edge needed
        pic.Out(PicPorts.M0, 0x11); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        Assert.False(pic.InterruptRequested);          // back in edge mode: needs a new edge
    }

    [Fact]
    public void PollCommandAcknowledgesTheHighestRequestForOneRead()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(5, true);
        pic.SetIrq(3, true);
        pic.Out(PicPorts.M0, 0x0C);                    // OCW3: poll
        Assert.True(pic.Master.PollPending);
        Assert.Equal(0x83, pic.In(PicPorts.M0));       // I = 1, W = 3
        Assert.Equal(0x08, pic.Master.Isr);
        Assert.Equal(0x20, pic.In(PicPorts.M0));       // the poll is over: IRR again
        pic.Out(PicPorts.M0, 0x20);
        pic.Out(PicPorts.M0, 0x0C);
        Assert.Equal(0x85, pic.In(PicPorts.M1));       // a read at A0 = 1 is the poll read as well
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal(0x00, pic.In(PicPorts.M1));       // and then the IMR again
    }

    [Fact]
    public void PollWithNothingPendingReturnsZeroAndChangesNothing()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(4, true);
        pic.Acknowledge();
        pic.SetIrq(6, true);                           // blocked by IR4 in service
        pic.Out(PicPorts.M0, 0x0C);
        Assert.Equal(0x00, pic.In(PicPorts.M0));
        Assert.Equal(0x10, pic.Master.Isr);
        Assert.Equal(0x40, pic.Master.Irr);
    }

    [Fact]
    public void PollKeepsOrChangesTheReadSelectionGivenInTheSameOcw3()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(1, true);
        pic.Out(PicPorts.M0, 0x0F);                    // poll + read ISR
        Assert.Equal(0x81, pic.In(PicPorts.M0));
        Assert.Equal(0x02, pic.In(PicPorts.M0));       // ISR selected
    }

    [Fact]
    public void PollingTheCascadeGivesIr2ThenTheSlavesLevel()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(13, true);
        pic.Out(PicPorts.M0, 0x0C);
        Assert.Equal(0x82, pic.In(PicPorts.M0));
        pic.Out(PicPorts.S0, 0x0C);
        Assert.Equal(0x85, pic.In(PicPorts.S0));
        Assert.Equal((ushort)0x2004, pic.Isr);
    }

    [Fact]
    public void PollInAutoEoiModeLeavesNothingInService()
    {
        var pic = PicPorts.Bios(masterIcw4: 0x03);
        pic.SetIrq(6, true);
        pic.Out(PicPorts.M0, 0x0C);
        Assert.Equal(0x86, pic.In(PicPorts.M0));
        Assert.Equal(0, pic.Master.Isr);
    }

    [Fact]
    public void PulseIrqHoldsTheRequestUntilAcknowledgedThenDropsTheLine()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0x02);                    // IRQ1 masked
        pic.PulseIrq(1);
        pic.PulseIrq(1);                               // merges with the pending one
        Assert.True(pic.GetIrqLine(1));
        Assert.False(pic.InterruptRequested);
        pic.Out(PicPorts.M1, 0x00);
        Assert.Equal(0x09, pic.Acknowledge());
        Assert.False(pic.GetIrqLine(1));
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);          // one interrupt for the two pulses
        pic.PulseIrq(1);
        Assert.Equal(0x09, pic.Acknowledge());
    }

    [Fact]
    public void PulseIrqGivesOneInterruptInLevelModeAndIsDroppedByPoll()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x19); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        pic.Out(PicPorts.S0, 0x19); pic.Out(PicPorts.S1, 0x70); pic.Out(PicPorts.S1, 0x02); pic.Out(PicPorts.S1, 0x01);
        pic.PulseIrq(4);
        Assert.Equal(0x0C, pic.Acknowledge());
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);
        pic.PulseIrq(11);
        pic.Out(PicPorts.M0, 0x0C);
        Assert.Equal(0x82, pic.In(PicPorts.M0));       // the master's poll does not acknowledge the slave
        Assert.True(pic.GetIrqLine(11));
        pic.Out(PicPorts.S0, 0x0C);
        Assert.Equal(0x83, pic.In(PicPorts.S0));
        Assert.False(pic.GetIrqLine(11));
    }

    [Fact]
    public void PulseIrqAfterReinitialisationMakesAFreshEdge()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0x20);
        pic.PulseIrq(5);                               // held high, masked
        pic.Out(PicPorts.M0, 0x11); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        Assert.False(pic.InterruptRequested);          // edge forgotten by ICW1
        pic.PulseIrq(5);
        Assert.Equal(0x0D, pic.Acknowledge());
    }

    [Fact]
    public void SetIrqAfterPulseIrqTakesTheLineBack()
    {
        var pic = PicPorts.Bios();
        pic.PulseIrq(3);
        pic.SetIrq(3, true);                           // the device now drives a level
        Assert.Equal(0x0B, pic.Acknowledge());
        Assert.True(pic.GetIrqLine(3));                // not dropped at the acknowledge
    }

    [Fact]
    public void ResetDropsPulsedLinesButKeepsDrivenOnes()
    {
        var pic = PicPorts.Bios();
        pic.PulseIrq(9);
        pic.SetIrq(4, true);
        pic.Reset();
        Assert.False(pic.GetIrqLine(9));
        Assert.True(pic.GetIrqLine(4));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    public void IrqNumbersOutsideZeroToFifteenAreRejected(int irq)
    {
        var pic = new Pic8259();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pic.SetIrq(irq, true));
        Assert.Contains("0-15", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pic.PulseIrq(irq));
        Assert.Throws<ArgumentOutOfRangeException>(() => pic.GetIrqLine(irq));
    }

    [Fact]
    public void Irq2IsTheCascadeAndCannotBeDrivenByADevice()
    {
        var pic = new Pic8259();
        var e = Assert.Throws<ArgumentException>(() => pic.SetIrq(2, true));
        Assert.Contains("cascade", e.Message);
        Assert.Contains("IRQ 9", e.Message);
        Assert.Throws<ArgumentException>(() => pic.PulseIrq(2));
        Assert.False(pic.GetIrqLine(2));               // reading it is fine: the slave's INT
    }

    [Fact]
    public void WordAndDwordAccessesAreSplitIntoBytesAndUndecodedBytesFloat()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0x5A);
        pic.SetIrq(4, true);
        Assert.Equal(0x5A10u, pic.Read(0x20, 2));      // IRR at 20h, IMR at 21h
        Assert.Equal(0xFFFF_FF5Au, pic.Read(0x21, 4)); // 22h-24h are not the PIC's
        pic.Write(0xA0, 2, 0x7011);                    // ICW1 at A0h, ICW2 at A1h
        Assert.Equal(3, pic.Slave.ExpectedIcw);
        Assert.Equal(0x70, pic.Slave.VectorBase);
        pic.Write(0x21, 2, 0xEE00);                    // OCW1 = 00h; 22h dropped
        Assert.Equal(0, pic.Master.Imr);
    }

    [Fact]
    public void AccessSizesOtherThanOneTwoOrFourAreAnEngineError()
    {
        var pic = new Pic8259();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pic.Read(0x20, 3));
        Assert.Contains("'pic' port 0x20", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pic.Write(0xA1, 0, 0));
    }

    [Fact]
    public void ThePairDecodesItsFourPortsOnTheBus()
    {
        var bus = new IoBus();
        var pic = new Pic8259();
        bus.Attach(pic);
        Assert.Same(pic, bus.DeviceAt(0x20));
        Assert.Same(pic, bus.DeviceAt(0x21));
        Assert.Same(pic, bus.DeviceAt(0xA0));
        Assert.Same(pic, bus.DeviceAt(0xA1));
        Assert.Null(bus.DeviceAt(0x22));
        bus.Write(0xA1, 1, 0xC3);
        Assert.Equal(0xC3u, bus.Read(0xA1, 1));
        Assert.Equal((ushort)0xC300, pic.Imr);
    }
}
