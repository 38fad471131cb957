using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Instructions;

public class ArithmeticTests
{
    [Theory]
    // dst, src, result, flags after ADD (CF PF AF ZF SF OF) — values from the SDM definitions
    [InlineData(0x7FFF_FFFFu, 1u, 0x8000_0000u, VirtLab.Engine.Cpu.PF | VirtLab.Engine.Cpu.AF | VirtLab.Engine.Cpu.SF | VirtLab.Engine.Cpu.OF)]
    [InlineData(0xFFFF_FFFFu, 1u, 0u, VirtLab.Engine.Cpu.CF | VirtLab.Engine.Cpu.PF | VirtLab.Engine.Cpu.AF | VirtLab.Engine.Cpu.ZF)]
    [InlineData(1u, 2u, 3u, VirtLab.Engine.Cpu.PF)]
    public void Add32SetsResultAndFlags(uint a, uint b, uint result, uint flags)
    {
        var m = TestGuest.Flat32($"mov eax, {a}\nadd eax, {b}\nhlt");
        Assert.Equal(result, m.Cpu.Eax);
        Assert.Equal(flags, m.Cpu.EFlags & VirtLab.Engine.Cpu.ArithFlags);
    }

    [Fact]
    public void IncKeepsCarryAndDecSetsZero()
    {
        var m = TestGuest.Real16("stc\nmov ax, 1\ndec ax\ninc bx\nhlt");
        Assert.Equal(0u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(1u, m.Cpu.Ebx & 0xFFFF);
        Assert.True(m.Cpu.GetCF());
        Assert.False(m.Cpu.GetZF());
    }

    [Fact]
    public void SbbBorrowsThroughCarry()
    {
        var m = TestGuest.Real16("stc\nmov al, 0\nsbb al, 0\nhlt");
        Assert.Equal(0xFFu, m.Cpu.Eax & 0xFF);
        Assert.Equal(VirtLab.Engine.Cpu.CF | VirtLab.Engine.Cpu.PF | VirtLab.Engine.Cpu.AF | VirtLab.Engine.Cpu.SF, m.Cpu.EFlags & VirtLab.Engine.Cpu.ArithFlags);
    }
}
