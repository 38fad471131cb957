namespace VirtLab.Engine;

/// <summary>A device on the I/O port bus. Sizes are 1, 2 or 4 bytes.</summary>
public interface IPortDevice
{
    /// <summary>Short name shown in listings and errors ("debugcon", "com1" ...).</summary>
    string Name { get; }
    /// <summary>The ports this device decodes.</summary>
    IEnumerable<ushort> Ports { get; }
    uint Read(ushort port, int size);
    void Write(ushort port, int size, uint value);
}
