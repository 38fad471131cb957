using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// Virtual time: <see cref="Pit8254.Advance"/> jumps from event to event and skips whole periods, so it
/// is checked against a per-pulse model written separately from the 82C54 datasheet's mode text (one
/// CLK at a time, BCD decremented digit by digit), on random programs; plus the cost of huge advances,
/// the exactness of <see cref="Pit8254.TicksUntilNextOut0Edge"/>, and OUT 0 driving the PIC's IRQ 0.
/// </summary>
public class PitTimingTests
{
    /// <summary>
    /// One 82C54 counter, one CLK pulse at a time, transcribed from "Mode Definitions": no look-ahead,
    /// no arithmetic jumps. Count 0 is reached by decrementing, so 0 means 65536 / 10000 naturally.
    /// </summary>
    private sealed class DatasheetCounter
    {
        public int Mode; public bool Bcd; public int Cr; public int Ce; public bool Out = true; public bool Gate;
        public bool NullCount;
        private bool _gateRose, _haveCount, _loadNext, _running, _stoppedByLsb, _strobeDone;

        public DatasheetCounter Clone() => (DatasheetCounter)MemberwiseClone();

        public void ControlWord(int mode, bool bcd)
        {
            Mode = mode > 5 ? mode - 4 : mode; Bcd = bcd;
            Out = Mode != 0;                               // mode 0: "OUT is initially low"; others high
            NullCount = true;
            _gateRose = _haveCount = _loadNext = _running = _stoppedByLsb = _strobeDone = false;
        }

        public void FirstOfTwoBytes()
        {
            if (Mode != 0) return;                         // mode 4: "Writing the first byte has no effect on counting"; 1, 2, 3, 5 likewise
            bool pastTerminalCount = _running && Out;
            if (!pastTerminalCount) { _stoppedByLsb = true; _loadNext = false; }
            Out = false;                                   // "OUT is set low immediately"
        }

        public void Count(int value)
        {
            Cr = value; NullCount = true; _haveCount = true;
            if (Mode == 0) { Out = false; _stoppedByLsb = false; _loadNext = true; }
            if (Mode == 4) _loadNext = true;
            if ((Mode == 2 || Mode == 3) && !_running) _loadNext = true;
        }

        public void SetGate(bool level)
        {
            if (level && !Gate) _gateRose = true;
            Gate = level;
            if (!level && (Mode == 2 || Mode == 3)) Out = true;   // "If GATE goes low while OUT is low, OUT is set high immediately"
        }

        private void LoadCe() { Ce = Cr; NullCount = false; _running = true; _loadNext = false; }

        private int Dec(int v)
        {
            if (!Bcd) return (v - 1) & 0xFFFF;
            // Four decades: a zero digit becomes 9 and borrows; otherwise the digit goes down by one.
            for (int shift = 0; shift < 16; shift += 4)
            {
                int digit = (v >> shift) & 0xF;
                if (digit != 0) return v - (1 << shift);
                v |= 9 << shift;
            }
            return v & 0xFFFF;                             // 0000 -> 9999
        }

        public void Clock()
        {
            bool trigger = _gateRose && _haveCount;
            _gateRose = false;
            switch (Mode)
            {
                case 0:
                    if (_loadNext) { LoadCe(); break; }
                    if (_running && Gate && !_stoppedByLsb) { Ce = Dec(Ce); if (Ce == 0) Out = true; }
                    break;
                case 1:
                    if (trigger) { LoadCe(); Out = false; break; }
                    if (_running) { Ce = Dec(Ce); if (Ce == 0) Out = true; }
                    break;
                case 2:
                    if (_loadNext || trigger) { LoadCe(); Out = !(Gate && Ce == 1); break; }
                    if (_running && Gate)
                    {
                        if (Ce == 1) { LoadCe(); Out = true; }   // "OUT then goes high again, the Counter reloads"
                        else Ce = Dec(Ce);
                        if (Ce == 1) Out = false;                // "When the initial count has decremented to 1, OUT goes low"
                    }
                    break;
                case 3:
                    if (_loadNext || trigger) { LoadCe(); Out = true; break; }
                    if (_running && Gate)
                    {
                        bool odd = (Ce & 1) == 1;                // BCD and binary: the parity is the low bit
                        int by = !odd ? 2 : Out ? 1 : 3;
                        bool expired = false;
                        for (int i = 0; i < by && !expired; i++) { Ce = Dec(Ce); expired = Ce == 0; }
                        if (expired)
                        {
                            bool high = Out;
                            LoadCe();
                            Out = !high || Cr == 1;              // count 1: (N-1)/2 = 0 low pulses
                        }
                    }
                    break;
                case 4:
                    if (_loadNext) { LoadCe(); _strobeDone = false; Out = true; break; }
                    Out = true;
                    if (_running && Gate) { Ce = Dec(Ce); if (Ce == 0 && !_strobeDone) { Out = false; _strobeDone = true; } }
                    break;
                case 5:
                    if (trigger) { LoadCe(); _strobeDone = false; Out = true; break; }
                    Out = true;
                    if (_running) { Ce = Dec(Ce); if (Ce == 0 && !_strobeDone) { Out = false; _strobeDone = true; } }
                    break;
            }
        }
    }

    private static void AssertSame(DatasheetCounter model, Pit8254 pit, int counter, string where)
    {
        var c = pit[counter];
        if (model.Ce != c.Count || model.Out != c.Out || model.NullCount != c.NullCount)
            Assert.Fail($"{where}: model CE {model.Ce:X4} OUT {model.Out} null {model.NullCount}, " +
                        $"device CE {c.Count:X4} OUT {c.Out} null {c.NullCount} (mode {c.Mode}, CR {c.CountRegister:X4}, BCD {c.Bcd}, gate {c.Gate})");
    }

    /// <summary>Pulses until the model's OUT changes, or -1 if not within <paramref name="limit"/>.</summary>
    private static long ModelPulsesUntilOutChange(DatasheetCounter model, long limit)
    {
        var m = model.Clone();
        bool start = m.Out;
        for (long t = 1; t <= limit; t++)
        {
            m.Clock();
            if (m.Out != start) return t;
        }
        return -1;
    }

    private static int RandomCount(Random rng, bool bcd)
    {
        int kind = rng.Next(10);
        int value = kind < 4 ? rng.Next(0, 8) : kind < 8 ? rng.Next(0, 300) : rng.Next(0, 0x10000);
        if (!bcd) return value;
        if (rng.Next(8) == 0) return rng.Next(0, 0x10000);      // digits above 9 now and then
        return PitCountTests.CanonicalBcd(value % 10000);
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)] [InlineData(11)] [InlineData(12)]
    public void RandomProgramsMatchThePerPulseDatasheetModel(int seed)
    {
        const int counter = 2;                                   // the one whose GATE the host drives
        const long lookAhead = 140_000;
        var rng = new Random(seed);
        var pit = new Pit8254();
        var model = new DatasheetCounter();
        pit.Write(0x43, 1, 0xB0);                                // start both from a known control word
        model.ControlWord(0, false);
        model.Ce = pit[counter].Count;
        int access = 3;
        bool lsbWritten = false;
        int pendingLsb = 0;
        for (int step = 0; step < 400; step++)
        {
            string where = $"seed {seed} step {step}";
            int op = rng.Next(9);
            if (op == 0)
            {
                int mode = rng.Next(8), rw = rng.Next(1, 4);
                bool bcd = rng.Next(4) == 0;
                pit.Write(0x43, 1, (uint)(0x80 | rw << 4 | mode << 1 | (bcd ? 1 : 0)));
                model.ControlWord(mode, bcd);
                access = rw; lsbWritten = false;
                where += $" control word mode {mode} rw {rw} bcd {bcd}";
            }
            else if (op <= 3 && lsbWritten)
            {
                int msb = rng.Next(0, 3);                        // complete the two-byte count begun earlier
                pit.Write(0x42, 1, (uint)msb);
                model.Count(msb << 8 | pendingLsb);
                lsbWritten = false;
                where += $" second byte {msb:X2}";
            }
            else if (op <= 3)
            {
                int value = RandomCount(rng, model.Bcd);
                where += $" count {value:X4}";
                if (access == 1) { pit.Write(0x42, 1, (uint)value & 0xFF); model.Count(value & 0xFF); }
                else if (access == 2) { pit.Write(0x42, 1, (uint)value >> 8); model.Count(value & 0xFF00); }
                else
                {
                    pit.Write(0x42, 1, (uint)value & 0xFF);
                    model.FirstOfTwoBytes();
                    if (rng.Next(5) == 0) { lsbWritten = true; pendingLsb = value & 0xFF; where += " (first byte only)"; }
                    else { pit.Write(0x42, 1, (uint)value >> 8); model.Count(value); }
                }
            }
            else if (op == 4)
            {
                bool level = rng.Next(2) == 0;
                pit.SetGate(counter, level); model.SetGate(level);
                where += $" gate {level}";
            }
            else
            {
                int n = rng.Next(4) switch { 0 => rng.Next(1, 4), 1 => rng.Next(1, 40), 2 => rng.Next(1, 3000), _ => rng.Next(1, 140_000) };
                long predicted = pit.TicksUntilOutChange(counter);
                long actual = ModelPulsesUntilOutChange(model, lookAhead);
                if (actual < 0)
                    Assert.True(predicted == Pit8254.Never || predicted > lookAhead, $"{where}: device predicts an OUT change in {predicted}, the model sees none in {lookAhead}");
                else
                    Assert.True(predicted == actual, $"{where}: device predicts an OUT change in {predicted}, the model in {actual}");
                // The device in one call or in random chunks; the model one pulse at a time.
                if (rng.Next(2) == 0) pit.Advance(n);
                else for (long left = n; left > 0;) { long k = Math.Min(left, rng.Next(1, 500)); pit.Advance(k); left -= k; }
                for (int i = 0; i < n; i++) model.Clock();
                where += $" advance {n}";
            }
            AssertSame(model, pit, counter, where);
        }
    }

    [Fact]
    public void Out0EdgesReportedDuringOneLongAdvanceAreThoseOfThePerPulseModel()
    {
        var pit = PitModeTests.Programmed(0x36, 13, 0);          // mode 3, odd count
        var model = new DatasheetCounter { Gate = true };
        model.ControlWord(3, false);
        model.Count(13);
        var deviceEdges = new List<(long, bool)>();
        pit.Out0Changed = level => deviceEdges.Add((pit.ElapsedTicks, level));
        pit.Advance(1000);
        var modelEdges = new List<(long, bool)>();
        for (long t = 1; t <= 1000; t++)
        {
            bool before = model.Out;
            model.Clock();
            if (model.Out != before) modelEdges.Add((t, model.Out));
        }
        Assert.Equal(modelEdges, deviceEdges);
        Assert.Equal(153, deviceEdges.Count);                    // load at 1; low at 8 + 13k, high at 14 + 13k
    }

    [Fact]
    public void HugeAdvancesCostTheSameAsSmallOnes()
    {
        static Pit8254 Setup()
        {
            var p = new Pit8254();
            p.Write(0x43, 1, 0x74); p.Write(0x41, 1, 2); p.Write(0x41, 1, 0);      // counter 1: mode 2, count 2
            p.Write(0x43, 1, 0xB6); p.Write(0x42, 1, 3); p.Write(0x42, 1, 0);      // counter 2: mode 3, count 3
            p.SetGate(2, true);
            return p;
        }
        var pit = Setup();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        const long ticks = 1_000_000_000_000;                    // ~9.7 days of PIT time
        pit.Advance(ticks);
        watch.Stop();
        Assert.True(watch.ElapsedMilliseconds < 500, $"Advance({ticks}) took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(ticks, pit.ElapsedTicks);
        // Every counter is periodic from its first pulse on (periods 65536, 2 and 3 all divide 393216).
        var reference = Setup();
        reference.Advance(1 + (ticks - 1) % 393216);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(reference[c].Count, pit[c].Count);
            Assert.Equal(reference[c].Out, pit[c].Out);
        }
    }

    [Fact]
    public void AdvanceWithAnOut0ListenerStopsAtEveryEdge()
    {
        var pit = PitModeTests.Programmed(0x34, 0x9C, 0x2E);     // mode 2, 11932 (the PC's 100 Hz)
        int calls = 0;
        pit.Out0Changed = _ => calls++;
        pit.Advance(11932L * 1000 + 1);                          // ten seconds: OUT low at kN, high at kN + 1
        Assert.Equal(2000, calls);
    }

    [Fact]
    public void TicksUntilNextOut0EdgeIsExactForEveryPeriodicAndOneShotMode()
    {
        foreach (var (cw, count) in new (byte, byte)[] { (0x10, 9), (0x14, 9), (0x16, 9), (0x16, 10), (0x18, 9) })
        {
            var pit = PitModeTests.Programmed(cw, count);
            int edges = 0;
            for (; edges < 6; edges++)
            {
                long t = pit.TicksUntilNextOut0Edge;
                if (t == Pit8254.Never) break;
                bool before = pit.GetOut(0);
                pit.Advance(t - 1);
                Assert.Equal(before, pit.GetOut(0));
                pit.Advance(1);
                Assert.NotEqual(before, pit.GetOut(0));
            }
            Assert.Equal(cw switch { 0x10 => 1, 0x18 => 2, _ => 6 }, edges);
        }
    }

    [Fact]
    public void RateGeneratorOnCounter0RaisesIrq0AtEachRisingEdgeOfOut()
    {
        // The wiring, at power-on: IRQ 0 follows OUT 0 from its current level; the guest's ICW1 then
        // resets the edge sense, so OUT being high already is not a request.
        var pic = new Pic8259();
        var pit = new Pit8254();
        pit.Out0Changed = level => pic.SetIrq(0, level);
        pic.SetIrq(0, pit.GetOut(0));
        PicPorts.Initialise(pic);
        Assert.False(pic.InterruptRequested);
        pit.Write(0x43, 1, 0x34); pit.Write(0x40, 1, 100); pit.Write(0x40, 1, 0);
        pit.Advance(100);                                        // OUT low (CE = 1)
        Assert.False(pit.GetOut(0));
        Assert.False(pic.InterruptRequested);
        pit.Advance(1);                                          // OUT high: rising edge
        Assert.True(pic.InterruptRequested);
        Assert.Equal(0x08, pic.Acknowledge());
        pit.Advance(pit.TicksUntilNextOut0Edge);                 // low again, 99 pulses later
        Assert.Equal(200, pit.ElapsedTicks);
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);
        pit.Advance(pit.TicksUntilNextOut0Edge);
        Assert.Equal(201, pit.ElapsedTicks);
        Assert.True(pic.InterruptRequested);
    }

    [Fact]
    public void TimerTicksMissedWhileMaskedCollapseIntoOneRequest()
    {
        var pic = new Pic8259();
        var pit = new Pit8254();
        pit.Out0Changed = level => pic.SetIrq(0, level);
        pic.SetIrq(0, pit.GetOut(0));
        PicPorts.Initialise(pic);
        pic.Out(PicPorts.M1, 0x01);
        pit.Write(0x43, 1, 0x36); pit.Write(0x40, 1, 50); pit.Write(0x40, 1, 0);   // mode 3, period 50
        pit.Advance(1000);                                       // 20 periods while masked
        pic.Out(PicPorts.M1, 0x00);
        Assert.False(pit.GetOut(0));                             // (1000 - 1) mod 50 = 49: low half
        Assert.False(pic.InterruptRequested);                    // the request fell with the line (transparent IRR)
        pit.Advance(pit.TicksUntilNextOut0Edge);
        Assert.Equal(0x08, pic.Acknowledge());
        pic.Out(PicPorts.M0, 0x20);
        Assert.False(pic.InterruptRequested);
    }
}
