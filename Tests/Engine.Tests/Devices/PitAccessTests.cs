using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// Reading and writing the 8254 (Intel 82C54 datasheet, "Control Word Format" Figure 7, "Write
/// Operations", "Read Operations", "Counter Latch Command" Figure 9, "Read-Back Command" Figures 10-13
/// and Table "Read-Back Command Example", "Null Count Operation" Figure 12), power-on, and the errors
/// the host API reports.
/// </summary>
public class PitAccessTests
{
    private static byte In(Pit8254 pit, ushort port) => (byte)pit.Read(port, 1);
    private static void Out(Pit8254 pit, ushort port, byte value) => pit.Write(port, 1, value);
    private static ushort ReadWord(Pit8254 pit, ushort port) => (ushort)(In(pit, port) | In(pit, port) << 8);

    [Fact]
    public void PowerOnEveryCounterRunsMode3WithCount65536AndGate2Low()
    {
        var pit = new Pit8254();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(3, pit[c].Mode);
            Assert.Equal(0x36, pit[c].ControlBits);
            Assert.Equal(0, pit[c].CountRegister);
            Assert.True(pit[c].Out);
            Assert.False(pit[c].NullCount);
        }
        Assert.True(pit[0].Gate);
        Assert.True(pit[1].Gate);
        Assert.False(pit[2].Gate);
        Assert.Equal(32768, pit.TicksUntilNextOut0Edge);
        Assert.Equal(32768, pit.TicksUntilOutChange(1));
        Assert.Equal(Pit8254.Never, pit.TicksUntilOutChange(2));
        Out(pit, 0x43, 0xE2);                          // read back status of counter 0
        Assert.Equal(0xB6, In(pit, 0x40));             // OUT high, count available, 36h
    }

    [Fact]
    public void ControlWordSetsNullCountAndTheInitialOutOfTheMode()
    {
        // "When a Control Word is written to a Counter, all Control Logic is immediately reset and OUT goes to a known initial state."
        var pit = new Pit8254();
        Out(pit, 0x43, 0x30);                          // counter 0, mode 0
        Assert.False(pit.GetOut(0));
        Assert.Equal(0x70, pit[0].Status);             // OUT 0, null count, RW 11, mode 0
        Out(pit, 0x43, 0x74);                          // counter 1, mode 2
        Assert.True(pit.GetOut(1));
        Assert.Equal(0xF4, pit[1].Status);
        Assert.False(pit[2].NullCount);                // "Null count bits of other counters are unaffected."
    }

    [Fact]
    public void NullCountFollowsFigure12()
    {
        var pit = new Pit8254();
        Out(pit, 0x43, 0x34);                          // mode 2, LSB then MSB
        Out(pit, 0x40, 0x10);
        Out(pit, 0x40, 0x00);
        Assert.True(pit[0].NullCount);
        pit.Advance(1);                                // CR -> CE
        Assert.False(pit[0].NullCount);
        Out(pit, 0x40, 0x20);                          // first byte: null count not yet set
        Assert.False(pit[0].NullCount);
        Out(pit, 0x40, 0x00);                          // second byte: set
        Assert.True(pit[0].NullCount);
        pit.Advance(15);                               // loaded at the end of the current period
        Assert.True(pit[0].NullCount);
        pit.Advance(1);
        Assert.False(pit[0].NullCount);
        Assert.Equal(0x20, pit[0].Count);
    }

    [Fact]
    public void UnlatchedReadsFollowTheCountingElementByteByByte()
    {
        var pit = PitModeTests.Programmed(0x34, 0x00, 0x10);   // mode 2, count 1000h
        pit.Advance(0x101);                            // CE = 0F00h
        Assert.Equal(0x00, In(pit, 0x40));
        pit.Advance(0x100);                            // CE = 0E00h before the MSB is read
        Assert.Equal(0x0E, In(pit, 0x40));             // the datasheet's warning: bytes of two counts
        Assert.Equal(0x0E00, ReadWord(pit, 0x40));
    }

    [Fact]
    public void CounterLatchHoldsTheCountUntilReadInFullAndASecondLatchIsIgnored()
    {
        var pit = PitModeTests.Programmed(0x34, 0x00, 0x10);
        pit.Advance(0x11);                             // CE = 0FF0h
        Out(pit, 0x43, 0x00);                          // latch counter 0
        Assert.True(pit[0].CountLatched);
        pit.Advance(0x10);
        Out(pit, 0x43, 0x00);                          // ignored: the first latched count is read
        Assert.Equal(0xF0, In(pit, 0x40));
        pit.Advance(0x100);
        Assert.Equal(0x0F, In(pit, 0x40));
        Assert.False(pit[0].CountLatched);
        Assert.Equal(0x0EE0, ReadWord(pit, 0x40));     // OL follows CE again
    }

    [Theory]
    [InlineData(0x14, 0x36, 3, 0x34)]              // LSB only: count 36h, CE 34h
    [InlineData(0x24, 0x12, 0x4CD, 0x0D)]          // MSB only: count 1200h, CE 1200h - 4CCh = 0D34h
    public void SingleByteFormatsReadAndReleaseALatchWithOneRead(byte controlWord, byte count, int pulses, byte expected)
    {
        var pit = PitModeTests.Programmed(controlWord, count);
        pit.Advance(pulses);
        Out(pit, 0x43, 0x00);
        pit.Advance(4);
        Assert.Equal(expected, In(pit, 0x40));
        Assert.False(pit[0].CountLatched);
    }

    [Fact]
    public void ReadsAndWritesOfOneCounterMayInterleave()
    {
        // Datasheet example: read LSB, write new LSB, read MSB, write new MSB.
        var pit = PitModeTests.Programmed(0x30, 0x34, 0x12);   // mode 0, count 1234h
        pit.Advance(1);
        Assert.Equal(0x34, In(pit, 0x40));
        Out(pit, 0x40, 0x78);
        Assert.Equal(0x12, In(pit, 0x40));
        Out(pit, 0x40, 0x56);
        pit.Advance(1);
        Assert.Equal(0x5678, pit[0].Count);
    }

    [Fact]
    public void ReadBackCommandFollowsTheDatasheetsExampleTable()
    {
        var pit = new Pit8254();
        Out(pit, 0x43, 0x34); Out(pit, 0x40, 0x00); Out(pit, 0x40, 0x50);   // counter 0: mode 2, 5000h
        Out(pit, 0x43, 0x72); Out(pit, 0x41, 0x00); Out(pit, 0x41, 0x40);   // counter 1: mode 1, 4000h
        Out(pit, 0x43, 0xB0); Out(pit, 0x42, 0x00); Out(pit, 0x42, 0x30);   // counter 2: mode 0, 3000h
        pit.SetGate(2, true);
        pit.Advance(0x11);                             // CE0 = 4FF0h, CE2 = 2FF0h; counter 1 waits for a trigger

        Out(pit, 0x43, 0xC2);                          // count and status of counter 0
        Out(pit, 0x43, 0xE4);                          // status of counter 1
        pit.Advance(0x10);
        Out(pit, 0x43, 0xEC);                          // status of counters 2 and 1: only 2 latched now
        Out(pit, 0x43, 0xD8);                          // count of counter 2
        pit.Advance(0x10);
        Out(pit, 0x43, 0xC4);                          // count and status of counter 1: count only
        Out(pit, 0x43, 0xE2);                          // status of counter 0: ignored, already latched

        Assert.Equal(0xB4, In(pit, 0x40));             // status first: OUT high, count loaded, 34h
        Assert.Equal(0x4FF0, ReadWord(pit, 0x40));     // then the count latched with it
        Assert.Equal(0x4FD0, ReadWord(pit, 0x40));     // unlatched: live CE
        Assert.Equal(0xF2, In(pit, 0x41));             // OUT high, null count (no trigger yet), 32h
        Assert.Equal(0x0000, ReadWord(pit, 0x41));     // CE never loaded: still the power-on 0
        Assert.Equal(0x30, In(pit, 0x42));             // OUT low, loaded, mode 0: 30h
        Assert.Equal(0x2FE0, ReadWord(pit, 0x42));
    }

    [Fact]
    public void StatusComesFirstWhicheverWasLatchedFirst()
    {
        var pit = PitModeTests.Programmed(0x34, 0x00, 0x02);
        pit.Advance(5);
        Out(pit, 0x43, 0x00);                          // counter latch command first
        pit.Advance(5);
        Out(pit, 0x43, 0xE2);                          // then read-back status
        Assert.Equal(0xB4, In(pit, 0x40));
        Assert.Equal(0x01FC, ReadWord(pit, 0x40));
    }

    [Fact]
    public void ReadBackLatchesCountsOfSeveralCountersAtTheSameInstant()
    {
        var pit = new Pit8254();
        pit.SetGate(2, true);
        pit.Advance(1);                                // counter 2 loads 0 on its trigger; 0 and 1 keep running
        pit.Advance(100);
        Out(pit, 0x43, 0xDF);                          // COUNT of counters 2, 1, 0 (D0 reserved, set: ignored)
        pit.Advance(1000);
        Assert.Equal((ushort)(0x10000 - 202), ReadWord(pit, 0x40));
        Assert.Equal((ushort)(0x10000 - 202), ReadWord(pit, 0x41));
        Assert.Equal((ushort)(0x10000 - 200), ReadWord(pit, 0x42));
    }

    [Fact]
    public void ANewControlWordReleasesLatchesAndResetsTheByteFlipFlops()
    {
        var pit = PitModeTests.Programmed(0x34, 0x00, 0x10);
        pit.Advance(1);
        Out(pit, 0x43, 0xC2);
        Assert.Equal(0xB4, In(pit, 0x40));             // status read; count still latched
        Assert.Equal(0x00, In(pit, 0x40));             // LSB of the latched count
        Out(pit, 0x43, 0x34);
        Assert.False(pit[0].CountLatched);
        Out(pit, 0x40, 0x21);                          // a new count starts with its LSB
        Out(pit, 0x40, 0x43);
        pit.Advance(1);
        Assert.Equal(0x4321, ReadWord(pit, 0x40));     // reads start with the LSB too
    }

    [Fact]
    public void CounterLatchCommandDoesNotChangeTheMode()
    {
        var pit = PitModeTests.Programmed(0x14, 9);
        Out(pit, 0x43, 0x0F);                          // SC 00 RW 00: latch; D3-D0 are don't care
        Assert.Equal(0x14, pit[0].ControlBits);
        Assert.True(pit[0].CountLatched);
    }

    [Fact]
    public void CountersOneAndTwoAreIndependentOfCounterZero()
    {
        var pit = new Pit8254();
        Out(pit, 0x43, 0x54); Out(pit, 0x41, 18);     // counter 1: mode 2, LSB, 18 (the PC's refresh rate)
        Out(pit, 0x43, 0xB6); Out(pit, 0x42, 0x33); Out(pit, 0x42, 0x05);
        pit.Advance(19);
        Assert.Equal(18, pit[1].Count);
        Assert.Equal(0x0533, pit[2].Count);            // loaded on the next pulse; GATE 2 low only stops counting
        Assert.False(pit[2].NullCount);
        Assert.Equal(0x10000 - 38, pit[0].Count);      // counter 0 untouched: mode 3 from power-on, down by 2
        pit.SetGate(2, true);                          // trigger: reload, then the odd count loses 1
        pit.Advance(2);
        Assert.Equal(0x0532, pit[2].Count);
    }

    [Fact]
    public void ReadingTheControlWordRegisterIsANoOperationThatFloats()
    {
        var pit = new Pit8254();
        Assert.Equal(0xFF, In(pit, 0x43));
        Assert.False(pit[0].CountLatched);
        Assert.Equal(0x00, In(pit, 0x40));             // counter 0's read flip-flop untouched: LSB first
        Assert.Equal(0x00, In(pit, 0x40));
    }

    [Fact]
    public void WordAccessesAreSplitIntoByteCyclesAtConsecutivePorts()
    {
        var pit = new Pit8254();
        pit.Write(0x42, 2, 0x90_00);                   // 42h <- 00h (counter 2 LSB), 43h <- 90h (counter 2 mode 0 LSB)
        Assert.Equal(0, pit[2].Mode);
        pit.Write(0x42, 1, 0x05);
        pit.SetGate(2, true);
        pit.Advance(2);
        Assert.Equal(0xFF04u, pit.Read(0x42, 2));      // counter 2 LSB, then 43h floating
        Assert.Equal(0xFFFF_FF04u, pit.Read(0x42, 4)); // 44h and 45h are not the PIT's
    }

    [Fact]
    public void HostErrorsNameWhatWasWrong()
    {
        var pit = new Pit8254();
        Assert.Contains("counters 0, 1 and 2", Assert.Throws<ArgumentOutOfRangeException>(() => pit.SetGate(3, true)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pit.GetOut(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => pit.TicksUntilOutChange(3));
        Assert.Contains("back in time", Assert.Throws<ArgumentOutOfRangeException>(() => pit.Advance(-1)).Message);
        Assert.Contains("'pit' port 0x43", Assert.Throws<ArgumentOutOfRangeException>(() => pit.Write(0x43, 8, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => pit.Read(0x40, 3));
    }

    [Fact]
    public void ThePitDecodesPorts40To43OnTheBus()
    {
        var bus = new IoBus();
        var pit = new Pit8254();
        bus.Attach(pit);
        Assert.Same(pit, bus.DeviceAt(0x40));
        Assert.Same(pit, bus.DeviceAt(0x43));
        Assert.Null(bus.DeviceAt(0x44));
        bus.Write(0x43, 1, 0x14);
        bus.Write(0x40, 1, 0x22);
        pit.Advance(1);
        Assert.Equal(0x22u, bus.Read(0x40, 1));
    }

    [Fact]
    public void ResetReturnsToPowerOnAndReportsOut0()
    {
        var pit = PitModeTests.Programmed(0x30, 5, 0);
        var seen = new List<bool>();
        pit.Out0Changed = seen.Add;
        pit.Reset();
        Assert.Equal(new[] { true }, seen);
        Assert.Equal(0x36, pit[0].ControlBits);
        Assert.False(pit[2].Gate);
    }
}
