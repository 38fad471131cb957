namespace VirtLab.Engine;

/// <summary>QEMU's isa-debug-exit (iobase 0xF4, iosize 4): a write stops the guest with exit code = value written.</summary>
public sealed class ExitPort : IPortDevice
{
    public const ushort DefaultPort = 0xF4;
    private readonly ushort _port;
    public ExitPort(ushort port = DefaultPort) { _port = port; }
    public string Name => "exit";
    public IEnumerable<ushort> Ports => Enumerable.Range(_port, 4).Select(p => (ushort)p);
    /// <summary>The value written, once the guest has asked to exit.</summary>
    public uint? ExitCode { get; private set; }
    /// <summary>Raised on the write, so the machine can stop after the instruction.</summary>
    public Action? ExitRequested;
    public uint Read(ushort port, int size) => size switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
    public void Write(ushort port, int size, uint value) { ExitCode = value; ExitRequested?.Invoke(); }
    public void Reset() => ExitCode = null;
}
