namespace VirtLab.Engine;

/// <summary>
/// The counting logic of one 8254 counter: the count register (CR), the counting element (CE), OUT,
/// GATE and the mode rules of the Intel 82C54 datasheet ("Mode Definitions", "Operation Common to All
/// Modes"), one CLK pulse at a time (<see cref="Pulse"/>) or many at once (<see cref="Advance"/>).
/// A value type, so a copy can look ahead (<see cref="PulsesUntilOutChanges"/>).
/// </summary>
/// <remarks>
/// <see cref="Advance"/> moves from event to event (a load, a terminal count, an OUT change, a mode 3
/// odd-count step) and decrements arithmetically in between; in modes 2 and 3 it skips whole periods
/// once the counter is at the start of a period with nothing pending. Its cost is therefore bounded
/// by a small constant per call, whatever the number of pulses.
/// Two cases the datasheet calls illegal or leaves open: a count of 1 in mode 2 keeps OUT low (the
/// count is reloaded on every pulse and always reads 1); a count of 1 in mode 3 keeps OUT high (high
/// for (N+1)/2 = 1 pulse, low for (N-1)/2 = 0).
/// </remarks>
internal struct PitCountingElement
{
    /// <summary>No event ahead without outside action (a write or a GATE change).</summary>
    public const long Never = long.MaxValue;

    public int Mode;           // 0-5 (control word modes 6 and 7 are modes 2 and 3)
    public bool Bcd;
    public ushort Cr;          // count register: the count last written
    public ushort Ce;          // counting element
    public bool Out;
    public bool Gate;
    public bool NullCount;     // a count written but not yet loaded into CE
    private bool _trigger;     // GATE rising-edge flip-flop, sampled and reset by each CLK pulse
    private bool _armed;       // a count was written since the control word (modes 1 and 5 accept triggers)
    private bool _loadPending; // CR -> CE on the next CLK pulse
    private bool _counting;    // CE has been loaded and counts
    private bool _suspended;   // mode 0: first byte of a two-byte count written before terminal count
    private bool _strobed;     // modes 4 and 5: the strobe of this count has happened

    /// <summary>A control word for this counter: all control logic reset, OUT to its initial level (low in mode 0, high otherwise).</summary>
    public void Program(int mode, bool bcd)
    {
        Mode = mode;
        Bcd = bcd;
        Out = mode != 0;
        NullCount = true;
        _trigger = _armed = _loadPending = _counting = _suspended = _strobed = false;
    }

    /// <summary>The state a PC BIOS leaves: mode 3, count 0 (65536) loaded and running, OUT high.</summary>
    public void PowerOn(bool gate)
    {
        Program(3, bcd: false);
        Cr = 0; Ce = 0;
        Gate = gate;
        NullCount = false;
        _armed = true;
        _counting = true;
    }

    /// <summary>
    /// The first byte of a two-byte count. Mode 0: OUT goes low at once and, if the count has not yet
    /// reached zero, counting stops until the second byte (82C54, mode 0). Other modes: no effect.
    /// </summary>
    public void FirstByteWritten()
    {
        if (Mode != 0) return;
        if (!(_counting && Out))
        {
            _suspended = true;
            _loadPending = false;
        }
        Out = false;
    }

    /// <summary>A complete count written to CR.</summary>
    public void CountWritten(ushort count)
    {
        Cr = count;
        NullCount = true;
        _armed = true;
        switch (Mode)
        {
            case 0:                      // new count: OUT low, loaded on the next CLK pulse
                Out = false;
                _suspended = false;
                _loadPending = true;
                break;
            case 2:
            case 3:                      // the first count is loaded on the next pulse; later ones at the end of the period/half-cycle
                if (!_counting) _loadPending = true;
                break;
            case 4:                      // software trigger: loaded on the next pulse
                _loadPending = true;
                break;
            // modes 1 and 5 wait for a trigger on GATE
        }
    }

    /// <summary>GATE input. A rising edge is a trigger; in modes 2 and 3 GATE low forces OUT high at once.</summary>
    public void SetGate(bool level)
    {
        if (level && !Gate) _trigger = true;
        Gate = level;
        if (!level && (Mode == 2 || Mode == 3)) Out = true;
    }

    private void Load()
    {
        Ce = Cr;
        NullCount = false;
        _counting = true;
        _loadPending = false;
    }

    /// <summary>One CLK pulse, as the datasheet defines each mode.</summary>
    public void Pulse()
    {
        bool trigger = _trigger && _armed;
        _trigger = false;
        switch (Mode)
        {
            case 0:
                if (_loadPending) { Load(); return; }
                if (_counting && Gate && !_suspended)
                {
                    Ce = PitCount.Subtract(Ce, 1, Bcd);
                    if (Ce == 0) Out = true;                 // terminal count; stays high while CE wraps
                }
                return;
            case 1:
                if (trigger) { Load(); Out = false; return; } // one-shot starts (or restarts)
                if (_counting)
                {
                    Ce = PitCount.Subtract(Ce, 1, Bcd);
                    if (Ce == 0) Out = true;
                }
                return;
            case 2:
                if (_loadPending || trigger) { Load(); Out = !Gate || Ce != 1; return; }
                if (_counting && Gate)
                {
                    if (Ce == 1) Load();                     // end of the period: reload
                    else Ce = PitCount.Subtract(Ce, 1, Bcd);
                    Out = Ce != 1;                           // low for the one pulse CE reads 1
                }
                return;
            case 3:
                if (_loadPending || trigger) { Load(); Out = true; return; }
                if (_counting && Gate)
                {
                    // Even counts go down by 2; an odd count first loses 1 (OUT high) or 3 (OUT low).
                    int value = PitCount.Weight(Ce, Bcd);
                    int step = (value & 1) == 0 ? 2 : Out ? 1 : 3;
                    if (value > step) { Ce = PitCount.Subtract(Ce, step, Bcd); return; }
                    bool wasHigh = Out;
                    Load();                                  // half-cycle over: reload, OUT toggles
                    Out = !wasHigh || PitCount.Weight(Cr, Bcd) == 1;
                }
                return;
            case 4:
                if (_loadPending) { Load(); _strobed = false; Out = true; return; }
                Out = true;                                  // a strobe lasts one pulse
                if (_counting && Gate) Decrement();
                return;
            default: // 5
                if (trigger) { Load(); _strobed = false; Out = true; return; }
                Out = true;
                if (_counting) Decrement();
                return;
        }
    }

    /// <summary>Modes 4 and 5: the first time CE reaches 0 after a load, OUT strobes low for one pulse.</summary>
    private void Decrement()
    {
        Ce = PitCount.Subtract(Ce, 1, Bcd);
        if (Ce == 0 && !_strobed) { Out = false; _strobed = true; }
    }

    /// <summary>True when CE decrements on a pulse with nothing else happening.</summary>
    private readonly bool Decrementing => Mode switch
    {
        0 => _counting && Gate && !_suspended,
        1 or 5 => _counting,
        _ => _counting && Gate,
    };

    /// <summary>
    /// How many of the next pulses only decrement CE (by 1, or by 2 in mode 3) and change nothing else;
    /// the pulse after them is an event for <see cref="Pulse"/>. <see cref="Never"/> when there is none.
    /// </summary>
    private readonly long PlainPulses()
    {
        if (_trigger || _loadPending) return 0;
        if (!Decrementing) return Mode is 4 or 5 && !Out ? 0 : Never;
        long toZero = PitCount.Weight(Ce, Bcd);
        switch (Mode)
        {
            case 0:
            case 1:
                return Out ? Never : toZero - 1;            // after terminal count CE just wraps
            case 2:
                return Ce == 1 ? 0 : toZero - 2;            // the pulse making CE 1 is the event
            case 3:
                return (toZero & 1) != 0 ? 0 : toZero / 2 - 1;
            default:
                if (!Out) return 0;                         // end of the strobe
                return _strobed ? Never : toZero - 1;
        }
    }

    /// <summary><paramref name="pulses"/> pulses known to be plain (at most <see cref="PlainPulses"/>).</summary>
    private void SkipPlain(long pulses)
    {
        if (pulses == 0 || !Decrementing) return;
        Ce = PitCount.Subtract(Ce, Mode == 3 ? 2 * pulses : pulses, Bcd);
    }

    /// <summary>
    /// Modes 2 and 3 just after a load with nothing pending (no trigger, no new count, GATE high): the
    /// state recurs every <see cref="PitCount.Weight"/>(CR) pulses.
    /// </summary>
    private readonly bool AtPeriodStart =>
        (Mode == 2 || Mode == 3) && _counting && Gate && !_trigger && !_loadPending && !NullCount && Ce == Cr &&
        Out == (Mode == 3 || Cr != 1);

    /// <summary><paramref name="pulses"/> CLK pulses (not negative).</summary>
    public void Advance(long pulses)
    {
        while (pulses > 0)
        {
            if (AtPeriodStart)
            {
                pulses %= PitCount.Weight(Cr, Bcd);
                if (pulses == 0) return;
            }
            long plain = PlainPulses();
            if (plain >= pulses) { SkipPlain(pulses); return; }
            SkipPlain(plain);
            Pulse();
            pulses -= plain + 1;
        }
    }

    /// <summary>Pulses until OUT next changes (OUT has changed after that many), or <see cref="Never"/>.</summary>
    public readonly long PulsesUntilOutChanges()
    {
        var ahead = this;
        long total = 0;
        bool sawPeriodStart = false;
        // At most a load, two odd-count steps and two half-cycle ends come before OUT changes or a
        // period repeats without a change (mode 3 odd counts have the most events per period).
        for (int events = 0; events < 16; events++)
        {
            if (ahead.AtPeriodStart)
            {
                if (sawPeriodStart) return Never;            // a whole period without an OUT change
                sawPeriodStart = true;
            }
            long plain = ahead.PlainPulses();
            if (plain == Never) return Never;
            ahead.SkipPlain(plain);
            ahead.Pulse();
            total += plain + 1;
            if (ahead.Out != Out) return total;
        }
        throw new InvalidOperationException(
            $"8254 counter in mode {Mode} (CR {Cr:X4}, CE {Ce:X4}): no OUT change and no repeat after 16 events; the event model is inconsistent.");
    }
}
