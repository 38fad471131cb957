namespace VirtLab.Engine;

/// <summary>A device decoding a range of physical memory (<see cref="PhysicalMemory.MapMmio"/>). Offsets are from the range's base; sizes are 1, 2 or 4.</summary>
public interface IMmioDevice
{
    /// <summary>Short name shown in listings and errors.</summary>
    string Name { get; }
    uint Read(uint offset, int size);
    void Write(uint offset, int size, uint value);
}
