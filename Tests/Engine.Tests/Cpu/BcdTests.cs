using Xunit;
using static VirtLab.Engine.Tests.Instructions.AluGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// DAA DAS AAA AAS AAM AAD, worked by hand through the SDM pseudocode. Flags the SDM leaves undefined
/// follow the documented choices in Bcd.cs (OF = 0; AAA/AAS SF ZF PF from the final AL; AAM/AAD OF AF CF = 0).
/// </summary>
public class BcdTests
{
    [Theory]
    // instruction, EAX in, flags in, EAX out, flags out
    // DAA
    [InlineData("daa", 0xAEu, 0u, 0x14u, CF | AF | PF)]                 // 0x79 + 0x35 = 0xAE -> 114 decimal
    [InlineData("daa", 0x99u, 0u, 0x99u, SF | PF)]                      // nothing to adjust
    [InlineData("daa", 0x9Au, 0u, 0x00u, CF | AF | ZF | PF)]
    [InlineData("daa", 0x00u, CF | AF, 0x66u, CF | AF | PF)]
    [InlineData("daa", 0x12u, OF, 0x12u, PF)]
    [InlineData("daa", 0xFFFF_FF0Bu, 0u, 0xFFFF_FF11u, AF | PF)]         // AH and the upper half untouched
    [InlineData("daa", 0xFAu, 0u, 0x60u, CF | AF | PF)]
    // DAS
    [InlineData("das", 0x1Fu, AF, 0x19u, AF)]                           // 0x47 - 0x28 = 0x1F (AF) -> 19
    [InlineData("das", 0x05u, AF, 0xFFu, CF | AF | SF | PF)]            // borrow from AL - 6 sets CF; no else-branch clears it
    [InlineData("das", 0x9Au, 0u, 0x34u, CF | AF)]
    [InlineData("das", 0x00u, CF, 0xA0u, CF | SF | PF)]
    [InlineData("das", 0x66u, CF | AF, 0x00u, CF | AF | ZF | PF)]
    [InlineData("das", 0x12u, OF, 0x12u, PF)]
    // AAA: AX + 106h as a whole (386+), then AL &= 0Fh
    [InlineData("aaa", 0x000Eu, 0u, 0x0104u, CF | AF)]
    [InlineData("aaa", 0x00FAu, 0u, 0x0200u, CF | AF | ZF | PF)]         // the carry out of AL reaches AH
    [InlineData("aaa", 0x0035u, OF | SF, 0x0005u, PF)]
    [InlineData("aaa", 0x0000u, AF, 0x0106u, CF | AF | PF)]
    [InlineData("aaa", 0xABCD_FF0Fu, 0u, 0xABCD_0005u, CF | AF | PF)]    // AH wraps; upper half untouched
    // AAS: AX - 106h as a whole
    [InlineData("aas", 0x05FDu, AF, 0x0407u, CF | AF)]                  // 0x02 - 0x05 (AF) -> AH 4, AL 7
    [InlineData("aas", 0x0005u, AF, 0xFE0Fu, CF | AF | PF)]             // the borrow out of AL reaches AH
    [InlineData("aas", 0x0135u, ZF, 0x0105u, PF)]
    [InlineData("aas", 0x000Au, 0u, 0xFF04u, CF | AF)]
    // AAM imm8: AH = AL / imm8, AL = AL mod imm8
    [InlineData("aam", 0x003Fu, CF | AF | OF, 0x0603u, PF)]
    [InlineData("aam 16", 0x00ABu, 0u, 0x0A0Bu, 0u)]
    [InlineData("aam", 0x1200u, 0u, 0x0000u, ZF | PF)]                   // AH is not an input
    [InlineData("aam 3", 0xFFu, SF, 0x5500u, ZF | PF)]                  // flags from AL only
    // AAD imm8: AL = AL + AH * imm8, AH = 0
    [InlineData("aad", 0x0607u, AllArith, 0x0043u, 0u)]
    [InlineData("aad 16", 0x0A0Bu, 0u, 0x00ABu, SF)]
    [InlineData("aad", 0xFFFFu, 0u, 0x00F5u, SF | PF)]                  // 255 + 2550 = 2805 = 0xAF5
    [InlineData("aad 0", 0x1234u, 0u, 0x0034u, 0u)]                     // imm8 0 is not an error for AAD
    [InlineData("aad 1", 0x8080u, 0u, 0x0000u, ZF | PF)]
    public void Adjustments(string insn, uint eax, uint flagsIn, uint eaxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, flags: flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(flagsOut, Flags(m));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PackedBcdAdditionAndSubtractionChains(bool flat)
    {
        // 58 + 46 = 104 and 31 - 47 = -16 (84 with a borrow), in packed BCD.
        var m = Run(flat, """
            mov al, 0x58
            add al, 0x46
            daa
            mov [0x700], al
            setc byte [0x701]
            mov al, 0x31
            sub al, 0x47
            das
            mov [0x702], al
            setc byte [0x703]
            mov ax, 0x0009
            add al, 0x08
            aaa
            mov [0x704], ax
            """);
        Assert.Equal(0x04, m.Memory.ReadByte(0x700));
        Assert.Equal(1, m.Memory.ReadByte(0x701));
        Assert.Equal(0x84, m.Memory.ReadByte(0x702));
        Assert.Equal(1, m.Memory.ReadByte(0x703));
        Assert.Equal(0x0107, m.Memory.ReadUInt16(0x704));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AamWithZeroRaisesDivideError(bool flat)
    {
        var m = Run(flat, $"""
            {InstallHandler(flat, 0)}
            fault_at: aam 0
            {HandlerTail}
            """, 0x1234_5678u, flags: CF | OF | ZF);
        AssertFaulted(m, flat, CF | OF | ZF);
        Assert.Equal(0x1234_5678u, m.Cpu.Eax);
    }
}
