using System.Globalization;
using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>
/// Lets a <c>uint</c> address or value parameter take what a user types: <c>0x7C00</c> and
/// <c>0xFFFF0000</c> (PowerShell makes the latter the negative <c>int</c> -65536; its 32 bits are
/// the address meant), decimal numbers, and strings such as <c>'0xB8000'</c>, <c>'b8000h'</c> or <c>'753664'</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class GuestAddressAttribute : ArgumentTransformationAttribute
{
    /// <inheritdoc />
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if (inputData is Array array && inputData is not byte[])
        {
            var result = new uint[array.Length];
            for (int i = 0; i < array.Length; i++) result[i] = Convert(array.GetValue(i));
            return result;
        }
        return Convert(inputData);
    }

    /// <summary>Converts one value to a 32-bit unsigned number, or throws <see cref="ArgumentTransformationMetadataException"/> saying why.</summary>
    public static uint Convert(object? value)
    {
        if (value is PSObject pso) value = pso.BaseObject;
        switch (value)
        {
            case uint u: return u;
            case int i: return unchecked((uint)i);
            case ushort us: return us;
            case short s: return unchecked((ushort)s);
            case byte b: return b;
            case sbyte sb: return unchecked((byte)sb);
            case long l when l >= int.MinValue && l <= uint.MaxValue: return unchecked((uint)l);
            case ulong ul when ul <= uint.MaxValue: return (uint)ul;
            case double d when d >= 0 && d <= uint.MaxValue && Math.Floor(d) == d: return (uint)d;
            case decimal m when m >= 0 && m <= uint.MaxValue && decimal.Floor(m) == m: return (uint)m;
            case string text when TryParse(text, out uint parsed): return parsed;
            case null: throw new ArgumentTransformationMetadataException("A 32-bit value is required, not $null.");
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a 32-bit value: use a number from 0 to 0xFFFFFFFF (decimal, 0x hex, or hex with an h suffix).");
    }

    /// <summary>Parses <c>0x1F</c>, <c>1Fh</c> and decimal text.</summary>
    public static bool TryParse(string text, out uint value)
    {
        text = text.Trim().Replace("_", "", StringComparison.Ordinal);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        if (text.EndsWith('h') || text.EndsWith('H'))
            return uint.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
