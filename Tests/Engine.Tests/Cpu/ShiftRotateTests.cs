using Xunit;
using static VirtLab.Engine.Tests.Instructions.AluGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// SHL/SAL SHR SAR ROL ROR RCL RCR SHLD SHRD. Expected values are computed by hand from the SDM
/// definitions (and, for flags the SDM leaves undefined, from the documented choices in ShiftRotate.cs).
/// Every case runs in real mode and in flat 32-bit mode.
/// </summary>
public class ShiftRotateTests
{
    [Theory]
    // instruction, EAX in, ECX in (count in CL), flags in, EAX out, flags out
    // SHL
    [InlineData("shl al, 1", 0x1234_5681u, 0u, 0u, 0x1234_5602u, CF | OF)]             // CF = old bit 7, OF = CF ^ MSB
    [InlineData("shl al, 1", 0x40u, 0u, CF, 0x80u, OF | SF)]                            // sign change: OF = 1
    [InlineData("sal al, 1", 0x40u, 0u, CF, 0x80u, OF | SF)]
    [InlineData("shl al, cl", 0x01u, 8u, 0u, 0x00u, CF | OF | ZF | PF)]                // count = width: CF = bit 0
    [InlineData("shl al, cl", 0xFFu, 9u, CF | OF, 0x00u, ZF | PF)]                     // past the width: CF = OF = 0, AF = 0
    [InlineData("shl al, 33", 0x81u, 0u, 0u, 0x02u, CF | OF)]                          // count masked to 5 bits: 33 -> 1
    [InlineData("shl ax, cl", 0xABCDu, 0u, AllArith, 0xABCDu, AllArith)]              // count 0: no flag changes
    [InlineData("shl ax, 4", 0x1234u, 0u, 0u, 0x2340u, CF | OF)]                       // CF = bit 12 = 1, OF = CF ^ MSB = 1
    [InlineData("shl eax, cl", 3u, 31u, 0u, 0x8000_0000u, CF | SF | PF)]               // CF = bit 1, OF = CF ^ MSB = 0
    [InlineData("shl eax, cl", 0x1234u, 32u, AllArith, 0x1234u, AllArith)]            // 32 & 31 = 0
    // SHR
    [InlineData("shr al, 1", 0x81u, 0u, 0u, 0x40u, CF | OF)]                           // OF = MSB of the original
    [InlineData("shr ax, cl", 0x8421u, 4u, 0u, 0x0842u, PF)]                           // CF = bit 3 = 0, OF = 0
    [InlineData("shr eax, cl", 0x8000_0000u, 31u, CF | OF, 1u, 0u)]
    [InlineData("shr al, cl", 0xFFu, 9u, 0u, 0u, ZF | PF)]                              // CF = bit 8 = 0
    [InlineData("shr al, cl", 0xFFu, 8u, 0u, 0u, CF | ZF | PF)]                         // CF = bit 7
    // SAR
    [InlineData("sar al, 1", 0x81u, 0u, OF, 0xC0u, CF | SF | PF)]                       // OF = 0
    [InlineData("sar ax, cl", 0x8000u, 20u, 0u, 0xFFFFu, CF | SF | PF)]                 // count > width: all sign bits
    [InlineData("sar eax, 31", 0x7FFF_FFFFu, 0u, 0u, 0u, CF | ZF | PF)]
    [InlineData("sar al, cl", 0x7Fu, 8u, 0u, 0u, ZF | PF)]
    // ROL: only CF and OF change
    [InlineData("rol al, 1", 0x81u, 0u, ZF | SF | PF | AF, 0x03u, CF | OF | ZF | SF | PF | AF)]
    [InlineData("rol al, cl", 0x81u, 8u, OF, 0x81u, CF)]                               // count 8: value same, CF = bit 0, OF = CF ^ MSB = 0
    [InlineData("rol ax, cl", 0x8001u, 0x20u, AllArith, 0x8001u, AllArith)]            // masked count 0
    [InlineData("rol eax, 4", 0x1234_5678u, 0u, 0u, 0x2345_6781u, CF | OF)]
    [InlineData("rol ax, cl", 0x4000u, 16u, CF | OF, 0x4000u, 0u)]                      // count 16 on a word: CF = 0, OF = 0 ^ 0
    // ROR
    [InlineData("ror al, 1", 0x01u, 0u, 0u, 0x80u, CF | OF)]                           // OF = bit 7 ^ bit 6 of the result
    [InlineData("ror ax, cl", 0x4000u, 16u, CF, 0x4000u, OF)]                          // count 16: CF = MSB = 0, OF = 0 ^ 1
    [InlineData("ror eax, 8", 0x1234_5678u, 0u, CF, 0x7812_3456u, OF)]
    // RCL
    [InlineData("rcl al, 1", 0x80u, 0u, CF, 0x01u, CF | OF)]
    [InlineData("rcl al, cl", 0x12u, 4u, CF, 0x28u, CF | OF)]                           // 1:00010010 rotated left 4 in 9 bits
    [InlineData("rcl al, cl", 0xD5u, 9u, 0u, 0xD5u, OF)]                                // count 9 = identity; OF = CF ^ MSB (documented choice)
    [InlineData("rcl al, cl", 0xD5u, 18u, ZF, 0xD5u, OF | ZF)]
    [InlineData("rcl ax, cl", 0x1234u, 17u, CF, 0x1234u, CF | OF)]                      // 17 on a word: identity
    [InlineData("rcl eax, 1", 0x8000_0000u, 0u, 0u, 0u, CF | OF)]                        // ZF not affected
    [InlineData("rcl eax, cl", 2u, 31u, CF, 0x4000_0000u, CF | OF)]                      // 33-bit rotate by 31
    // RCR
    [InlineData("rcr al, 1", 0x01u, 0u, CF, 0x80u, CF | OF)]
    [InlineData("rcr ax, cl", 0x0005u, 3u, 0u, 0x4000u, CF | OF)]
    [InlineData("rcr eax, cl", 0xFFFF_FFFFu, 1u, 0u, 0x7FFF_FFFFu, CF | OF)]
    [InlineData("rcr al, cl", 0x40u, 9u, CF, 0x40u, CF | OF)]                            // count 9: identity, OF = bit 7 ^ bit 6
    public void ShiftsAndRotates(string insn, uint eax, uint ecx, uint flagsIn, uint eaxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, ecx: ecx, flags: flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(flagsOut, Flags(m));
            Assert.Equal(ecx, m.Cpu.Ecx);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MemoryDestinations(bool flat)
    {
        var m = Run(flat, $"""
            mov byte [0x500], 0x81
            mov dword [0x504], 0x10
            mov word [0x508], 0xABCD
            shl byte [0x500], 1
            {SaveFlags(flat, 0x510)}
            mov cl, 4
            stc
            rcr dword [0x504], cl
            {SaveFlags(flat, 0x514)}
            mov cl, 0
            {SetFlags(flat, AllArith)}
            shl word [0x508], cl
            {SaveFlags(flat, 0x518)}
            """);
        Assert.Equal(0x02, m.Memory.ReadByte(0x500));
        Assert.Equal(CF | OF, m.Memory.ReadUInt16(0x510) & AllArith);
        Assert.Equal(0x1000_0001u, m.Memory.ReadUInt32(0x504)); // CF into bit 28, bit 4 into bit 0, CF = bit 3 = 0
        Assert.Equal(0u, m.Memory.ReadUInt16(0x514) & AllArith);
        Assert.Equal(0xABCD, m.Memory.ReadUInt16(0x508));
        Assert.Equal(AllArith, m.Memory.ReadUInt16(0x518) & AllArith);
    }

    [Fact]
    public void CountZeroStillReadsTheMemoryOperand()
    {
        // A word at DS:FFFF crosses the real-mode segment limit: #GP (vector 13, no error code in real mode)
        // even though the count is 0 and nothing would change.
        var m = Run(false, $"""
            {InstallHandler(false, 13)}
            mov cl, 0
            {SetFlags(false, CF | ZF)}
            fault_at: shl word [0xFFFF], cl
            {HandlerTail}
            """);
        AssertFaulted(m, false, CF | ZF);
    }

    [Theory]
    // instruction, EAX (destination), EBX (source), ECX (count in CL), flags in, EAX out, flags out
    [InlineData("shld ax, bx, 4", 0x1234u, 0xABCDu, 0u, 0u, 0x234Au, CF | OF)]            // CF = bit 12 of AX; OF = CF ^ MSB
    [InlineData("shld ax, bx, cl", 0x1234u, 0xABCDu, 4u, 0u, 0x234Au, CF | OF)]
    [InlineData("shrd ax, bx, cl", 0x1234u, 0xABCDu, 4u, CF | OF, 0xD123u, SF)]            // CF = bit 3 of AX = 0; OF = b15 ^ b14 = 0
    [InlineData("shld eax, ebx, 1", 0x4000_0000u, 0x8000_0000u, 0u, 0u, 0x8000_0001u, OF | SF)]
    [InlineData("shrd eax, ebx, 8", 0x1234_5678u, 0x9ABC_DEF0u, 0u, CF, 0xF012_3456u, SF | PF)]
    [InlineData("shrd eax, ebx, 1", 1u, 0u, 0u, 0u, 0u, CF | ZF | PF)]
    [InlineData("shld eax, ebx, cl", 0x1234u, 0xFFFF_FFFFu, 32u, AllArith, 0x1234u, AllArith)] // count 32 & 31 = 0
    [InlineData("shld eax, ebx, 0", 0x1234u, 0xFFFF_FFFFu, 0u, CF, 0x1234u, CF)]
    // 16-bit with count > 16 (undefined): dest:src:dest shifted (P6/Bochs), see ShiftRotate.cs
    [InlineData("shld ax, bx, 20", 0x1234u, 0xABCDu, 0u, 0u, 0xBCD1u, OF | SF | PF)]
    [InlineData("shrd ax, bx, cl", 0x1234u, 0xABCDu, 20u, 0u, 0x4ABCu, CF | OF)]
    [InlineData("shld ax, bx, cl", 0x1234u, 0xABCDu, 16u, 0u, 0xABCDu, OF | SF)]           // count 16: the source; CF = bit 0 of AX = 0, OF = CF ^ MSB
    public void DoubleShifts(string insn, uint eax, uint ebx, uint ecx, uint flagsIn, uint eaxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, ebx: ebx, ecx: ecx, flags: flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(ebx, m.Cpu.Ebx);
            Assert.Equal(flagsOut, Flags(m));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DoubleShiftWithMemoryDestination(bool flat)
    {
        var m = Run(flat, """
            mov word [0x500], 0x1234
            mov dword [0x504], 0x1234_5678
            mov bx, 0xABCD
            shld word [0x500], bx, 4
            mov ebx, 0x9ABC_DEF0
            mov cl, 8
            shrd dword [0x504], ebx, cl
            """);
        Assert.Equal(0x234A, m.Memory.ReadUInt16(0x500));
        Assert.Equal(0xF012_3456u, m.Memory.ReadUInt32(0x504));
        Assert.Equal(SF | PF, Flags(m));
    }
}
