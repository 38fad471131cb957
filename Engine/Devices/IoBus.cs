namespace VirtLab.Engine;

/// <summary>
/// The port I/O bus. A port nobody decodes reads as all ones (an open ISA bus) and ignores writes;
/// both are counted. Wider accesses go to one device when it decodes the first port.
/// </summary>
public sealed class IoBus
{
    private readonly IPortDevice?[] _map = new IPortDevice?[65536];
    private readonly List<IPortDevice> _devices = new();

    public IReadOnlyList<IPortDevice> Devices => _devices;
    public long UnclaimedReads { get; private set; }
    public long UnclaimedWrites { get; private set; }

    public void Attach(IPortDevice device)
    {
        foreach (var port in device.Ports)
            if (_map[port] is { } other)
                throw new InvalidOperationException($"Port 0x{port:X} is already decoded by '{other.Name}'; cannot attach '{device.Name}'.");
        foreach (var port in device.Ports) _map[port] = device;
        _devices.Add(device);
    }

    public IPortDevice? DeviceAt(ushort port) => _map[port];

    public uint Read(ushort port, int size)
    {
        if (_map[port] is { } d) return d.Read(port, size);
        UnclaimedReads++;
        return size switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
    }

    public void Write(ushort port, int size, uint value)
    {
        if (_map[port] is { } d) d.Write(port, size, value);
        else UnclaimedWrites++;
    }
}
