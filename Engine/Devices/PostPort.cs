namespace VirtLab.Engine;

/// <summary>The diagnostic POST port (0x190 by default): each byte written is recorded in order.</summary>
public sealed class PostPort : IPortDevice
{
    public const ushort DefaultPort = 0x190;
    private readonly ushort _port;
    private readonly List<byte> _codes = new();
    public PostPort(ushort port = DefaultPort) { _port = port; }
    public string Name => "post";
    public IEnumerable<ushort> Ports => new[] { _port };
    public IReadOnlyList<byte> Codes => _codes;
    public uint Read(ushort port, int size) => _codes.Count > 0 ? _codes[^1] : 0xFFu;
    public void Write(ushort port, int size, uint value) => _codes.Add((byte)value);
    public void Reset() => _codes.Clear();
}
