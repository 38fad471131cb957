using System.Text;

namespace VirtLab.Cmdlets;

/// <summary>
/// Up to 16 bytes of guest physical memory, as <c>Read-GuestMemory</c> shows them (the layout of
/// <c>Format-Hex</c>): address, hex bytes, printable ASCII. Bytes with nothing mapped behind them
/// read as <c>--</c> in <see cref="Hex"/> and have no value in <see cref="Bytes"/>.
/// </summary>
public sealed class GuestMemoryRow
{
    public GuestMemoryRow(uint address, byte?[] bytes)
    {
        Address = address;
        Values = bytes;
    }

    /// <summary>Physical address of the first byte.</summary>
    public uint Address { get; }
    /// <summary>Each byte, or null where nothing is mapped.</summary>
    public IReadOnlyList<byte?> Values { get; }
    /// <summary>The mapped bytes (a row with an unmapped byte keeps only those before it).</summary>
    public byte[] Bytes => Values.TakeWhile(v => v.HasValue).Select(v => v!.Value).ToArray();
    /// <summary>True when every byte of the row is RAM or ROM.</summary>
    public bool FullyMapped => Values.All(v => v.HasValue);

    /// <summary>Hex pairs separated by spaces, <c>--</c> for unmapped bytes, padded to 16 columns.</summary>
    public string Hex
    {
        get
        {
            var sb = new StringBuilder(48);
            for (int i = 0; i < 16; i++)
            {
                if (i > 0) sb.Append(' ');
                sb.Append(i >= Values.Count ? "  " : Values[i] is { } b ? b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) : "--");
            }
            return sb.ToString();
        }
    }

    /// <summary>Printable ASCII (0x20-0x7E) as itself, other bytes as '.', unmapped as ' '.</summary>
    public string Ascii => new(Values.Select(v => v is { } b ? (b >= 0x20 && b < 0x7F ? (char)b : '.') : ' ').ToArray());

    public override string ToString() => $"{Address:X8}   {Hex}  {Ascii}";
}
