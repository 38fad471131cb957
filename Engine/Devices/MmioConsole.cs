namespace VirtLab.Engine;

/// <summary>
/// A memory-mapped console: every byte written anywhere in its range is appended to the machine's
/// console output, lowest address first (a dword write appends four bytes). Reads return 0.
/// The memory-mapped twin of the port-0xE9 debug console, for labs about MMIO (and, later, EPT).
/// </summary>
public sealed class MmioConsole : IMmioDevice
{
    private readonly ConsoleOutput _console;
    public MmioConsole(ConsoleOutput console) => _console = console;
    public string Name => "mmio-console";
    /// <summary>Accesses seen (reads and writes).</summary>
    public long Accesses { get; private set; }
    public uint Read(uint offset, int size) { Accesses++; return 0; }
    public void Write(uint offset, int size, uint value)
    {
        Accesses++;
        for (int i = 0; i < size; i++) _console.Append((byte)(value >> (8 * i)));
    }
}
