using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// The master/slave pair (Intel 8259A datasheet, "Cascade Mode", "Special Fully Nested Mode",
/// "Interrupt Sequence"): the slave's INT on the master's IR2, CAS addressing by ICW3, and the
/// acknowledge paths where nobody or the wrong chip answers.
/// </summary>
public class PicCascadeTests
{
    [Fact]
    public void SlaveRequestReachesTheCpuThroughIr2AndTheSlaveSuppliesTheVector()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(12, true);
        Assert.Equal(0x10, pic.Slave.Irr);
        Assert.Equal(0x04, pic.Master.Irr);            // IR2 = the slave's INT
        Assert.True(pic.GetIrqLine(2));
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x74, pic.Acknowledge());
        Assert.Equal(0x04, pic.Master.Isr);
        Assert.Equal(0x10, pic.Slave.Isr);
        Assert.Equal(0, pic.Slave.Irr);
        Assert.Equal(0, pic.Master.Irr);               // slave's INT fell: its request is in service
        Assert.Equal((ushort)0x1004, pic.Isr);
        pic.Out(PicPorts.S0, 0x20);
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal((ushort)0, pic.Isr);
    }

    [Fact]
    public void MasterLevelsAboveIr2BeatTheSlaveAndThoseBelowDoNot()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(3, true);
        pic.SetIrq(9, true);
        pic.SetIrq(1, true);
        Assert.Equal(0x09, pic.Acknowledge());
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal(0x71, pic.Acknowledge());
        pic.Out(PicPorts.S0, 0x20);
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal(0x0B, pic.Acknowledge());
    }

    [Fact]
    public void InFullyNestedModeAServicedSlaveLocksOutItsOwnHigherRequests()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(12, true);
        Assert.Equal(0x74, pic.Acknowledge());
        pic.SetIrq(8, true);                           // outranks IRQ12 inside the slave: slave INT rises
        Assert.True(pic.Slave.Int);
        Assert.Equal(0x04, pic.Master.Irr);
        Assert.False(pic.InterruptRequested);          // but IR2 is in service at the master
        pic.Out(PicPorts.M0, 0x20);                    // master EOI first (slave still busy)
        Assert.Equal(0x70, pic.Acknowledge());
    }

    [Fact]
    public void SpecialFullyNestedModeLetsHigherSlaveRequestsNest()
    {
        var pic = PicPorts.Bios(masterIcw4: 0x11);     // SFNM, 8086
        pic.SetIrq(12, true);
        Assert.Equal(0x74, pic.Acknowledge());
        pic.SetIrq(14, true);                          // lower inside the slave: slave INT stays low
        Assert.False(pic.InterruptRequested);
        pic.SetIrq(8, true);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x70, pic.Acknowledge());
        Assert.Equal(0x11, pic.Slave.Isr);
        // Exit: non-specific EOI to the slave, check its ISR is empty before the master's EOI.
        pic.Out(PicPorts.S0, 0x20);
        Assert.NotEqual(0, pic.ReadIsr(PicPorts.S0));
        pic.Out(PicPorts.S0, 0x20);
        Assert.Equal(0, pic.ReadIsr(PicPorts.S0));
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal(0x76, pic.Acknowledge());
    }

    [Fact]
    public void SpecialFullyNestedModeStillBlocksLowerMasterLevels()
    {
        var pic = PicPorts.Bios(masterIcw4: 0x11);
        pic.SetIrq(10, true);
        pic.Acknowledge();
        pic.SetIrq(5, true);
        Assert.False(pic.InterruptRequested);
    }

    [Fact]
    public void SlaveAutoEoiRaisesIr2AgainForItsNextRequest()
    {
        var pic = PicPorts.Bios(slaveIcw4: 0x03);
        pic.SetIrq(8, true);
        pic.SetIrq(9, true);
        Assert.Equal(0x70, pic.Acknowledge());
        Assert.Equal(0, pic.Slave.Isr);
        Assert.Equal(0x04, pic.Master.Irr);            // a new edge on IR2 for IRQ9
        Assert.False(pic.InterruptRequested);          // master IR2 still in service
        pic.Out(PicPorts.M0, 0x20);
        Assert.Equal(0x71, pic.Acknowledge());
    }

    [Fact]
    public void PendingSlaveRequestIsDeliveredAfterBothEois()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(11, true);
        pic.SetIrq(15, true);
        Assert.Equal(0x73, pic.Acknowledge());
        pic.Out(PicPorts.S0, 0x20);
        Assert.False(pic.InterruptRequested);
        pic.Out(PicPorts.M0, 0x20);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x77, pic.Acknowledge());
        Assert.Equal(0x80, pic.Slave.Isr);             // a real IRQ15: its ISR bit is set
    }

    [Fact]
    public void SlaveWithAnotherIdLeavesTheBusFloating()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.S0, 0x11); pic.Out(PicPorts.S1, 0x70); pic.Out(PicPorts.S1, 0x03); pic.Out(PicPorts.S1, 0x01);
        pic.SetIrq(12, true);
        Assert.Equal(0xFF, pic.Acknowledge());         // CAS = 2, no slave with ID 2
        Assert.Equal(0x04, pic.Master.Isr);
        Assert.Equal(0, pic.Slave.Isr);
        Assert.Equal(0x10, pic.Slave.Irr);             // still pending at the slave
    }

    [Fact]
    public void MasterWithoutASlaveInIcw3AnswersIr2Itself()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x11); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x00); pic.Out(PicPorts.M1, 0x01);
        pic.Out(PicPorts.S0, 0x11); pic.Out(PicPorts.S1, 0x70); pic.Out(PicPorts.S1, 0x02); pic.Out(PicPorts.S1, 0x01);
        pic.SetIrq(12, true);
        Assert.Equal(0x0A, pic.Acknowledge());
        Assert.Equal(0, pic.Slave.Isr);
        Assert.Equal(0x10, pic.Slave.Irr);
    }

    [Fact]
    public void MasterInSingleModeIgnoresIcw3AndAnswersIr2Itself()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x13); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(7, pic.Master.Icw3);              // left by ICW1, not used in single mode
        pic.SetIrq(9, true);
        Assert.Equal(0x0A, pic.Acknowledge());
    }

    [Fact]
    public void RequestGoneBeforeTheAcknowledgeGivesTheDefaultIr7WithoutSettingIsr()
    {
        // "If the IR input goes low before [the first INTA] a DEFAULT IR7 will occur ... a default IR7 won't [set the ISR bit]."
        var pic = PicPorts.Bios();
        pic.SetIrq(5, true);
        Assert.True(pic.InterruptRequested);
        pic.SetIrq(5, false);
        Assert.False(pic.InterruptRequested);
        Assert.Equal(0x0F, pic.Acknowledge());
        Assert.Equal(0, pic.Master.Isr);
    }

    [Fact]
    public void DefaultIr7DuringARealIr7ServiceLeavesItsIsrBitSet()
    {
        var pic = PicPorts.Bios();
        pic.SetIrq(7, true);
        Assert.Equal(0x0F, pic.Acknowledge());
        Assert.Equal(0x80, pic.Master.Isr);
        Assert.Equal(0x0F, pic.Acknowledge());         // no request: default IR7
        Assert.Equal(0x80, pic.Master.Isr);
    }

    [Fact]
    public void VanishedSlaveRequestIsTheMastersDefaultIr7()
    {
        // The slave's INT falls with its request, so the master's transparent IRR drops IR2 as well.
        var pic = PicPorts.Bios();
        pic.SetIrq(10, true);
        pic.SetIrq(10, false);
        Assert.Equal(0x0F, pic.Acknowledge());
        Assert.Equal((ushort)0, pic.Isr);
    }

    [Fact]
    public void SlaveAddressedWithNoRequestAnswersWithItsIr7AndTheMasterKeepsItsIsrBit()
    {
        // The IRQ 15 form of the spurious interrupt: the master hands the INTA to a slave that has no
        // request; the slave answers with its IR7 vector and sets no ISR bit, the master's bit stays set.
        // Here a device on IR7 with ICW3 (84h) naming a slave on IR7 and the slave's ID set to 7.
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x11); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x84); pic.Out(PicPorts.M1, 0x01);
        pic.Out(PicPorts.S0, 0x11); pic.Out(PicPorts.S1, 0x70); pic.Out(PicPorts.S1, 0x07); pic.Out(PicPorts.S1, 0x01);
        pic.SetIrq(7, true);
        Assert.Equal(0x77, pic.Acknowledge());
        Assert.Equal(0x80, pic.Master.Isr);
        Assert.Equal(0, pic.Slave.Isr);
    }

    [Fact]
    public void InterruptRequestChangedReportsEachChangeOfIntr()
    {
        var pic = PicPorts.Bios();
        var seen = new List<bool>();
        pic.InterruptRequestChanged = seen.Add;
        pic.SetIrq(4, true);
        pic.SetIrq(6, true);
        pic.Acknowledge();
        pic.Out(PicPorts.M0, 0x20);
        pic.Out(PicPorts.M1, 0xFF);
        Assert.Equal(new[] { true, false, true, false }, seen);
    }
}
