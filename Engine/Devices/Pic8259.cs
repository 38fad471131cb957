namespace VirtLab.Engine;

/// <summary>
/// The PC/AT pair of Intel 8259A interrupt controllers: the master at ports 0x20/0x21 drives the CPU's
/// INTR; the slave at 0xA0/0xA1 has its INT output on the master's IR2 and answers the INTA cycles
/// the master hands it over the CAS lines (when the master's ICW3 has a slave on that level and the
/// slave's ICW3 ID matches). IRQ 0-7 are the master's IR0-IR7, IRQ 8-15 the slave's IR0-IR7.
/// </summary>
/// <remarks>
/// For the CPU: <see cref="InterruptRequested"/> is the INTR line (sample it at instruction
/// boundaries with IF = 1) and <see cref="Acknowledge"/> is the INTA cycle, returning the vector.
/// Devices drive their lines with <see cref="SetIrq"/> (levels) or <see cref="PulseIrq"/>.
/// Power-on state (<see cref="Reset"/>; the datasheet leaves it undefined) is QEMU's: both chips
/// initialised with vector base 0, nothing masked, edge triggered, 8086 mode, cascade on IR2.
/// </remarks>
public sealed class Pic8259 : IPortDevice
{
    /// <summary>Command port of the master (A0 = 0); the data port is MasterPort + 1.</summary>
    public const ushort MasterPort = 0x20;
    /// <summary>Command port of the slave (A0 = 0); the data port is SlavePort + 1.</summary>
    public const ushort SlavePort = 0xA0;
    /// <summary>The master IR line the slave's INT output is wired to.</summary>
    public const int CascadeIrq = 2;

    private ushort _pulsed;   // lines raised by PulseIrq, lowered when their request is acknowledged
    private bool _intr;

    public Pic8259()
    {
        Master = new Pic8259Chip("master", isMaster: true);
        Slave = new Pic8259Chip("slave", isMaster: false);
        Reset();
    }

    /// <summary>The master chip (IRQ 0-7), read-only state for debugging.</summary>
    public Pic8259Chip Master { get; }
    /// <summary>The slave chip (IRQ 8-15), read-only state for debugging.</summary>
    public Pic8259Chip Slave { get; }

    public string Name => "pic";
    public IEnumerable<ushort> Ports => new ushort[] { MasterPort, MasterPort + 1, SlavePort, SlavePort + 1 };

    /// <summary>The INTR line to the CPU: the master's INT output.</summary>
    public bool InterruptRequested => _intr;

    /// <summary>Called with the new level whenever <see cref="InterruptRequested"/> changes (note it; do not call back into the pair from it).</summary>
    public Action<bool>? InterruptRequestChanged { get; set; }

    /// <summary>IRR of both chips: master in bits 0-7, slave in bits 8-15.</summary>
    public ushort Irr => (ushort)(Master.Irr | Slave.Irr << 8);
    /// <summary>ISR of both chips: master in bits 0-7, slave in bits 8-15.</summary>
    public ushort Isr => (ushort)(Master.Isr | Slave.Isr << 8);
    /// <summary>IMR of both chips: master in bits 0-7, slave in bits 8-15.</summary>
    public ushort Imr => (ushort)(Master.Imr | Slave.Imr << 8);

    /// <summary>
    /// Power-on state: master ICW2 = 00h ICW3 = 04h, slave ICW2 = 00h ICW3 = 02h (as QEMU's i8259 after
    /// reset: vector base 0, IMR 0), both 8086 mode, edge triggered, fully nested, reading IRR. Lines
    /// raised by <see cref="PulseIrq"/> are dropped; lines driven by <see cref="SetIrq"/> keep their level
    /// but need a new rising edge in edge mode.
    /// </summary>
    public void Reset()
    {
        for (int irq = 0; irq < 16; irq++)
            if ((_pulsed & (1 << irq)) != 0) ChipOf(irq).SetLine(irq & 7, false);
        _pulsed = 0;
        MasterInitialized = false;
        Master.PowerOn(icw2: 0x00, icw3: 1 << CascadeIrq);
        Slave.PowerOn(icw2: 0x00, icw3: CascadeIrq);
        Update();
    }

    /// <summary>
    /// Drives the line of <paramref name="irq"/> (0-15, not 2) to <paramref name="level"/>. In edge mode a
    /// request is latched on a 0-to-1 transition; in both modes it disappears when the line falls before
    /// the INTA (datasheet, "Edge and Level Triggered Modes"), and the acknowledge then yields the default IR7.
    /// </summary>
    public void SetIrq(int irq, bool level)
    {
        CheckIrq(irq);
        _pulsed &= (ushort)~(1 << irq);
        ChipOf(irq).SetLine(irq & 7, level);
        Update();
    }

    /// <summary>
    /// A request from a source that does not track its line: the line rises (falling first if it was
    /// high, so edge mode sees a new edge) and stays high until this request is acknowledged (INTA or a
    /// poll), as an ISA device holds its line until serviced. Pulses before the acknowledge merge into
    /// one request, as on the real edge-triggered input.
    /// </summary>
    public void PulseIrq(int irq)
    {
        CheckIrq(irq);
        var chip = ChipOf(irq);
        chip.SetLine(irq & 7, false);
        chip.SetLine(irq & 7, true);
        _pulsed |= (ushort)(1 << irq);
        Update();
    }

    /// <summary>The level of the line of <paramref name="irq"/> (0-15) as devices drive it (IRQ 2: the slave's INT).</summary>
    public bool GetIrqLine(int irq)
    {
        if ((uint)irq > 15) throw new ArgumentOutOfRangeException(nameof(irq), irq, "IRQ numbers are 0-15.");
        return (ChipOf(irq).InputLines & (1 << (irq & 7))) != 0;
    }

    /// <summary>
    /// The INTA cycle (two pulses, 8086 mode): the master resolves priority and sets its ISR bit; for a
    /// level with a slave (master ICW3) it puts the level on CAS and the slave with that ID answers with
    /// its own vector; otherwise the master answers. With no request left the chip answers with IR7's
    /// vector and sets no ISR bit: the spurious IRQ 7, or IRQ 15 when the master hands the cycle to a
    /// slave without a request (the master's ISR bit for that level stays set). Line changes are atomic
    /// here, so a slave request that vanishes also drops IR2 and gives the master's IRQ 7.
    /// A cascade level whose slave ID does not match leaves the data bus floating: 0xFF. AEOI happens at
    /// the end of the cycle. In MCS-80/85 mode the byte is the low address byte of the CALL (see
    /// <see cref="Pic8259Chip"/>).
    /// </summary>
    public byte Acknowledge()
    {
        int masterLevel = Master.AcknowledgeFirst();
        int slaveLevel = -1;
        bool slaveAnswered = false;
        byte vector;
        if (masterLevel < 0)
            vector = Master.VectorFor(7);
        else if (Master.HasSlaveOn(masterLevel))
        {
            if (Slave.SlaveId == masterLevel)
            {
                slaveAnswered = true;
                slaveLevel = Slave.AcknowledgeFirst();
                vector = Slave.VectorFor(slaveLevel < 0 ? 7 : slaveLevel);
            }
            else vector = 0xFF;
        }
        else
            vector = Master.VectorFor(masterLevel);

        // The slave's INT falls during the INTA sequence (its request moved to the ISR) and is
        // re-evaluated after its automatic EOI; a request still pending then is a new edge on IR2.
        if (slaveAnswered) Master.SetLine(CascadeIrq, false);
        if (slaveLevel >= 0)
        {
            Slave.EndOfAcknowledge(slaveLevel);
            DropPulsed(8 + slaveLevel);
        }
        if (masterLevel >= 0)
        {
            Master.EndOfAcknowledge(masterLevel);
            DropPulsed(masterLevel);   // never IRQ 2: that line is the slave's INT
        }
        Update();
        return vector;
    }

    public uint Read(ushort port, int size) => IsaByteLanes.Read(Name, port, size, ReadByte);

    public void Write(ushort port, int size, uint value)
    {
        IsaByteLanes.Write(Name, port, size, value, WriteByte);
        Update();
    }

    private byte? ReadByte(ushort port)
    {
        var (chip, a0, irqBase) = Decode(port);
        if (chip is null) return null;
        byte value = chip.Read(a0, out int polled);
        if (polled >= 0) DropPulsed(irqBase + polled);
        Update();
        return value;
    }

    private bool WriteByte(ushort port, byte value)
    {
        var (chip, a0, _) = Decode(port);
        if (chip is null) return false;
        if (chip == Master && a0 == 0 && (value & 0x10) != 0) MasterInitialized = true; // ICW1
        chip.Write(a0, value);
        return true;
    }

    /// <summary>
    /// True once the guest has written an ICW1 to the master since reset. The machine connects INTR to
    /// the CPU only from then on (the power-on state of an 8259A is undefined until it is initialized;
    /// see <see cref="Machine"/>).
    /// </summary>
    public bool MasterInitialized { get; private set; }

    private (Pic8259Chip? Chip, int A0, int IrqBase) Decode(ushort port) => port switch
    {
        MasterPort or MasterPort + 1 => (Master, port - MasterPort, 0),
        SlavePort or SlavePort + 1 => (Slave, port - SlavePort, 8),
        _ => (null, 0, 0),
    };

    private Pic8259Chip ChipOf(int irq) => irq < 8 ? Master : Slave;

    private void DropPulsed(int irq)
    {
        if ((_pulsed & (1 << irq)) == 0) return;
        _pulsed &= (ushort)~(1 << irq);
        ChipOf(irq).SetLine(irq & 7, false);
    }

    /// <summary>Propagates the slave's INT to the master's IR2, then the master's INT to INTR.</summary>
    private void Update()
    {
        Master.SetLine(CascadeIrq, Slave.Int);
        bool intr = Master.Int;
        if (intr == _intr) return;
        _intr = intr;
        InterruptRequestChanged?.Invoke(intr);
    }

    private static void CheckIrq(int irq)
    {
        if ((uint)irq > 15)
            throw new ArgumentOutOfRangeException(nameof(irq), irq, "IRQ numbers are 0-15 (0-7 master, 8-15 slave).");
        if (irq == CascadeIrq)
            throw new ArgumentException(
                "IRQ 2 is the master's cascade input, driven by the slave's INT output; on the PC/AT the ISA bus's IRQ2 pin is wired to IRQ 9.",
                nameof(irq));
    }
}
