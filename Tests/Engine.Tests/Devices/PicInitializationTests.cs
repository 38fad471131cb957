using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>Port-level helpers shared by the 8259A tests.</summary>
internal static class PicPorts
{
    public const ushort M0 = 0x20, M1 = 0x21, S0 = 0xA0, S1 = 0xA1;

    public static void Out(this Pic8259 pic, ushort port, byte value) => pic.Write(port, 1, value);
    public static byte In(this Pic8259 pic, ushort port) => (byte)pic.Read(port, 1);

    /// <summary>The PC/AT BIOS initialisation: master ICW1 11h ICW2 08h ICW3 04h ICW4, slave ICW1 11h ICW2 70h ICW3 02h ICW4, all unmasked.</summary>
    public static Pic8259 Bios(byte masterIcw4 = 0x01, byte slaveIcw4 = 0x01)
    {
        var pic = new Pic8259();
        Initialise(pic, masterIcw4, slaveIcw4);
        return pic;
    }

    public static void Initialise(Pic8259 pic, byte masterIcw4 = 0x01, byte slaveIcw4 = 0x01)
    {
        pic.Out(M0, 0x11); pic.Out(M1, 0x08); pic.Out(M1, 0x04); pic.Out(M1, masterIcw4);
        pic.Out(S0, 0x11); pic.Out(S1, 0x70); pic.Out(S1, 0x02); pic.Out(S1, slaveIcw4);
    }

    public static byte ReadIsr(this Pic8259 pic, ushort command)
    {
        pic.Out(command, 0x0B);               // OCW3: read ISR
        return pic.In(command);
    }

    public static byte ReadIrr(this Pic8259 pic, ushort command)
    {
        pic.Out(command, 0x0A);               // OCW3: read IRR
        return pic.In(command);
    }
}

/// <summary>
/// 8259A initialization command words (Intel 8259A datasheet, "Initialization Command Words",
/// Figure 6 "Initialization Sequence" and Figure 7 "ICW Format") and the power-on choice.
/// </summary>
public class PicInitializationTests
{
    [Fact]
    public void PowerOnStateIsQemusVectorBaseZeroNothingMasked()
    {
        var pic = new Pic8259();
        Assert.Equal(0, pic.Master.ExpectedIcw);
        Assert.Equal(0, pic.Slave.ExpectedIcw);
        Assert.Equal((ushort)0, pic.Imr);
        Assert.True(pic.Master.Mode8086);
        pic.SetIrq(0, true);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x00, pic.Acknowledge());
        pic.SetIrq(9, true);
        pic.Out(PicPorts.M0, 0x20);            // EOI for IRQ0
        Assert.Equal(0x01, pic.Acknowledge()); // slave answers (ICW3 02h) with base 0 + 1
    }

    [Fact]
    public void CascadeSequenceWithIcw4TakesIcw2Icw3Icw4ThenOcw1()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x11);
        Assert.Equal(2, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x20);
        Assert.Equal(3, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x04);
        Assert.Equal(4, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(0, pic.Master.ExpectedIcw);
        Assert.Equal(0x20, pic.Master.VectorBase);
        Assert.Equal(0x04, pic.Master.Icw3);
        Assert.True(pic.Master.Mode8086);
        pic.Out(PicPorts.M1, 0xFB);            // now OCW1
        Assert.Equal(0xFB, pic.In(PicPorts.M1));
        Assert.Equal(0xFB, pic.Master.Imr);
    }

    [Fact]
    public void Icw2LowThreeBitsAreIgnoredIn8086Mode()
    {
        // ICW2 in 8086 mode: T7-T3 are the vector, the level fills bits 2-0.
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x13);            // single, ICW4
        pic.Out(PicPorts.M1, 0x4F);
        pic.Out(PicPorts.M1, 0x01);
        pic.SetIrq(3, true);
        Assert.Equal(0x4B, pic.Acknowledge());
    }

    [Fact]
    public void SingleModeSkipsIcw3()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x13);            // SNGL = 1, IC4 = 1
        pic.Out(PicPorts.M1, 0x08);
        Assert.Equal(4, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x03);            // ICW4: AEOI, 8086 - not taken as ICW3
        Assert.True(pic.Master.AutoEoi);
        Assert.True(pic.Master.SingleMode);
        Assert.Equal(0, pic.Master.ExpectedIcw);
    }

    [Fact]
    public void WithoutIcw4TheSequenceEndsAfterIcw2OrIcw3AndIcw4FunctionsAreZero()
    {
        var pic = PicPorts.Bios(masterIcw4: 0x1F);   // AEOI, SFNM, buffered ... all set
        pic.Out(PicPorts.M0, 0x10);                   // cascade, no ICW4
        pic.Out(PicPorts.M1, 0x08);
        pic.Out(PicPorts.M1, 0x04);
        Assert.Equal(0, pic.Master.ExpectedIcw);
        Assert.Equal(0, pic.Master.Icw4);
        Assert.False(pic.Master.AutoEoi);
        Assert.False(pic.Master.SpecialFullyNested);
        Assert.False(pic.Master.Mode8086);
        pic.Out(PicPorts.M0, 0x12);                   // single, no ICW4: done after ICW2
        pic.Out(PicPorts.M1, 0x08);
        Assert.Equal(0, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x55);                   // OCW1
        Assert.Equal(0x55, pic.Master.Imr);
    }

    [Theory]
    // Datasheet, "Interrupt Sequence" (MCS-80/85) and Table 1 "Content of Second Interrupt Vector Byte":
    // interval 4 (ADI = 1): A7 A6 A5 from ICW1, then the level, then 00; interval 8 (ADI = 0): A7 A6, the level, 000.
    [InlineData(0xB6, 3, 0xAC)]   // A7-A5 = 101, ADI = 1, SNGL: 101 011 00
    [InlineData(0xB6, 7, 0xBC)]
    [InlineData(0x92, 5, 0xA8)]   // A7-A6 = 10, ADI = 0, SNGL: 10 101 000
    [InlineData(0xF2, 1, 0xC8)]   // A5 ignored at interval 8: 11 001 000
    public void Mcs80ModeAnswersWithTheLowByteOfTheCallAddress(byte icw1, int irq, byte expected)
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, icw1);   // no IC4: MCS-80/85 mode
        pic.Out(PicPorts.M1, 0x12);   // ICW2 = A15-A8 (not seen by an x86)
        pic.SetIrq(irq, true);
        Assert.Equal(expected, pic.Acknowledge());
    }

    [Fact]
    public void Icw1ResetsImrIsrPriorityMaskModeReadSelectionAndSlaveAddress()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0xF0);                   // IMR
        pic.SetIrq(1, true);
        pic.Acknowledge();                            // ISR bit 1
        pic.Out(PicPorts.M0, 0xC3);                   // set priority: IR3 lowest
        pic.Out(PicPorts.M0, 0x6B);                   // special mask mode, read ISR
        Assert.True(pic.Master.SpecialMaskMode);
        pic.Out(PicPorts.M0, 0x11);
        Assert.Equal(0, pic.Master.Imr);
        Assert.Equal(0, pic.Master.Isr);
        Assert.Equal(7, pic.Master.LowestPriority);
        Assert.False(pic.Master.SpecialMaskMode);
        Assert.False(pic.Master.ReadIsrSelected);
        Assert.Equal(7, pic.Master.Icw3);             // "slave mode address set to 7"
    }

    [Fact]
    public void Icw1ResetsTheEdgeSenseCircuitSoAHeldLineNeedsANewRisingEdge()
    {
        // "Following initialization, an IR input must make a low-to-high transition to generate an interrupt."
        var pic = PicPorts.Bios();
        pic.SetIrq(4, true);
        Assert.Equal(0x10, pic.Master.Irr);
        pic.Out(PicPorts.M0, 0x11); pic.Out(PicPorts.M1, 0x08); pic.Out(PicPorts.M1, 0x04); pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(0, pic.Master.Irr);
        Assert.False(pic.InterruptRequested);
        pic.SetIrq(4, false);
        pic.SetIrq(4, true);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x0C, pic.Acknowledge());
    }

    [Fact]
    public void ReadsDuringTheSequenceReturnIrrAndImrAndDoNotAdvanceIt()
    {
        var pic = new Pic8259();
        pic.SetIrq(5, true);
        pic.Out(PicPorts.M1, 0x0F);
        pic.Out(PicPorts.M0, 0x11);
        Assert.Equal(0x00, pic.In(PicPorts.M1));      // IMR cleared by ICW1
        Assert.Equal(0x00, pic.In(PicPorts.M0));      // IRR (edge sense reset)
        pic.SetIrq(5, false); pic.SetIrq(5, true);
        Assert.Equal(0x20, pic.In(PicPorts.M0));
        Assert.Equal(2, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x30);
        Assert.Equal(0x00, pic.In(PicPorts.M1));
        Assert.Equal(3, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x04);
        pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(0x35, pic.Acknowledge());
    }

    [Fact]
    public void Icw1InTheMiddleOfTheSequenceStartsItAgain()
    {
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x11);
        pic.Out(PicPorts.M1, 0x40);
        pic.Out(PicPorts.M0, 0x13);                   // again, single mode
        Assert.Equal(2, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x48);
        pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(0, pic.Master.ExpectedIcw);
        Assert.Equal(0x48, pic.Master.VectorBase);
    }

    [Fact]
    public void Ocw2AndOcw3AtA0ZeroAreDecodedDuringTheSequenceWithoutDisturbingIt()
    {
        // A0 = 0 writes are told apart by D4 (ICW1) and D3 (OCW3 / OCW2) whatever the sequence state.
        var pic = new Pic8259();
        pic.Out(PicPorts.M0, 0x11);
        pic.Out(PicPorts.M0, 0x0B);                   // OCW3: read ISR
        pic.Out(PicPorts.M0, 0xC4);                   // OCW2: IR4 lowest
        Assert.True(pic.Master.ReadIsrSelected);
        Assert.Equal(4, pic.Master.LowestPriority);
        Assert.Equal(2, pic.Master.ExpectedIcw);
        pic.Out(PicPorts.M1, 0x08);
        pic.Out(PicPorts.M1, 0x04);
        pic.Out(PicPorts.M1, 0x01);
        Assert.Equal(0x08, pic.Master.VectorBase);
    }

    [Fact]
    public void ReservedBitsOfIcw4AndSlaveIcw3AreIgnored()
    {
        // ICW4 D7-D5 and a slave's ICW3 D7-D3 are 0 in Figure 7; other values are taken by their defined bits.
        var pic = PicPorts.Bios(masterIcw4: 0xE1);
        Assert.Equal(0x01, pic.Master.Icw4);
        pic.Out(PicPorts.S0, 0x11); pic.Out(PicPorts.S1, 0x70); pic.Out(PicPorts.S1, 0xFA); pic.Out(PicPorts.S1, 0x01);
        pic.SetIrq(13, true);
        Assert.Equal(0x75, pic.Acknowledge());        // slave ID 2 (FAh & 7) still answers CAS 2
    }

    [Fact]
    public void ResetReturnsToThePowerOnState()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0xFF);
        pic.SetIrq(3, true);
        pic.Out(PicPorts.M1, 0x00);
        pic.Acknowledge();
        pic.Reset();
        Assert.Equal((ushort)0, pic.Isr);
        Assert.Equal((ushort)0, pic.Imr);
        Assert.Equal(0, pic.Master.VectorBase);
        Assert.Equal(0, pic.Master.Irr);              // line still high, but the edge is forgotten
        Assert.True(pic.GetIrqLine(3));
    }
}
