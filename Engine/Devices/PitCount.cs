namespace VirtLab.Engine;

/// <summary>
/// Count arithmetic of an 8254 counting element, binary (16 bits) or BCD (4 decades): how many
/// decrements until the register reads 0, and the register after a number of decrements. A count of
/// 0 is the largest, 65536 binary or 10000 BCD (82C54 datasheet, "Mode Definitions").
/// </summary>
/// <remarks>
/// A BCD register holding a nibble above 9 (which the datasheet does not define) is decremented digit
/// by digit as a decade counter does: a non-zero digit decreases by one, a zero digit becomes 9 and
/// borrows. Every decrement lowers the weight <c>sum(digit * 10^position)</c> by exactly one, so the
/// formulas below hold for such registers too.
/// </remarks>
internal static class PitCount
{
    /// <summary>Decrements from <paramref name="register"/> until it reads 0 (0 itself: 65536 or 10000).</summary>
    public static int Weight(ushort register, bool bcd)
    {
        if (register == 0) return bcd ? 10000 : 65536;
        if (!bcd) return register;
        return (register & 0xF) + ((register >> 4) & 0xF) * 10 + ((register >> 8) & 0xF) * 100 + (register >> 12) * 1000;
    }

    /// <summary>The register after <paramref name="decrements"/> (any non-negative number) decrements.</summary>
    public static ushort Subtract(ushort register, long decrements, bool bcd)
    {
        if (!bcd) return (ushort)(register - (int)(decrements & 0xFFFF));
        int weight = Weight(register, bcd: true);
        if (decrements < weight) return BcdAfter(register, (int)decrements);
        int pastZero = (int)((decrements - weight) % 10000);   // from 0000 on: 9999, 9998, ...
        return ToBcd((10000 - pastZero) % 10000);
    }

    /// <summary>The BCD register after <paramref name="n"/> decrements, n below its weight.</summary>
    private static ushort BcdAfter(ushort register, int n)
    {
        if (register == 0) return ToBcd(10000 - n);
        int d0 = register & 0xF;
        if (n <= d0) return (ushort)(register - n);
        // t_j: decrements until the digits below position j first all read 0; the first borrow into
        // position j comes one decrement later. j is the highest position borrowed from so far.
        int t1 = d0;
        int t2 = t1 + ((register >> 4) & 0xF) * 10;
        int t3 = t2 + ((register >> 8) & 0xF) * 100;
        int j = n > t3 ? 3 : n > t2 ? 2 : 1;
        int tj = j == 3 ? t3 : j == 2 ? t2 : t1;
        int scale = Pow10(j);
        int sinceBorrow = n - tj - 1;
        int borrows = 1 + sinceBorrow / scale;
        int digit = ((register >> (4 * j)) & 0xF) - borrows;
        int lower = scale - 1 - sinceBorrow % scale;           // canonical after the first borrow
        int upperMask = 0xFFFF << (4 * (j + 1)) & 0xFFFF;
        return (ushort)((register & upperMask) | digit << (4 * j) | ToBcd(lower));
    }

    /// <summary>Canonical BCD of 0-9999.</summary>
    public static ushort ToBcd(int value) =>
        (ushort)(value % 10 | (value / 10 % 10) << 4 | (value / 100 % 10) << 8 | (value / 1000 % 10) << 12);

    private static int Pow10(int n) => n switch { 0 => 1, 1 => 10, 2 => 100, _ => 1000 };
}
