using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// The six counting modes, pulse by pulse, as the Intel 82C54 datasheet's "Mode Definitions" and its
/// waveform figures (Figure 15 Mode 0 ... Figure 20 Mode 5) give them: the count (CE) and OUT after
/// each CLK pulse following a write, with GATE changes and counts rewritten while counting.
/// </summary>
public class PitModeTests
{
    internal static Pit8254 Programmed(byte controlWord, params byte[] count)
    {
        var pit = new Pit8254();
        pit.Write(0x43, 1, controlWord);
        foreach (var b in count) pit.Write((ushort)(0x40 + (controlWord >> 6)), 1, b);
        return pit;
    }

    /// <summary>(CE, OUT) after each of <paramref name="pulses"/> single pulses.</summary>
    internal static string Trace(Pit8254 pit, int counter, int pulses)
    {
        var parts = new List<string>();
        for (int i = 0; i < pulses; i++)
        {
            pit.Advance(1);
            parts.Add($"{pit[counter].Count:X4}{(pit[counter].Out ? "H" : "L")}");
        }
        return string.Join(" ", parts);
    }

    // ---- Mode 0: interrupt on terminal count ----

    [Fact]
    public void Mode0OutGoesHighNPlusOnePulsesAfterTheCountAndStaysHighWhileCeWraps()
    {
        // Figure 15, CW = 10h LSB = 3: N N 0003 0002 0001 0000 FFFF FFFE; OUT low from the control word.
        var pit = Programmed(0x10);
        Assert.False(pit.GetOut(0));
        pit.Write(0x40, 1, 3);
        Assert.Equal("0003L 0002L 0001L 0000H FFFFH FFFEH", Trace(pit, 0, 6));
    }

    [Fact]
    public void Mode0GateLowHoldsTheCountAndDoesNotTouchOut()
    {
        var pit = Programmed(0x90, 3);                 // counter 2 (its GATE is ours to drive)
        pit.SetGate(2, true);
        Assert.Equal("0003L 0002L", Trace(pit, 2, 2));
        pit.SetGate(2, false);
        Assert.Equal("0002L 0002L 0002L", Trace(pit, 2, 3));
        pit.SetGate(2, true);
        Assert.Equal("0001L 0000H", Trace(pit, 2, 2));
    }

    [Fact]
    public void Mode0CountWrittenWhileGateIsLowIsStillLoadedOnTheNextPulse()
    {
        var pit = Programmed(0x90, 7);                 // GATE 2 low since power-on
        Assert.Equal("0007L 0007L", Trace(pit, 2, 2));
        Assert.False(pit[2].NullCount);
    }

    [Fact]
    public void Mode0NewCountRestartsAndFirstByteOfTwoStopsCounting()
    {
        // "If a new count is written ... loaded on the next CLK pulse"; two-byte count: "writing the first
        // byte ... OUT is set low immediately", and before terminal count it stops the counter.
        var pit = Programmed(0x30, 5, 0);
        Assert.Equal("0005L 0004L", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 2);                         // LSB only
        Assert.Equal("0004L 0004L 0004L", Trace(pit, 0, 3));
        pit.Write(0x40, 1, 0);                         // MSB
        Assert.Equal("0002L 0001L 0000H", Trace(pit, 0, 3));
        pit.Write(0x40, 1, 9);                         // after terminal count: OUT low, the counter keeps going
        Assert.False(pit.GetOut(0));
        Assert.Equal("FFFFL FFFEL", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 0);
        Assert.Equal("0009L", Trace(pit, 0, 1));
    }

    [Fact]
    public void Mode0CountZeroIs65536Pulses()
    {
        var pit = Programmed(0x30, 0, 0);
        pit.Advance(65536);
        Assert.False(pit.GetOut(0));
        Assert.Equal(1, pit[0].Count);
        pit.Advance(1);
        Assert.True(pit.GetOut(0));
        Assert.Equal(0, pit[0].Count);
    }

    // ---- Mode 1: hardware retriggerable one-shot ----

    [Fact]
    public void Mode1WaitsForATriggerThenHoldsOutLowForNPulses()
    {
        // Figure 16, CW = 12h LSB = 3 (counter 2 here, for its GATE).
        var pit = Programmed(0x92, 3);
        Assert.True(pit.GetOut(2));
        pit.SetGate(2, true);                          // gate already low since power-on: this is a rising edge
        Assert.Equal("0003L 0002L 0001L 0000H FFFFH", Trace(pit, 2, 5));
        Assert.Equal(Pit8254.Never, pit.TicksUntilOutChange(2));
    }

    [Fact]
    public void Mode1IgnoresTriggersBeforeACountAndIsRetriggerable()
    {
        var pit = new Pit8254();
        pit.Write(0x43, 1, 0x92);
        pit.SetGate(2, true);                          // no count yet: not armed
        Assert.Equal("0000H 0000H", Trace(pit, 2, 2));
        pit.SetGate(2, false);
        pit.Write(0x42, 1, 3);
        pit.SetGate(2, true);
        Assert.Equal("0003L 0002L", Trace(pit, 2, 2));
        pit.SetGate(2, false); pit.SetGate(2, true);   // retrigger: reload, OUT stays low
        Assert.Equal("0003L 0002L 0001L 0000H", Trace(pit, 2, 4));
    }

    [Fact]
    public void Mode1NewCountTakesEffectAtTheNextTriggerOnly()
    {
        var pit = Programmed(0x92, 3);
        pit.SetGate(2, true);
        Assert.Equal("0003L", Trace(pit, 2, 1));
        pit.Write(0x42, 1, 2);
        Assert.True(pit[2].NullCount);
        Assert.Equal("0002L 0001L 0000H", Trace(pit, 2, 3));
        pit.SetGate(2, false); pit.SetGate(2, true);
        Assert.Equal("0002L 0001L 0000H", Trace(pit, 2, 3));
        Assert.False(pit[2].NullCount);
    }

    [Fact]
    public void Mode1OnCounterZeroNeverStartsBecauseItsGateIsTiedHigh()
    {
        var pit = Programmed(0x12, 3);
        pit.Advance(1000);
        Assert.True(pit.GetOut(0));
        Assert.True(pit[0].NullCount);
    }

    // ---- Mode 2: rate generator ----

    [Fact]
    public void Mode2OutIsLowForOnePulseEveryNPulses()
    {
        // Figure 17, CW = 14h LSB = 3: 0003 0002 0001 0003 0002 0001 0003; OUT low while CE is 1.
        var pit = Programmed(0x14, 3);
        Assert.Equal("0003H 0002H 0001L 0003H 0002H 0001L 0003H", Trace(pit, 0, 7));
    }

    [Fact]
    public void Mode2GateLowForcesOutHighAndARisingGateReloads()
    {
        var pit = Programmed(0x94, 3);
        pit.SetGate(2, true);                          // load and trigger on the same pulse
        Assert.Equal("0003H 0002H 0001L", Trace(pit, 2, 3));
        pit.SetGate(2, false);                         // during the output pulse: OUT high at once
        Assert.True(pit.GetOut(2));
        Assert.Equal("0001H 0001H", Trace(pit, 2, 2));
        pit.SetGate(2, true);                          // "OUT goes low N CLK pulses after the trigger"
        Assert.Equal("0003H 0002H 0001L 0003H", Trace(pit, 2, 4));
    }

    [Fact]
    public void Mode2NewCountIsUsedFromTheNextPeriod()
    {
        var pit = Programmed(0x14, 4);
        Assert.Equal("0004H 0003H", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 2);
        Assert.Equal("0002H 0001L 0002H 0001L 0002H", Trace(pit, 0, 5));
    }

    [Fact]
    public void Mode2CountOneKeepsOutLow()
    {
        var pit = Programmed(0x14, 1);
        Assert.Equal("0001L 0001L 0001L", Trace(pit, 0, 3));
        Assert.Equal(Pit8254.Never, pit.TicksUntilNextOut0Edge);
    }

    [Fact]
    public void Mode6IsMode2AndTheStatusShowsTheBitsAsWritten()
    {
        var pit = Programmed(0x1C, 3);
        Assert.Equal(2, pit[0].Mode);
        Assert.Equal(0x1C, pit[0].ControlBits);
        Assert.Equal("0003H 0002H 0001L 0003H", Trace(pit, 0, 4));
    }

    // ---- Mode 3: square wave ----

    [Fact]
    public void Mode3EvenCountGoesDownByTwoAndTogglesOutEachHalf()
    {
        // Figure 18, CW = 16h LSB = 4: 0004 0002 0004 0002 ...
        var pit = Programmed(0x16, 4);
        Assert.Equal("0004H 0002H 0004L 0002L 0004H 0002H 0004L", Trace(pit, 0, 7));
    }

    [Fact]
    public void Mode3OddCountIsHighForNPlusOneHalvesAndLowForNMinusOneHalves()
    {
        // Figure 18, CW = 16h LSB = 5: 0005 0004 0002 0005 0002 0005 0004 ...; high 3 pulses, low 2.
        var pit = Programmed(0x16, 5);
        Assert.Equal("0005H 0004H 0002H 0005L 0002L 0005H 0004H 0002H 0005L 0002L 0005H", Trace(pit, 0, 11));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(0x2E9B)]   // 11931: the PC's 100 Hz divisor, odd
    [InlineData(0)]        // 65536
    public void Mode3DutyCycleIsExactForChannel0(int count)
    {
        int n = count == 0 ? 65536 : count;
        var pit = Programmed(0x36, (byte)count, (byte)(count >> 8));
        pit.Advance(1);                                // the load
        var edges = new List<(long Tick, bool Level)>();
        pit.Out0Changed = level => edges.Add((pit.ElapsedTicks, level));
        pit.Advance(3L * n);
        long high = (n + 1) / 2;                      // even: N/2 each; odd: (N+1)/2 high, (N-1)/2 low
        Assert.Equal(new (long, bool)[] {
            (1 + high, false), (1 + n, true), (1 + n + high, false), (1 + 2L * n, true), (1 + 2L * n + high, false), (1 + 3L * n, true) },
            edges);
    }

    [Fact]
    public void Mode3GateLowWhileOutIsLowSetsItHighAndTheTriggerReloads()
    {
        var pit = Programmed(0x96, 6);
        pit.SetGate(2, true);
        Assert.Equal("0006H 0004H 0002H 0006L 0004L", Trace(pit, 2, 5));
        pit.SetGate(2, false);
        Assert.True(pit.GetOut(2));
        Assert.Equal("0004H 0004H", Trace(pit, 2, 2));
        pit.SetGate(2, true);
        Assert.Equal("0006H 0004H 0002H 0006L", Trace(pit, 2, 4));
    }

    [Fact]
    public void Mode3NewCountIsUsedAtTheEndOfTheCurrentHalfCycle()
    {
        var pit = Programmed(0x16, 8);
        Assert.Equal("0008H 0006H", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 4);
        Assert.True(pit[0].NullCount);
        Assert.Equal("0004H 0002H 0004L 0002L 0004H", Trace(pit, 0, 5));
        Assert.False(pit[0].NullCount);
    }

    [Fact]
    public void Mode3CountOneKeepsOutHigh()
    {
        var pit = Programmed(0x16, 1);
        pit.Advance(1);
        Assert.True(pit.GetOut(0));
        Assert.Equal(Pit8254.Never, pit.TicksUntilNextOut0Edge);
        pit.Advance(1000);
        Assert.True(pit.GetOut(0));
    }

    // ---- Mode 4: software triggered strobe ----

    [Fact]
    public void Mode4StrobesLowForOnePulseNPlusOnePulsesAfterTheCount()
    {
        // Figure 19, CW = 18h LSB = 3: 0003 0002 0001 0000 FFFF; OUT low for the one pulse at 0000.
        var pit = Programmed(0x18, 3);
        Assert.Equal("0003H 0002H 0001H 0000L FFFFH FFFEH", Trace(pit, 0, 6));
        pit.Advance(0xFFFE);
        Assert.Equal(0, pit[0].Count);
        Assert.True(pit.GetOut(0));                    // no second strobe without a new count
    }

    [Fact]
    public void Mode4GateLowInhibitsCountingAndANewCountRetriggers()
    {
        var pit = Programmed(0x98, 4);
        pit.SetGate(2, true);
        Assert.Equal("0004H 0003H", Trace(pit, 2, 2));
        pit.SetGate(2, false);
        Assert.Equal("0003H 0003H", Trace(pit, 2, 2));
        pit.SetGate(2, true);
        pit.Write(0x42, 1, 2);
        Assert.Equal("0002H 0001H 0000L FFFFH", Trace(pit, 2, 4));
    }

    [Fact]
    public void Mode4FirstByteOfATwoByteCountHasNoEffect()
    {
        var pit = Programmed(0x38, 5, 0);
        Assert.Equal("0005H 0004H", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 9);
        Assert.Equal("0003H 0002H", Trace(pit, 0, 2));
        pit.Write(0x40, 1, 0);
        Assert.Equal("0009H 0008H", Trace(pit, 0, 2));
    }

    // ---- Mode 5: hardware triggered strobe (retriggerable) ----

    [Fact]
    public void Mode5StrobesNPlusOnePulsesAfterEachTrigger()
    {
        // Figure 20, CW = 1Ah LSB = 3.
        var pit = Programmed(0x9A, 3);
        Assert.Equal("0000H 0000H", Trace(pit, 2, 2));  // no trigger: nothing loaded (CE still from power-on)
        pit.SetGate(2, true);
        Assert.Equal("0003H 0002H 0001H 0000L FFFFH", Trace(pit, 2, 5));
        pit.SetGate(2, false); pit.SetGate(2, true);
        Assert.Equal("0003H 0002H", Trace(pit, 2, 2));
        pit.SetGate(2, false); pit.SetGate(2, true);   // retrigger before the strobe
        Assert.Equal("0003H 0002H 0001H 0000L FFFFH", Trace(pit, 2, 5));
    }

    [Fact]
    public void Mode5NewCountIsLoadedByTheNextTriggerOnly()
    {
        var pit = Programmed(0x9A, 3);
        pit.SetGate(2, true);
        Assert.Equal("0003H", Trace(pit, 2, 1));
        pit.Write(0x42, 1, 5);
        Assert.Equal("0002H 0001H 0000L", Trace(pit, 2, 3));
        pit.SetGate(2, false); pit.SetGate(2, true);
        Assert.Equal("0005H 0004H", Trace(pit, 2, 2));
    }

    // ---- BCD ----

    [Fact]
    public void BcdCountsInFourDecadesAndZeroIsTenThousand()
    {
        var pit = Programmed(0x31, 0x10, 0x00);        // mode 0 BCD, count 0010
        Assert.Equal("0010L 0009L 0008L", Trace(pit, 0, 3));
        pit.Write(0x43, 1, 0x31);
        pit.Write(0x40, 1, 0); pit.Write(0x40, 1, 0);  // 0000 = 10000
        pit.Advance(10000);
        Assert.Equal(0x0001, pit[0].Count);
        Assert.False(pit.GetOut(0));
        pit.Advance(1);
        Assert.True(pit.GetOut(0));
        Assert.Equal("9999H 9998H", Trace(pit, 0, 2));
    }

    [Fact]
    public void BcdRateGeneratorAndSquareWaveUseDecimalPeriods()
    {
        var pit = Programmed(0x15, 0x12);              // mode 2 BCD, count 12
        pit.Advance(12);
        Assert.False(pit.GetOut(0));
        Assert.Equal(1, pit[0].Count);
        Assert.Equal(1, pit.TicksUntilNextOut0Edge);
        pit.Advance(1);
        Assert.Equal(0x0012, pit[0].Count);
        Assert.Equal(11, pit.TicksUntilNextOut0Edge);

        pit = Programmed(0x17, 0x15);                  // mode 3 BCD, count 15: high 8, low 7
        Assert.Equal("0015H 0014H 0012H 0010H 0008H 0006H 0004H 0002H 0015L", Trace(pit, 0, 9));
        Assert.Equal(7, pit.TicksUntilNextOut0Edge);
    }
}
