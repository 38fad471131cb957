using Xunit;

namespace VirtLab.Engine.Tests.Devices;

/// <summary>
/// The counting element's arithmetic (82C54 datasheet, Figure 7: "Binary Counter 16-bits", "Binary
/// Coded Decimal (BCD) Counter (4 Decades)"): jumping n decrements at once must give the register that
/// n single decrements of a 16-bit or 4-decade down counter give.
/// </summary>
public class PitCountTests
{
    public static int CanonicalBcd(int value) => value % 10 | value / 10 % 10 << 4 | value / 100 % 10 << 8 | value / 1000 % 10 << 12;

    /// <summary>One decrement of a 4-decade counter: a zero digit becomes 9 and borrows from the next.</summary>
    private static int DecimalDecrement(int register)
    {
        for (int shift = 0; shift < 16; shift += 4)
        {
            if (((register >> shift) & 0xF) != 0) return register - (1 << shift);
            register |= 9 << shift;
        }
        return register & 0xFFFF;
    }

    [Fact]
    public void BinaryCountsWrapModulo65536AndZeroWeighs65536()
    {
        Assert.Equal(65536, PitCount.Weight(0, bcd: false));
        Assert.Equal(1, PitCount.Weight(1, bcd: false));
        Assert.Equal(0xFFFF, PitCount.Subtract(0, 1, bcd: false));
        Assert.Equal(0x1234, PitCount.Subtract(0x1234, 65536L * 1000, bcd: false));
        Assert.Equal(0x1233, PitCount.Subtract(0x1234, 65536L * 1000 + 1, bcd: false));
    }

    [Fact]
    public void BcdZeroWeighsTenThousandAndWrapsTo9999()
    {
        Assert.Equal(10000, PitCount.Weight(0, bcd: true));
        Assert.Equal(0x9999, PitCount.Subtract(0, 1, bcd: true));
        Assert.Equal(0x0001, PitCount.Subtract(0, 9999, bcd: true));
        Assert.Equal(0x0000, PitCount.Subtract(0, 10000, bcd: true));
        Assert.Equal(0x1234, PitCount.Subtract(0x1234, 10000L * 7777, bcd: true));
    }

    [Fact]
    public void EveryCanonicalBcdCountJumpsLikeSingleDecrements()
    {
        var rng = new Random(1);
        for (int value = 0; value < 10000; value++)
        {
            ushort register = (ushort)CanonicalBcd(value);
            int n = rng.Next(0, 25000);
            int expected = register;
            for (int i = 0; i < n; i++) expected = DecimalDecrement(expected);
            Assert.True(expected == PitCount.Subtract(register, n, bcd: true), $"{register:X4} - {n}: expected {expected:X4}, got {PitCount.Subtract(register, n, bcd: true):X4}");
        }
    }

    [Fact]
    public void BcdRegistersWithDigitsAboveNineCountDownDigitByDigit()
    {
        // Not defined by the datasheet; the model is a decade counter's: see PitCount's remarks.
        var rng = new Random(2);
        for (int k = 0; k < 3000; k++)
        {
            ushort register = (ushort)(k < 6 ? new[] { 0xFFFF, 0x00AB, 0xA000, 0x0A0F, 0xF0F0, 0x000F }[k] : rng.Next(0, 0x10000));
            int weight = PitCount.Weight(register, bcd: true);
            int expected = register;
            int steps = 0;
            foreach (int n in new[] { 0, 1, 9, 10, 11, 99, 100, 101, weight - 1, weight, weight + 1, weight + 12345 }.Where(n => n >= 0).Order())
            {
                for (; steps < n; steps++) expected = DecimalDecrement(expected);
                Assert.True(expected == PitCount.Subtract(register, n, bcd: true), $"{register:X4} - {n}: expected {expected:X4}, got {PitCount.Subtract(register, n, bcd: true):X4}");
            }
        }
    }

    [Fact]
    public void WeightIsTheNumberOfDecrementsToZero()
    {
        foreach (ushort register in new ushort[] { 0x0001, 0x0010, 0x0999, 0x9999, 0x00AB, 0xFFFF })
        {
            int steps = 0;
            int r = register;
            do { r = DecimalDecrement(r); steps++; } while (r != 0);
            Assert.Equal(steps, PitCount.Weight(register, bcd: true));
        }
    }
}
