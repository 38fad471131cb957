using Xunit;
using static VirtLab.Engine.Tests.Instructions.AluGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>BT BTS BTR BTC, BSF BSR, SETcc, CMOVcc: expected values by hand from the SDM, in real and 32-bit mode.</summary>
public class BitOpsTests
{
    private static readonly string[] Conditions = { "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g" };

    [Theory]
    // instruction, EAX, ECX, flags in, EAX out, flags out: only CF changes
    [InlineData("bt ax, 3", 0x0008u, 0u, ZF | SF | OF | PF | AF, 0x0008u, AllArith)]
    [InlineData("bt eax, 35", 0x0008u, 0u, 0u, 0x0008u, CF)]                          // imm8 offset modulo 32
    [InlineData("bt eax, ecx", 0x0010u, 36u, 0u, 0x0010u, CF)]                        // register offset modulo 32
    [InlineData("bt eax, ecx", 0x0010u, 3u, CF, 0x0010u, 0u)]
    [InlineData("bts eax, 31", 0u, 0u, CF, 0x8000_0000u, 0u)]
    [InlineData("bts ax, cx", 0x1230u, 0xFFF0u, 0u, 0x1231u, 0u)]                     // 16-bit: offset modulo 16
    [InlineData("btr ax, 0", 0xFFFF_FFFFu, 0u, 0u, 0xFFFF_FFFEu, CF)]
    [InlineData("btr eax, ecx", 0x8000_0000u, 0xFFFF_FFFFu, ZF, 0u, CF | ZF)]          // ZF unaffected
    [InlineData("btc ax, cx", 0x0002u, 17u, 0u, 0x0000u, CF)]
    [InlineData("btc eax, ecx", 0u, 0xFFFF_FFFFu, AllArith & ~CF, 0x8000_0000u, AllArith & ~CF)]
    [InlineData("btc ax, 15", 0x8000u, 0u, 0u, 0u, CF)]
    public void BitTestRegisterForms(string insn, uint eax, uint ecx, uint flagsIn, uint eaxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, ecx: ecx, flags: flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(ecx, m.Cpu.Ecx);
            Assert.Equal(flagsOut, Flags(m));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RegisterBitOffsetAddressesBeyondTheMemoryOperand(bool flat)
    {
        var m = Run(flat, $"""
            mov dword [0x1FF8], 0xFFFF_FFFF
            mov dword [0x1FFC], 0x8000_0000
            mov dword [0x2000], 0
            mov dword [0x2004], 0
            mov dword [0x2020], 0
            mov ecx, 37
            bts dword [0x2000], ecx       ; dword at 0x2000 + 4*1, bit 5
            {SaveFlags(flat, 0x700)}
            mov ecx, -1
            bt dword [0x2000], ecx        ; dword at 0x2000 - 4, bit 31
            {SaveFlags(flat, 0x704)}
            btc dword [0x2000], ecx
            {SaveFlags(flat, 0x708)}
            mov ecx, -33
            btr dword [0x2000], ecx       ; -33 SAR 5 = -2: dword at 0x1FF8, bit 31
            {SaveFlags(flat, 0x70C)}
            mov ecx, 256
            bts dword [0x2000], ecx       ; dword at 0x2020, bit 0
            """);
        Assert.Equal(0u, m.Memory.ReadUInt32(0x2000));
        Assert.Equal(0x20u, m.Memory.ReadUInt32(0x2004));
        Assert.Equal(0u, m.Memory.ReadUInt16(0x700) & CF);
        Assert.Equal(CF, m.Memory.ReadUInt16(0x704) & CF);
        Assert.Equal(CF, m.Memory.ReadUInt16(0x708) & CF);
        Assert.Equal(0u, m.Memory.ReadUInt32(0x1FFC));
        Assert.Equal(CF, m.Memory.ReadUInt16(0x70C) & CF);
        Assert.Equal(0x7FFF_FFFFu, m.Memory.ReadUInt32(0x1FF8));
        Assert.Equal(1u, m.Memory.ReadUInt32(0x2020));
        Assert.Equal(0u, Flags(m) & CF);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WordBitOffsetsAreSigned16Bit(bool flat)
    {
        var m = Run(flat, $"""
            mov word [0x4FC], 0x8000
            mov word [0x500], 0
            mov word [0x502], 0
            mov dword [0x508], 0
            mov ecx, 0x1234_FFEF          ; CX = -17: word at 0x500 + 2*(-2) = 0x4FC, bit 15
            bt word [0x500], cx
            {SaveFlags(flat, 0x700)}
            bts word [0x500], 17          ; imm8 offset modulo 16: bit 1 of the word at 0x500
            mov cx, 17
            bts word [0x500], cx          ; word at 0x502, bit 1
            mov ecx, 64
            btc dword [0x500], ecx        ; dword at 0x508, bit 0
            """);
        Assert.Equal(CF, m.Memory.ReadUInt16(0x700) & CF);
        Assert.Equal(2, m.Memory.ReadUInt16(0x500));
        Assert.Equal(2, m.Memory.ReadUInt16(0x502));
        Assert.Equal(1u, m.Memory.ReadUInt32(0x508));
        Assert.Equal(0x8000, m.Memory.ReadUInt16(0x4FC));
    }

    [Theory]
    // instruction, EAX (destination), EBX (source), flags in, EAX out, flags out
    [InlineData("bsf eax, ebx", 0x1234_5678u, 0x0001_8000u, AllArith, 15u, PF)]              // index 15: PF = 1, others 0
    [InlineData("bsr eax, ebx", 0u, 0x0001_8000u, AllArith, 16u, 0u)]
    [InlineData("bsr eax, ebx", 0u, 0xFFFF_FFFFu, 0u, 31u, 0u)]
    [InlineData("bsf eax, ebx", 5u, 1u, ZF, 0u, PF)]                                         // index 0: ZF still 0
    [InlineData("bsf eax, ebx", 0x1234_5678u, 0u, CF | OF, 0x1234_5678u, CF | OF | ZF)]      // zero source: ZF = 1, destination unchanged
    [InlineData("bsr eax, ebx", 0x1234_5678u, 0u, 0u, 0x1234_5678u, ZF)]
    [InlineData("bsr ax, bx", 0xFFFF_0000u, 0x8000u, ZF, 0xFFFF_000Fu, PF)]
    [InlineData("bsf ax, bx", 0xFFFF_1234u, 0x0001_0000u, 0u, 0xFFFF_1234u, ZF)]            // BX = 0 although EBX is not
    public void BitScans(string insn, uint eax, uint ebx, uint flagsIn, uint eaxOut, uint flagsOut)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, insn, eax, ebx: ebx, flags: flagsIn);
            Assert.Equal(eaxOut, m.Cpu.Eax);
            Assert.Equal(flagsOut, Flags(m));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BitScanFromMemory(bool flat)
    {
        var m = Run(flat, """
            mov dword [0x2000], 0x8000_0000
            mov word [0x2004], 0x0300
            bsf ecx, [0x2000]
            bsr dx, [0x2004]
            """);
        Assert.Equal(31u, m.Cpu.Ecx);
        Assert.Equal(9u, m.Cpu.Edx & 0xFFFF);
        Assert.Equal(PF, Flags(m)); // index 9 = 1001b: even parity
    }

    public static TheoryData<bool, uint, string> ConditionStates => new()
    {
        // flags, expected results for O NO B AE E NE BE A S NS P NP L GE LE G
        { false, CF | ZF, "0110101001010110" },
        { true, CF | ZF, "0110101001010110" },
        { false, SF, "0101010110011010" },
        { true, SF, "0101010110011010" },
        { false, SF | OF | PF, "1001010110100101" },
        { true, SF | OF | PF, "1001010110100101" },
        { false, OF, "1001010101011010" },
        { true, OF, "1001010101011010" },
        { true, 0u, "0101010101010101" },
    };

    [Theory]
    [MemberData(nameof(ConditionStates))]
    public void SetccStoresEachCondition(bool flat, uint flags, string expected)
    {
        var code = string.Join("\n", Conditions.Select((cc, i) => $"set{cc} byte [0x700 + {i}]"));
        var m = Run(flat, $"""
            {SetFlags(flat, flags)}
            {code}
            """);
        for (int i = 0; i < 16; i++)
            Assert.True(expected[i] - '0' == m.Memory.ReadByte(0x700 + (uint)i), $"set{Conditions[i]} with flags {flags:X}");
        Assert.Equal(flags, Flags(m));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SetccRegisterDestinations(bool flat)
    {
        var m = Run(flat, "setc ah\nsetz bl\nsetnz bh", 0x1234_5678u, ebx: 0xFFFF_FFFFu, flags: CF);
        Assert.Equal(0x1234_0178u, m.Cpu.Eax);
        Assert.Equal(0xFFFF_0100u, m.Cpu.Ebx);
    }

    [Theory]
    [MemberData(nameof(ConditionStates))]
    public void CmovccMovesOnlyWhenTheConditionHolds(bool flat, uint flags, string expected)
    {
        var code = string.Join("\n", Conditions.Select((cc, i) =>
            $"mov eax, 0x1111_1111\ncmov{cc} eax, [0x2000]\nmov [0x700 + {i * 4}], eax\n" +
            $"mov ecx, 0x3333_3333\ncmov{cc} cx, bx\nmov [0x800 + {i * 4}], ecx"));
        var m = Run(flat, $"""
            mov dword [0x2000], 0x2222_2222
            mov ebx, 0x4444_5555
            {SetFlags(flat, flags)}
            {code}
            """);
        for (int i = 0; i < 16; i++)
        {
            bool taken = expected[i] == '1';
            Assert.True((taken ? 0x2222_2222u : 0x1111_1111u) == m.Memory.ReadUInt32(0x700 + (uint)i * 4), $"cmov{Conditions[i]} r32, m32 with flags {flags:X}");
            Assert.True((taken ? 0x3333_5555u : 0x3333_3333u) == m.Memory.ReadUInt32(0x800 + (uint)i * 4), $"cmov{Conditions[i]} r16, r16 with flags {flags:X}");
        }
        Assert.Equal(flags, Flags(m));
    }

    [Fact]
    public void CmovReadsItsMemorySourceEvenWhenTheConditionIsFalse()
    {
        // ZF = 1, so CMOVNZ does not move, but the word at DS:FFFF crosses the limit: #GP (vector 13).
        var m = Run(false, $"""
            {InstallHandler(false, 13)}
            mov ax, 0x1234
            {SetFlags(false, ZF)}
            fault_at: cmovnz ax, [0xFFFF]
            {HandlerTail}
            """);
        AssertFaulted(m, false, ZF);
        Assert.Equal(0x1234u, m.Cpu.Eax & 0xFFFF);
    }
}
