namespace VirtLab.Engine;

/// <summary>
/// The transmit side of a 16550A UART (COM1 at 0x3F8 by default): THR writes append to the
/// console; LSR reports the transmitter always empty (THRE bit 5, TEMT bit 6). The divisor latch,
/// IER, LCR, MCR and scratch registers hold what is written; there is no receive side yet
/// (RBR reads 0, LSR.DR stays 0).
/// </summary>
public sealed class Uart16550 : IPortDevice
{
    public const ushort Com1 = 0x3F8;
    private const byte LsrThre = 0x20, LsrTemt = 0x40;
    private readonly ConsoleOutput _console;
    private readonly ushort _base;
    private byte _ier, _lcr, _mcr, _scratch, _dll = 0x0C, _dlm;

    public Uart16550(ConsoleOutput console, ushort basePort = Com1) { _console = console; _base = basePort; }
    public string Name => "com1";
    public IEnumerable<ushort> Ports => Enumerable.Range(_base, 8).Select(p => (ushort)p);
    private bool Dlab => (_lcr & 0x80) != 0;

    public uint Read(ushort port, int size)
    {
        switch (port - _base)
        {
            case 0: return Dlab ? _dll : 0u;          // RBR: nothing received
            case 1: return Dlab ? _dlm : _ier;
            case 2: return 0x01;                       // IIR: no interrupt pending
            case 3: return _lcr;
            case 4: return _mcr;
            case 5: return LsrThre | LsrTemt;          // LSR: transmitter empty
            case 6: return 0xB0;                       // MSR: DCD, DSR, CTS
            default: return _scratch;
        }
    }

    public void Write(ushort port, int size, uint value)
    {
        byte b = (byte)value;
        switch (port - _base)
        {
            case 0: if (Dlab) _dll = b; else _console.Append(b); break;
            case 1: if (Dlab) _dlm = b; else _ier = (byte)(b & 0x0F); break;
            case 3: _lcr = b; break;
            case 4: _mcr = (byte)(b & 0x1F); break;
            case 7: _scratch = b; break;
        }
    }
}
