namespace VirtLab.Engine;

/// <summary>
/// The PC's Intel 8254 programmable interval timer at ports 0x40-0x43: three counters clocked at
/// 1.193182 MHz, the control word register (control words, counter latch command, read-back command)
/// and per-counter OUT and GATE pins (Intel 82C54 datasheet, order 231244). Time is virtual: the
/// counters move only when <see cref="Advance"/> is called, by whole input-clock pulses.
/// </summary>
/// <remarks>
/// On the PC, counter 0's OUT is IRQ 0: connect <see cref="Out0Changed"/> to the PIC. GATE 0 and 1 are
/// tied high; GATE 2 is port 0x61 bit 0, which this device does not decode (<see cref="SetGate"/> drives
/// it). Power-on state (<see cref="Reset"/>; the datasheet leaves it undefined) is what QEMU's i8254
/// starts with and what a PC BIOS programs: every counter in mode 3, LSB then MSB, binary, count 0
/// (65536) and running, so OUT 0 is an 18.2 Hz square wave. A read of port 0x43 is a no-operation on
/// the chip (its data pins float): 0xFF.
/// </remarks>
public sealed class Pit8254 : IPortDevice
{
    /// <summary>Counter 0's port; counters 1 and 2 follow, the control word register is BasePort + 3.</summary>
    public const ushort BasePort = 0x40;
    /// <summary>The PC's PIT input clock, nominally 1.193182 MHz (14.31818 MHz / 12).</summary>
    public const double InputClockHz = 14_318_180.0 / 12;
    /// <summary>Returned by <see cref="TicksUntilOutChange"/> when OUT will not change without outside action.</summary>
    public const long Never = PitCountingElement.Never;

    private readonly Pit8254Counter[] _counters = { new(0), new(1), new(2) };

    public Pit8254() { Reset(); }

    public string Name => "pit";
    public IEnumerable<ushort> Ports => new ushort[] { BasePort, BasePort + 1, BasePort + 2, BasePort + 3 };

    /// <summary>Called with the new level each time counter 0's OUT changes (from a port write, a GATE change or <see cref="Advance"/>).</summary>
    public Action<bool>? Out0Changed { get; set; }

    /// <summary>Input-clock pulses advanced since construction.</summary>
    public long ElapsedTicks { get; private set; }

    /// <summary>Counter 0, 1 or 2 (read-only state).</summary>
    public Pit8254Counter this[int counter] => _counters[CheckCounter(counter)];

    /// <summary>The OUT pin of a counter.</summary>
    public bool GetOut(int counter) => this[counter].Out;

    /// <summary>
    /// Input-clock pulses until counter 0's OUT changes: after <c>Advance(TicksUntilNextOut0Edge)</c> it
    /// has changed, after one pulse fewer it has not. <see cref="Never"/> when no change is scheduled.
    /// </summary>
    public long TicksUntilNextOut0Edge => TicksUntilOutChange(0);

    /// <summary>Like <see cref="TicksUntilNextOut0Edge"/> for any counter.</summary>
    public long TicksUntilOutChange(int counter) => this[counter].Element.PulsesUntilOutChanges();

    /// <summary>Power-on state (see the remarks); GATE 0 and 1 high, GATE 2 low.</summary>
    public void Reset()
    {
        bool out0 = _counters[0].Out;
        for (int i = 0; i < 3; i++) _counters[i].PowerOn(gate: i != 2);
        NotifyOut0(out0);
    }

    /// <summary>Drives the GATE input of a counter (a rising edge is a trigger in modes 1, 2, 3 and 5).</summary>
    public void SetGate(int counter, bool level)
    {
        var c = this[counter];
        bool out0 = _counters[0].Out;
        c.Element.SetGate(level);
        NotifyOut0(out0);
    }

    /// <summary>
    /// Advances all three counters by <paramref name="ticks"/> input-clock pulses. The cost does not grow
    /// with <paramref name="ticks"/>: with <see cref="Out0Changed"/> set it is one step per OUT 0 change
    /// (each change is reported, in order, with the counters at that instant); without, it is a bounded
    /// number of steps per counter.
    /// </summary>
    public void Advance(long ticks)
    {
        if (ticks < 0) throw new ArgumentOutOfRangeException(nameof(ticks), ticks, "The PIT cannot go back in time: ticks must be 0 or more.");
        while (ticks > 0)
        {
            long step = ticks;
            if (Out0Changed is not null) step = Math.Min(step, TicksUntilNextOut0Edge);
            bool out0 = _counters[0].Out;
            foreach (var c in _counters) c.Element.Advance(step);
            ElapsedTicks += step;
            ticks -= step;
            NotifyOut0(out0);
        }
    }

    public uint Read(ushort port, int size) => IsaByteLanes.Read(Name, port, size, ReadByte);

    public void Write(ushort port, int size, uint value)
    {
        bool out0 = _counters[0].Out;
        IsaByteLanes.Write(Name, port, size, value, WriteByte);
        NotifyOut0(out0);
    }

    private byte? ReadByte(ushort port) => (port - BasePort) switch
    {
        >= 0 and <= 2 => _counters[port - BasePort].ReadByte(),
        3 => 0xFF,
        _ => null,
    };

    private bool WriteByte(ushort port, byte value)
    {
        int offset = port - BasePort;
        if (offset is < 0 or > 3) return false;
        if (offset < 3) _counters[offset].WriteCountByte(value);
        else WriteControl(value);
        return true;
    }

    /// <summary>
    /// The control word register: SC1 SC0 = 11 is the read-back command (D5 = 0 latches the count, D4 = 0
    /// the status of each counter selected by D3-D1; D0 is reserved and ignored); otherwise RW1 RW0 = 00
    /// is the counter latch command and anything else programs the selected counter.
    /// </summary>
    private void WriteControl(byte value)
    {
        int select = value >> 6;
        if (select == 3)
        {
            for (int i = 0; i < 3; i++)
            {
                if ((value & (2 << i)) == 0) continue;
                if ((value & 0x20) == 0) _counters[i].LatchCount();
                if ((value & 0x10) == 0) _counters[i].LatchStatus();
            }
            return;
        }
        if ((value & 0x30) == 0) _counters[select].LatchCount();
        else _counters[select].WriteControlWord(value);
    }

    private void NotifyOut0(bool before)
    {
        bool now = _counters[0].Out;
        if (now != before) Out0Changed?.Invoke(now);
    }

    private static int CheckCounter(int counter)
    {
        if ((uint)counter > 2) throw new ArgumentOutOfRangeException(nameof(counter), counter, "The 8254 has counters 0, 1 and 2.");
        return counter;
    }
}
