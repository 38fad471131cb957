namespace VirtLab.Engine;

/// <summary>
/// One counter of an Intel 82C54 as the CPU programs it: the control word's fields, the count written
/// in the programmed byte format (LSB, MSB, LSB then MSB, each with its own flip-flop for reads and for
/// writes), the output latch of the counter latch command and the status latch of the read-back
/// command. The counting itself is <see cref="PitCountingElement"/>. Read-only state for debugging.
/// </summary>
public sealed class Pit8254Counter
{
    internal PitCountingElement Element;
    private byte _control;          // control word bits 5-0: RW1 RW0 M2 M1 M0 BCD
    private bool _writeMsbNext;
    private byte _writtenLsb;
    private bool _readMsbNext;
    private ushort _outputLatch;
    private byte _statusLatch;

    internal Pit8254Counter(int index) { Index = index; }

    /// <summary>0, 1 or 2.</summary>
    public int Index { get; }
    /// <summary>Bits 5-0 of the last control word, exactly as written (the low six bits of the status byte).</summary>
    public byte ControlBits => _control;
    /// <summary>The counting mode, 0-5 (control word modes 6 and 7 are 2 and 3; <see cref="ControlBits"/> keeps what was written).</summary>
    public int Mode => Element.Mode;
    /// <summary>RW1 RW0: 1 = LSB only, 2 = MSB only, 3 = LSB then MSB.</summary>
    public int Access => (_control >> 4) & 3;
    /// <summary>Four-decade BCD counting instead of 16-bit binary.</summary>
    public bool Bcd => Element.Bcd;
    /// <summary>CR: the count last written (a count of 0 means 65536, or 10000 in BCD).</summary>
    public ushort CountRegister => Element.Cr;
    /// <summary>CE: the counting element now (what an unlatched read returns).</summary>
    public ushort Count => Element.Ce;
    /// <summary>The OUT pin.</summary>
    public bool Out => Element.Out;
    /// <summary>The GATE input.</summary>
    public bool Gate => Element.Gate;
    /// <summary>Null count: the last count written has not yet been loaded into CE.</summary>
    public bool NullCount => Element.NullCount;
    /// <summary>A count latched (counter latch or read-back command) and not yet read.</summary>
    public bool CountLatched { get; private set; }
    /// <summary>A status latched (read-back command) and not yet read.</summary>
    public bool StatusLatched { get; private set; }
    /// <summary>The status byte now (82C54, "Status Byte"): OUT in D7, null count in D6, the control bits in D5-D0.</summary>
    public byte Status => (byte)((Out ? 0x80 : 0) | (NullCount ? 0x40 : 0) | _control);

    /// <summary>The state a PC BIOS leaves the counter in: control word 36h (LSB then MSB, mode 3, binary), count 0, running.</summary>
    internal void PowerOn(bool gate)
    {
        _control = 0x36;
        Element.PowerOn(gate);
        ResetAccess();
    }

    /// <summary>A control word for this counter (RW not 00).</summary>
    internal void WriteControlWord(byte controlWord)
    {
        _control = (byte)(controlWord & 0x3F);
        int mode = (controlWord >> 1) & 7;
        Element.Program(mode > 5 ? mode - 4 : mode, (controlWord & 1) != 0);
        ResetAccess();   // a latched count or status is released when the counter is reprogrammed
    }

    private void ResetAccess()
    {
        _writeMsbNext = _readMsbNext = false;
        CountLatched = StatusLatched = false;
    }

    /// <summary>Counter latch command (or the COUNT part of read-back): ignored while a latched count is unread.</summary>
    internal void LatchCount()
    {
        if (CountLatched) return;
        _outputLatch = Element.Ce;
        CountLatched = true;
    }

    /// <summary>STATUS part of the read-back command: ignored while a latched status is unread.</summary>
    internal void LatchStatus()
    {
        if (StatusLatched) return;
        _statusLatch = Status;
        StatusLatched = true;
    }

    /// <summary>A byte written to the counter's port, in the programmed format.</summary>
    internal void WriteCountByte(byte value)
    {
        switch (Access)
        {
            case 1: Element.CountWritten(value); break;
            case 2: Element.CountWritten((ushort)(value << 8)); break;
            default:
                if (!_writeMsbNext)
                {
                    _writtenLsb = value;
                    _writeMsbNext = true;
                    Element.FirstByteWritten();
                }
                else
                {
                    _writeMsbNext = false;
                    Element.CountWritten((ushort)(value << 8 | _writtenLsb));
                }
                break;
        }
    }

    /// <summary>
    /// A read of the counter's port: a latched status first, then the latched count or CE in the
    /// programmed format; a latch is released once its count has been read in full.
    /// </summary>
    internal byte ReadByte()
    {
        if (StatusLatched)
        {
            StatusLatched = false;
            return _statusLatch;
        }
        ushort value = CountLatched ? _outputLatch : Element.Ce;
        bool msb;
        switch (Access)
        {
            case 1: msb = false; break;
            case 2: msb = true; break;
            default:
                msb = _readMsbNext;
                _readMsbNext = !_readMsbNext;
                break;
        }
        if (msb || Access == 1) CountLatched = false;
        return (byte)(msb ? value >> 8 : value);
    }
}
