using System.Globalization;

namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>Exception vectors by their SDM mnemonics (<c>de</c>, <c>#GP</c>, <c>pf</c>) or numbers, for exception bitmaps and injection.</summary>
public static class ExceptionNames
{
    private static readonly string[] Names =
    {
        "de", "db", "nmi", "bp", "of", "br", "ud", "nm", "df", "cso", "ts", "np", "ss", "gp", "pf", "reserved15",
        "mf", "ac", "mc", "xm", "ve", "cp",
    };

    /// <summary>Every mnemonic, by vector.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The lower-case mnemonic of <paramref name="vector"/> (or its number above 21).</summary>
    public static string Name(int vector) => vector < Names.Length ? Names[vector] : vector.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses <c>gp</c>, <c>#GP</c>, <c>13</c> or <c>0xd</c> (vectors 0-31).</summary>
    /// <exception cref="ArgumentException">Not an exception name or number; the message lists the names.</exception>
    public static int Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().TrimStart('#').ToLowerInvariant();
        int i = Array.IndexOf(Names, t);
        if (i >= 0 && !t.StartsWith("reserved", StringComparison.Ordinal)) return i;
        if (t.StartsWith("0x", StringComparison.Ordinal) ? int.TryParse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out i)
                : int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out i))
            if (i is >= 0 and < 32) return i;
        throw new ArgumentException($"'{text}' is not an exception: use a vector 0-31 or one of {string.Join(", ", Names.Where(n => !n.StartsWith("reserved", StringComparison.Ordinal)))}.", nameof(text));
    }

    /// <summary>True for the vectors that push an error code (#DF #TS #NP #SS #GP #PF #AC, SDM Vol. 3A table 6-1).</summary>
    public static bool HasErrorCode(int vector) => vector is 8 or 10 or 11 or 12 or 13 or 14 or 17;
}
