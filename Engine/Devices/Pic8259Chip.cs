namespace VirtLab.Engine;

/// <summary>
/// One Intel 8259A programmable interrupt controller (Intel 8259A datasheet, order 231468): the
/// interrupt request register (IRR), in-service register (ISR), interrupt mask register (IMR), the
/// priority resolver, the initialization command words ICW1-ICW4 and the operation command words
/// OCW1-OCW3. <see cref="Pic8259"/> wires two of them as the PC/AT pair; this class holds the state
/// of one chip and shows it read-only for debugging.
/// </summary>
/// <remarks>
/// Choices where the datasheet is silent, each as QEMU's i8259 and Bochs make them:
/// ICW1 also clears the ISR (a re-initialisation never leaves a level in service) and the
/// rotate-in-AEOI flag; an automatic EOI clears the bit of the level just acknowledged; a spurious
/// (default IR7) acknowledge sets no ISR bit and so performs no automatic EOI. Buffered mode (BUF and
/// M/S in ICW4) is recorded but does not change the chip's role: that comes from the board wiring.
/// </remarks>
public sealed class Pic8259Chip
{
    private byte _lines;   // levels on IR0-IR7 now
    private byte _edges;   // edge-sense latches: set by a rising edge, reset by INTA, ICW1 or a falling edge

    internal Pic8259Chip(string name, bool isMaster)
    {
        Name = name;
        IsMaster = isMaster;
    }

    /// <summary>"master" or "slave".</summary>
    public string Name { get; }
    /// <summary>True for the chip wired as master (SP/EN high): the one that drives the CPU's INTR and the CAS lines.</summary>
    public bool IsMaster { get; }

    /// <summary>
    /// IRR. The request latch is transparent (datasheet, "Edge and Level Triggered Modes"): a bit is set
    /// while its IR line is high, in edge mode only after a rising edge not yet acknowledged.
    /// </summary>
    public byte Irr => (byte)(_lines & (LevelTriggered ? 0xFF : _edges));
    /// <summary>ISR: the levels being serviced.</summary>
    public byte Isr { get; private set; }
    /// <summary>IMR (OCW1).</summary>
    public byte Imr { get; private set; }
    /// <summary>The levels on IR0-IR7 as the devices drive them.</summary>
    public byte InputLines => _lines;

    /// <summary>ICW1 as last written (D4 = 1; D3 LTIM, D2 ADI, D1 SNGL, D0 IC4; D7-D5 A7-A5 for MCS-80/85 mode).</summary>
    public byte Icw1 { get; private set; }
    /// <summary>ICW2 as last written: T7-T3 of the vector in 8086 mode, A15-A8 of the routine address in MCS-80/85 mode.</summary>
    public byte Icw2 { get; private set; }
    /// <summary>ICW3 as last written: one bit per IR line with a slave (master), or the slave's ID in bits 2-0 (slave). ICW1 sets it to 7.</summary>
    public byte Icw3 { get; private set; }
    /// <summary>ICW4 bits 4-0 (SFNM, BUF, M/S, AEOI, µPM); zero when ICW1 announced no ICW4.</summary>
    public byte Icw4 { get; private set; }

    /// <summary>The next ICW the chip waits for on A0 = 1 (2, 3 or 4), or 0 once initialised.</summary>
    public int ExpectedIcw { get; private set; }
    /// <summary>Vector of IR0 in 8086 mode: ICW2 with its low three bits ignored.</summary>
    public byte VectorBase => (byte)(Icw2 & 0xF8);
    /// <summary>ICW1.LTIM: level-triggered inputs.</summary>
    public bool LevelTriggered => (Icw1 & 0x08) != 0;
    /// <summary>ICW1.SNGL: no cascading (ICW3 not used).</summary>
    public bool SingleMode => (Icw1 & 0x02) != 0;
    /// <summary>ICW4.µPM: 8086/8088 mode (a vector byte); otherwise MCS-80/85 mode (a CALL sequence).</summary>
    public bool Mode8086 => (Icw4 & 0x01) != 0;
    /// <summary>ICW4.AEOI: the ISR bit is reset at the end of the INTA sequence.</summary>
    public bool AutoEoi => (Icw4 & 0x02) != 0;
    /// <summary>ICW4.BUF (buffered mode; recorded only).</summary>
    public bool Buffered => (Icw4 & 0x08) != 0;
    /// <summary>ICW4.SFNM: special fully nested mode (meaningful on the master).</summary>
    public bool SpecialFullyNested => (Icw4 & 0x10) != 0;
    /// <summary>OCW2 "rotate in automatic EOI mode" (set by R SL EOI = 100, cleared by 000).</summary>
    public bool RotateOnAutoEoi { get; private set; }
    /// <summary>OCW3 special mask mode.</summary>
    public bool SpecialMaskMode { get; private set; }
    /// <summary>OCW3 RR/RIS: a read at A0 = 0 returns the ISR (true) or the IRR (false).</summary>
    public bool ReadIsrSelected { get; private set; }
    /// <summary>OCW3 P: the next read is a poll (an interrupt acknowledge that returns the level).</summary>
    public bool PollPending { get; private set; }
    /// <summary>The IR level with the lowest priority; the next one up, modulo 8, has the highest. 7 after ICW1.</summary>
    public int LowestPriority { get; private set; } = 7;

    /// <summary>True when the chip drives INT: an unmasked request with higher priority than every level in service.</summary>
    public bool Int => Resolve() >= 0;

    /// <summary>True when a master in cascade mode has a slave on IR <paramref name="level"/> (ICW3 bit set).</summary>
    internal bool HasSlaveOn(int level) => IsMaster && !SingleMode && (Icw3 & (1 << level)) != 0;

    /// <summary>The ID a slave compares with the CAS lines (ICW3 bits 2-0).</summary>
    internal int SlaveId => Icw3 & 7;

    /// <summary>
    /// The power-on state, which the datasheet leaves undefined: initialised as by ICW1 = 11h (edge,
    /// cascade, ICW4), ICW2 = <paramref name="icw2"/>, ICW3 = <paramref name="icw3"/>, ICW4 = 01h (8086),
    /// nothing masked or in service. The input lines keep their levels; their edges are forgotten.
    /// </summary>
    internal void PowerOn(byte icw2, byte icw3)
    {
        Icw1 = 0x11; Icw2 = icw2; Icw3 = icw3; Icw4 = 0x01;
        ExpectedIcw = 0;
        _edges = 0; Isr = 0; Imr = 0;
        LowestPriority = 7;
        RotateOnAutoEoi = SpecialMaskMode = ReadIsrSelected = PollPending = false;
    }

    /// <summary>Drives IR <paramref name="level"/>; a rising edge arms the edge-sense latch, a falling edge removes the request.</summary>
    internal void SetLine(int level, bool high)
    {
        byte bit = (byte)(1 << level);
        if (high)
        {
            if ((_lines & bit) == 0) _edges |= bit;
            _lines |= bit;
        }
        else
        {
            _lines &= (byte)~bit;
            _edges &= (byte)~bit;
        }
    }

    /// <summary>Priority rank of a level: 0 is the highest (the one after <see cref="LowestPriority"/>).</summary>
    private int Rank(int level) => (level - LowestPriority - 1) & 7;

    /// <summary>The set bit of <paramref name="mask"/> with the highest priority, or -1.</summary>
    private int Highest(int mask)
    {
        if (mask == 0) return -1;
        for (int i = 1; i <= 8; i++)
        {
            int level = (LowestPriority + i) & 7;
            if ((mask & (1 << level)) != 0) return level;
        }
        return -1;
    }

    /// <summary>
    /// The priority resolver: the level the chip would interrupt with now, or -1. In fully nested mode a
    /// request must outrank every level in service; in special mask mode masked ISR bits do not count
    /// (OCW3 ESMM/SMM); in special fully nested mode the master also lets a cascade level through while
    /// that same level is in service (ICW4.SFNM), so a slave's higher-priority requests can nest.
    /// </summary>
    internal int Resolve()
    {
        int request = Highest(Irr & ~Imr);
        if (request < 0) return -1;
        int inService = Highest(SpecialMaskMode ? Isr & ~Imr : Isr);
        if (inService < 0 || Rank(request) < Rank(inService)) return request;
        if (request == inService && SpecialFullyNested && HasSlaveOn(request)) return request;
        return -1;
    }

    /// <summary>
    /// The first INTA pulse: freezes the resolver, sets the ISR bit of the winning level and resets its
    /// request. Returns the level, or -1 when no request is left (the caller answers with the default IR7
    /// and no ISR bit is set: datasheet, "Edge and Level Triggered Modes").
    /// </summary>
    internal int AcknowledgeFirst()
    {
        int level = Resolve();
        if (level < 0) return -1;
        byte bit = (byte)(1 << level);
        Isr |= bit;
        _edges &= (byte)~bit;
        return level;
    }

    /// <summary>End of the INTA sequence: the automatic EOI (ICW4.AEOI), with the rotation of OCW2 R SL EOI = 100.</summary>
    internal void EndOfAcknowledge(int level)
    {
        if (!AutoEoi) return;
        Isr &= (byte)~(1 << level);
        if (RotateOnAutoEoi) LowestPriority = level;
    }

    /// <summary>
    /// The byte an x86 reads in the second INTA cycle for <paramref name="level"/>. In 8086 mode, T7-T3
    /// from ICW2 and the level in bits 2-0. In MCS-80/85 mode the chip answers with a CALL sequence and
    /// the second byte is the low byte of the routine address: A7-A5 from ICW1 and the level times 4
    /// (ADI = 1), or A7-A6 from ICW1 and the level times 8 (ADI = 0). The third INTA pulse the chip then
    /// waits for is not modelled.
    /// </summary>
    internal byte VectorFor(int level)
    {
        if (Mode8086) return (byte)(VectorBase | level);
        return (Icw1 & 0x04) != 0
            ? (byte)((Icw1 & 0xE0) | (level << 2))
            : (byte)((Icw1 & 0xC0) | (level << 3));
    }

    /// <summary>A write with A0 = <paramref name="a0"/>.</summary>
    internal void Write(int a0, byte value)
    {
        if (a0 == 0)
        {
            if ((value & 0x10) != 0) WriteIcw1(value);
            else if ((value & 0x08) != 0) WriteOcw3(value);
            else WriteOcw2(value);
            return;
        }
        bool icw4Follows = (Icw1 & 0x01) != 0;
        switch (ExpectedIcw)
        {
            case 2:
                Icw2 = value;
                ExpectedIcw = !SingleMode ? 3 : icw4Follows ? 4 : 0;
                break;
            case 3:
                Icw3 = value;
                ExpectedIcw = icw4Follows ? 4 : 0;
                break;
            case 4:
                Icw4 = (byte)(value & 0x1F);   // D7-D5 are 0 in the datasheet's format; ignored
                ExpectedIcw = 0;
                break;
            default:
                Imr = value;                   // OCW1
                break;
        }
    }

    /// <summary>
    /// A read with A0 = <paramref name="a0"/>: after a poll command the poll word (either A0), else the
    /// IRR or ISR as OCW3 selected (A0 = 0) or the IMR (A0 = 1). These reads do not disturb an
    /// initialisation sequence in progress. <paramref name="polledLevel"/> is the level a poll
    /// acknowledged, or -1.
    /// </summary>
    internal byte Read(int a0, out int polledLevel)
    {
        polledLevel = -1;
        if (PollPending)
        {
            PollPending = false;
            // Poll command (datasheet, "The Poll Command"): the read acts as an interrupt acknowledge;
            // the word is I (D7) and W2-W0, the highest priority level requesting service.
            int level = AcknowledgeFirst();
            if (level < 0) return 0x00;
            EndOfAcknowledge(level);
            polledLevel = level;
            return (byte)(0x80 | level);
        }
        if (a0 == 1) return Imr;
        return ReadIsrSelected ? Isr : Irr;
    }

    /// <summary>
    /// ICW1 (datasheet, "Initialization Command Words"): edge-sense circuit reset, IMR cleared, IR7
    /// lowest priority, slave mode address 7, special mask mode cleared, status read set to IRR; without
    /// IC4 every ICW4 function is zero (MCS-80/85 mode, no AEOI, not buffered, not SFNM).
    /// </summary>
    private void WriteIcw1(byte value)
    {
        Icw1 = value;
        ExpectedIcw = 2;
        _edges = 0;
        Imr = 0;
        Isr = 0;
        LowestPriority = 7;
        Icw3 = 7;
        SpecialMaskMode = false;
        ReadIsrSelected = false;
        PollPending = false;
        RotateOnAutoEoi = false;
        if ((value & 0x01) == 0) Icw4 = 0;
    }

    /// <summary>OCW2: R SL EOI in D7-D5, the level L2-L0 in D2-D0.</summary>
    private void WriteOcw2(byte value)
    {
        int level = value & 7;
        switch (value >> 5)
        {
            case 0b001: EndOfInterrupt(rotate: false); break;          // non-specific EOI
            case 0b011: Isr &= (byte)~(1 << level); break;             // specific EOI
            case 0b101: EndOfInterrupt(rotate: true); break;           // rotate on non-specific EOI
            case 0b100: RotateOnAutoEoi = true; break;                 // rotate in AEOI mode (set)
            case 0b000: RotateOnAutoEoi = false; break;                // rotate in AEOI mode (clear)
            case 0b111:                                                // rotate on specific EOI
                Isr &= (byte)~(1 << level);
                LowestPriority = level;
                break;
            case 0b110: LowestPriority = level; break;                 // set priority command
            default: break;                                            // 010: no operation
        }
    }

    /// <summary>
    /// Non-specific EOI: resets the highest-priority ISR bit; in special mask mode an ISR bit whose IMR
    /// bit is set is not reset by it (datasheet, "Special Mask Mode"). With rotation that level becomes
    /// the lowest priority. Nothing in service: nothing happens.
    /// </summary>
    private void EndOfInterrupt(bool rotate)
    {
        int level = Highest(SpecialMaskMode ? Isr & ~Imr : Isr);
        if (level < 0) return;
        Isr &= (byte)~(1 << level);
        if (rotate) LowestPriority = level;
    }

    /// <summary>OCW3: ESMM SMM in D6-D5, P in D2, RR RIS in D1-D0 (D7 is 0 in the datasheet's format; ignored).</summary>
    private void WriteOcw3(byte value)
    {
        if ((value & 0x04) != 0) PollPending = true;
        if ((value & 0x02) != 0) ReadIsrSelected = (value & 0x01) != 0;
        if ((value & 0x40) != 0) SpecialMaskMode = (value & 0x20) != 0;
    }
}
