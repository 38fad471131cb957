namespace VirtLab.Engine;

/// <summary>Bochs/QEMU "port E9 hack": each byte written is appended to the console. Reading returns 0xE9, as Bochs and QEMU do, so a guest can detect it.</summary>
public sealed class DebugConsole : IPortDevice
{
    public const ushort DefaultPort = 0xE9;
    private readonly ConsoleOutput _console;
    private readonly ushort _port;
    public DebugConsole(ConsoleOutput console, ushort port = DefaultPort) { _console = console; _port = port; }
    public string Name => "debugcon";
    public IEnumerable<ushort> Ports => new[] { _port };
    public uint Read(ushort port, int size) => 0xE9;
    public void Write(ushort port, int size, uint value) => _console.Append((byte)value);
}
