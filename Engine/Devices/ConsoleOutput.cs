using System.Text;

namespace VirtLab.Engine;

/// <summary>The guest's console text, fed by the debug console and COM1. Bytes are kept as Latin-1 characters.</summary>
public sealed class ConsoleOutput
{
    private readonly StringBuilder _text = new();
    public string Text => _text.ToString();
    public int Length => _text.Length;
    public void Append(byte b) => _text.Append((char)b);
    public void Clear() => _text.Clear();
}
