namespace VirtLab.Engine.Images;

/// <summary>
/// A guest image (ELF32, Multiboot, flat binary) that cannot be parsed or loaded. The message
/// names the problem and where it is (the header field, program header or address). Loaders
/// validate everything before writing, so guest memory is untouched when this is thrown.
/// </summary>
public sealed class ImageException : Exception
{
    public ImageException(string message) : base(message) { }
}
