using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// 8259A priority resolution, end of interrupt and rotation (Intel 8259A datasheet, "Fully Nested
/// Mode", "End of Interrupt", "Automatic Rotation", "Specific Rotation", "Special Mask Mode", Figure 8
/// "Operation Command Word Format").
/// </summary>
public class PicPriorityTests
{
    private const byte NonSpecificEoi = 0x20, RotateOnNonSpecificEoi = 0xA0, RotateInAeoiSet = 0x80, RotateInAeoiClear = 0x00;
    private static byte SpecificEoi(int level) => (byte)(0x60 | level);
    private static byte RotateOnSpecificEoi(int level) => (byte)(0xE0 | level);
    private static byte SetPriority(int lowest) => (byte)(0xC0 | lowest);

    private static void Pulse(Pic8259 pic, params int[] irqs)
    {
        foreach (var irq in irqs) { pic.SetIrq(irq, false); pic.SetIrq(irq, true); }
    }

    [Fact]
    public void SimultaneousRequestsAreServedHighestPriorityFirst()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 6, 4, 1);
        Assert.Equal(0x09, pic.Acknowledge());
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x0C, pic.Acknowledge());
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x0E, pic.Acknowledge());
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.False(pic.InterruptRequested);
    }

    [Fact]
    public void FullyNestedModeLetsOnlyHigherPrioritiesInterruptAServicedLevel()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 3);
        Assert.Equal(0x0B, pic.Acknowledge());
        Pulse(pic, 5);                                 // lower: waits
        Assert.False(pic.InterruptRequested);
        Pulse(pic, 3);                                 // same level: waits
        Assert.False(pic.InterruptRequested);
        Pulse(pic, 1);                                 // higher: nests
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x09, pic.Acknowledge());
        Assert.Equal(0x0A, pic.Master.Isr);
        pic.Out(PicPorts.M0, NonSpecificEoi);          // clears the highest in service: IR1
        Assert.Equal(0x08, pic.Master.Isr);
        Assert.False(pic.InterruptRequested);
        pic.Out(PicPorts.M0, NonSpecificEoi);          // IR3
        Assert.Equal(0x0B, pic.Acknowledge());         // IR3 again (it was pulsed while in service), before IR5
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x0D, pic.Acknowledge());
    }

    [Fact]
    public void SpecificEoiClearsTheNamedLevelOnly()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 3);
        pic.Acknowledge();
        Pulse(pic, 1);
        pic.Acknowledge();
        pic.Out(PicPorts.M0, SpecificEoi(3));
        Assert.Equal(0x02, pic.Master.Isr);
        pic.Out(PicPorts.M0, SpecificEoi(6));          // not in service: no effect
        Assert.Equal(0x02, pic.Master.Isr);
    }

    [Fact]
    public void EoiWithNothingInServiceAndTheNoOperationCommandChangeNothing()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 5);
        pic.Out(PicPorts.M0, NonSpecificEoi);
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);  // nothing in service: no rotation either
        Assert.Equal(7, pic.Master.LowestPriority);
        pic.Acknowledge();
        pic.Out(PicPorts.M0, 0x40);                    // R SL EOI = 010: no operation
        Assert.Equal(0x20, pic.Master.Isr);
        Assert.Equal(7, pic.Master.LowestPriority);
    }

    [Fact]
    public void RotateOnNonSpecificEoiMakesTheServicedLevelLowest()
    {
        // Automatic rotation: equal-priority devices; each serviced level goes to the bottom.
        var pic = PicPorts.Bios();
        Pulse(pic, 1, 3, 6);
        Assert.Equal(0x09, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);
        Assert.Equal(1, pic.Master.LowestPriority);
        Pulse(pic, 1);                                 // now below 3 and 6
        Assert.Equal(0x0B, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);
        Assert.Equal(0x0E, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);  // lowest 6: order 7 0 1 2 3 4 5 6
        Pulse(pic, 0, 7);
        Assert.Equal(0x0F, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);
        Assert.Equal(0x08, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateOnNonSpecificEoi);
        Assert.Equal(0x09, pic.Acknowledge());         // IR1, pulsed earlier, last
    }

    [Fact]
    public void SetPriorityCommandChoosesTheLowestLevel()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M0, SetPriority(4));          // order 5 6 7 0 1 2 3 4
        Pulse(pic, 0, 6, 4);
        Assert.Equal(0x0E, pic.Acknowledge());
        Pulse(pic, 5);                                 // 5 outranks 6 now: nests
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x0D, pic.Acknowledge());
        pic.Out(PicPorts.M0, NonSpecificEoi);          // highest in service under the rotation: 5
        Assert.Equal(0x40, pic.Master.Isr);
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x08, pic.Acknowledge());
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x0C, pic.Acknowledge());
    }

    [Fact]
    public void RotateOnSpecificEoiClearsThatLevelAndMakesItLowest()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 1);
        pic.Acknowledge();
        pic.Out(PicPorts.M0, RotateOnSpecificEoi(5));  // IR5 not in service: still rotates
        Assert.Equal(5, pic.Master.LowestPriority);
        Assert.Equal(0x02, pic.Master.Isr);
        pic.Out(PicPorts.M0, RotateOnSpecificEoi(1));
        Assert.Equal(0, pic.Master.Isr);
        Assert.Equal(1, pic.Master.LowestPriority);
        Pulse(pic, 1, 3);
        Assert.Equal(0x0B, pic.Acknowledge());
    }

    [Fact]
    public void AutomaticEoiLeavesNothingInServiceAndRotatesWhenAsked()
    {
        var pic = PicPorts.Bios(masterIcw4: 0x03);     // AEOI
        Pulse(pic, 3, 5);
        Assert.Equal(0x0B, pic.Acknowledge());
        Assert.Equal(0, pic.Master.Isr);
        Assert.True(pic.InterruptRequested);           // IR5 is not blocked: nothing in service
        Assert.Equal(0x0D, pic.Acknowledge());
        pic.Out(PicPorts.M0, RotateInAeoiSet);
        Assert.True(pic.Master.RotateOnAutoEoi);
        Pulse(pic, 1, 4);
        Assert.Equal(0x09, pic.Acknowledge());
        Assert.Equal(1, pic.Master.LowestPriority);
        Pulse(pic, 1);
        Assert.Equal(0x0C, pic.Acknowledge());         // 4 outranks 1 now
        Assert.Equal(4, pic.Master.LowestPriority);
        pic.Out(PicPorts.M0, RotateInAeoiClear);
        Assert.Equal(0x09, pic.Acknowledge());
        Assert.Equal(4, pic.Master.LowestPriority);
    }

    [Fact]
    public void MaskedRequestsStayInIrrAndInterruptOnceUnmasked()
    {
        var pic = PicPorts.Bios();
        pic.Out(PicPorts.M1, 0x10);
        Pulse(pic, 4);
        Assert.False(pic.InterruptRequested);
        Assert.Equal(0x10, pic.ReadIrr(PicPorts.M0));
        pic.Out(PicPorts.M1, 0x00);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x0C, pic.Acknowledge());
    }

    [Fact]
    public void Ocw3SelectsIrrOrIsrForReadsAtA0ZeroUntilChanged()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 1, 6);
        pic.Acknowledge();
        pic.Out(PicPorts.M0, 0x0B);
        Assert.Equal(0x02, pic.In(PicPorts.M0));
        Assert.Equal(0x02, pic.In(PicPorts.M0));
        pic.Out(PicPorts.M0, 0x08);                    // RR = 0: selection unchanged
        Assert.Equal(0x02, pic.In(PicPorts.M0));
        pic.Out(PicPorts.M0, 0x0A);
        Assert.Equal(0x40, pic.In(PicPorts.M0));
        Assert.Equal(0x00, pic.In(PicPorts.M1));       // A0 = 1 is always the IMR
    }

    [Fact]
    public void SpecialMaskModeEnablesLowerLevelsWhileTheServicedLevelIsMasked()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 3);
        pic.Acknowledge();
        Pulse(pic, 5);
        Assert.False(pic.InterruptRequested);
        pic.Out(PicPorts.M1, 0x08);                    // mask IR3 ...
        Assert.False(pic.InterruptRequested);          // ... alone does not help
        pic.Out(PicPorts.M0, 0x68);                    // OCW3: set special mask mode
        Assert.True(pic.Master.SpecialMaskMode);
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x0D, pic.Acknowledge());
        Assert.Equal(0x28, pic.Master.Isr);
        // A non-specific EOI does not reset an ISR bit masked in special mask mode.
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x08, pic.Master.Isr);
        pic.Out(PicPorts.M0, NonSpecificEoi);
        Assert.Equal(0x08, pic.Master.Isr);
        pic.Out(PicPorts.M0, SpecificEoi(3));
        Assert.Equal(0x00, pic.Master.Isr);
        pic.Out(PicPorts.M0, 0x48);                    // reset special mask mode
        Assert.False(pic.Master.SpecialMaskMode);
        pic.Out(PicPorts.M0, 0x28);                    // OCW3 SMM = 1 but ESMM = 0: no change
        Assert.False(pic.Master.SpecialMaskMode);
    }

    [Fact]
    public void UnmaskedLevelsInServiceStillBlockLowerOnesInSpecialMaskMode()
    {
        var pic = PicPorts.Bios();
        Pulse(pic, 4);
        pic.Acknowledge();
        Pulse(pic, 3);                                 // IR3 nests over IR4
        pic.Acknowledge();
        pic.Out(PicPorts.M1, 0x10);                    // mask IR4 only
        pic.Out(PicPorts.M0, 0x68);
        Pulse(pic, 6);
        Assert.False(pic.InterruptRequested);          // IR3 in service, unmasked
        pic.Out(PicPorts.M0, SpecificEoi(3));
        Assert.Equal(0x0E, pic.Acknowledge());
    }
}
