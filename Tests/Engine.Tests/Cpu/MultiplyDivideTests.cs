using Xunit;
using static VirtLab.Engine.Tests.Instructions.AluGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// MUL IMUL DIV IDIV. Products and quotients computed by hand; flags per the SDM (CF = OF for MUL/IMUL)
/// and the documented choices (SF ZF PF from the low half, AF = 0; DIV/IDIV leave flags unchanged).
/// </summary>
public class MultiplyDivideTests
{
    [Theory]
    // instruction, EAX, EBX, ECX, EDX, flags in, EAX out, EDX out, flags out
    [InlineData("mul bl", 0x1234_5680u, 0x02u, 0u, 0xDEADu, 0u, 0x1234_0100u, 0xDEADu, CF | OF | ZF | PF)]
    [InlineData("mul bl", 0xFF0Fu, 0x03u, 0u, 0u, AllArith, 0x002Du, 0u, PF)]                           // AH cleared, CF = OF = 0
    [InlineData("mul bx", 0xFFFFu, 0xFFFFu, 0u, 0x1234_0000u, 0u, 0x0001u, 0x1234_FFFEu, CF | OF)]
    [InlineData("mul ecx", 0xFFFF_FFFFu, 0u, 0xFFFF_FFFFu, 0u, 0u, 1u, 0xFFFF_FFFEu, CF | OF)]
    [InlineData("mul ecx", 0x0001_0000u, 0u, 0x8000u, 0x5555u, AllArith, 0x8000_0000u, 0u, SF | PF)]
    [InlineData("imul bl", 0xFFu, 0x80u, 0u, 0u, 0u, 0x0080u, 0u, CF | OF | SF)]                      // -1 * -128 = 128 does not fit
    [InlineData("imul bl", 0xFEu, 0x03u, 0u, 0u, 0u, 0xFFFAu, 0u, SF | PF)]                           // -6 fits
    [InlineData("imul bl", 0x7Fu, 0x7Fu, 0u, 0u, 0u, 0x3F01u, 0u, CF | OF)]
    [InlineData("imul cx", 0x8000u, 0u, 0xFFFFu, 0xFFFF_FFFFu, 0u, 0x8000u, 0xFFFF_0000u, CF | OF | SF | PF)] // -32768 * -1
    [InlineData("imul ecx", 0x8000_0000u, 0u, 2u, 0u, 0u, 0u, 0xFFFF_FFFFu, CF | OF | ZF | PF)]
    [InlineData("imul ecx", 0xFFFF_FFFDu, 0u, 5u, 0u, AllArith, 0xFFFF_FFF1u, 0xFFFF_FFFFu, SF)]        // -15 fits
    [InlineData("imul eax, ebx", 0x0001_0000u, 0x0001_0000u, 0u, 0x1234_5678u, 0u, 0u, 0x1234_5678u, CF | OF | ZF | PF)]
    [InlineData("imul ax, bx", 0xFFFF_FFFEu, 0x4000u, 0u, 0u, AllArith, 0xFFFF_8000u, 0u, SF | PF)]    // -32768 fits
    [InlineData("imul ax, bx", 0x0002u, 0x4000u, 0u, 0u, 0u, 0x8000u, 0u, CF | OF | SF | PF)]          // +32768 does not
    [InlineData("imul eax, ebx, -1", 0u, 0x8000_0000u, 0u, 0u, 0u, 0x8000_0000u, 0u, CF | OF | SF | PF)]
    [InlineData("imul ax, bx, 0x1234", 0xFFFF_FFFFu, 3u, 0u, 0u, 0u, 0xFFFF_369Cu, 0u, PF)]
    [InlineData("imul eax, ebx, 100", 0u, 7u, 0u, 0u, AllArith, 700u, 0u, 0u)]
    [InlineData("imul eax, ebx, -100", 0u, 7u, 0u, 0u, 0u, 0xFFFF_FD44u, 0u, SF | PF)]                 // imm8 sign-extended
    [InlineData("imul ax, bx, -2", 0u, 0x4000u, 0u, 0u, 0u, 0x8000u, 0u, SF | PF)]
    [InlineData("imul eax, ebx, 0x10000", 0u, 0x10000u, 0u, 0u, 0u, 0u, 0u, CF | OF | ZF | PF)]
    // DIV / IDIV: flags unchanged
    [InlineData("div bl", 0x0100u, 7u, 0u, 0u, CF | ZF, 0x0424u, 0u, CF | ZF)]                         // 256 / 7 = 36 r 4
    [InlineData("div bl", 0xFFFF_00FEu, 0xFFu, 0u, 0u, 0u, 0xFFFF_FE00u, 0u, 0u)]                      // 254 / 255 = 0 r 254
    [InlineData("div cx", 0xAAAA_0000u, 0u, 2u, 0xBBBB_0001u, AllArith, 0xAAAA_8000u, 0xBBBB_0000u, AllArith)]
    [InlineData("div ecx", 0u, 0u, 3u, 1u, 0u, 0x5555_5555u, 1u, 0u)]                                  // 2^32 / 3
    [InlineData("div ecx", 0xFFFF_FFFFu, 0u, 0x10u, 0u, SF, 0x0FFF_FFFFu, 0xFu, SF)]
    [InlineData("div ecx", 0xFFFF_FFFFu, 0u, 0xFFFF_FFFFu, 0xFFFF_FFFEu, 0u, 0xFFFF_FFFFu, 0xFFFF_FFFEu, 0u)] // largest quotient
    [InlineData("idiv bl", 0xFFF9u, 2u, 0u, 0u, 0u, 0xFFFDu, 0u, 0u)]                                  // -7 / 2 = -3 r -1
    [InlineData("idiv bl", 0x0007u, 0xFEu, 0u, 0u, 0u, 0x01FDu, 0u, 0u)]                               // 7 / -2 = -3 r 1
    [InlineData("idiv bl", 0xFF80u, 1u, 0u, 0u, 0u, 0x0080u, 0u, 0u)]                                  // -128 fits
    [InlineData("idiv cx", 0x86A0u, 0u, 0xFED4u, 0x0001u, OF, 0xFEB3u, 0x0064u, OF)]                   // 100000 / -300 = -333 r 100
    [InlineData("idiv ecx", 0xFFFF_FF9Cu, 0u, 7u, 0xFFFF_FFFFu, 0u, 0xFFFF_FFF2u, 0xFFFF_FFFEu, 0u)]   // -100 / 7 = -14 r -2
    [InlineData("idiv ecx", 0x8000_0000u, 0u, 1u, 0xFFFF_FFFFu, 0u, 0x8000_0000u, 0u, 0u)]             // -2^31 fits
    [InlineData("idiv ecx", 0x8000_0000u, 0u, 0xFFFF_FFFFu, 0u, 0u, 0x8000_0000u, 0u, 0u)]             // 2^31 / -1 = -2^31 fits
    public void Results(string insn, uint eax, uint ebx, uint ecx, uint edx, uint flagsIn, uint eaxOut, uint edxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, ebx, ecx, edx, flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(edxOut, m.Cpu.Edx);
            Assert.Equal(ebx, m.Cpu.Ebx);
            Assert.Equal(ecx, m.Cpu.Ecx);
            Assert.Equal(flagsOut, Flags(m));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MemoryOperands(bool flat)
    {
        var m = Run(flat, """
            mov dword [0x2000], 0x0000_0003
            mov dword [0x2004], 0xFFFF_FFFE
            mov word [0x2008], 0xFED4
            mov eax, 0x4000_0000
            mul dword [0x2000]
            mov [0x700], eax
            mov [0x704], edx
            mov ax, 0x1234
            imul ax, [0x2004]
            mov [0x708], eax
            imul ebx, [0x2000], 100
            mov dx, 1
            mov ax, 0x86A0
            idiv word [0x2008]
            mov [0x70C], ax
            mov [0x70E], dx
            mov eax, 0xFFFF_FFF0
            cdq
            idiv dword [0x2004]
            """);
        Assert.Equal(0xC000_0000u, m.Memory.ReadUInt32(0x700)); // 3 * 2^30 = 0xC0000000, high half 0
        Assert.Equal(0u, m.Memory.ReadUInt32(0x704));
        Assert.Equal(0xDB98u, m.Memory.ReadUInt32(0x708) & 0xFFFF); // 0x1234 * -2 = -0x2468
        Assert.Equal(300u, m.Cpu.Ebx);
        Assert.Equal(0xFEB3, m.Memory.ReadUInt16(0x70C));
        Assert.Equal(0x0064, m.Memory.ReadUInt16(0x70E));
        Assert.Equal(8u, m.Cpu.Eax);                            // -16 / -2 = 8 r 0
        Assert.Equal(0u, m.Cpu.Edx);
    }

    [Theory]
    // instruction, EAX, EBX, ECX, EDX: each raises #DE with nothing changed
    [InlineData("div bl", 0xFFFFu, 0xFFu, 0u, 0u)]                          // quotient 257
    [InlineData("div bl", 0x1234u, 0u, 0u, 0u)]                             // zero divisor
    [InlineData("div cx", 0xFFFFu, 0u, 0xFFFFu, 0xFFFFu)]                   // quotient 0x10001
    [InlineData("div ecx", 0u, 0u, 5u, 5u)]                                 // EDX >= divisor
    [InlineData("div ecx", 0x1234u, 0u, 0u, 0u)]
    [InlineData("idiv bl", 0x0080u, 1u, 0u, 0u)]                            // +128
    [InlineData("idiv bl", 0xFF7Fu, 1u, 0u, 0u)]                            // -129
    [InlineData("idiv bl", 0x8000u, 0xFFu, 0u, 0u)]                         // -32768 / -1
    [InlineData("idiv bl", 0x0005u, 0u, 0u, 0u)]
    [InlineData("idiv cx", 0x8000u, 0u, 0xFFFFu, 0xFFFFu)]                  // -32768 / -1
    [InlineData("idiv ecx", 0x8000_0000u, 0u, 0xFFFF_FFFFu, 0xFFFF_FFFFu)]  // -2^31 / -1
    [InlineData("idiv ecx", 0u, 0u, 0xFFFF_FFFFu, 0x8000_0000u)]            // -2^63 / -1
    [InlineData("idiv ecx", 0u, 0u, 1u, 0x8000_0000u)]                      // -2^63 / 1
    [InlineData("idiv ecx", 5u, 0u, 0u, 0u)]
    [InlineData("div byte [0x2000]", 0x1234u, 0u, 0u, 0u)]                  // [0x2000] = 0
    [InlineData("idiv dword [0x2000]", 0x1234u, 0u, 0u, 0u)]
    public void DivideErrorChangesNothing(string insn, uint eax, uint ebx, uint ecx, uint edx)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, $"""
                mov dword [0x2000], 0
                {InstallHandler(flat, 0)}
                fault_at: {insn}
                {HandlerTail}
                """, eax, ebx, ecx, edx, CF | SF | PF);
            AssertFaulted(m, flat, CF | SF | PF);
            Assert.Equal(eax, m.Cpu.Eax);
            Assert.Equal(ebx, m.Cpu.Ebx);
            Assert.Equal(ecx, m.Cpu.Ecx);
            Assert.Equal(edx, m.Cpu.Edx);
        }
    }
}
