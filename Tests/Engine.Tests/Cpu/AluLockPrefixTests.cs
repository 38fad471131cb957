using Xunit;
using static VirtLab.Engine.Tests.Instructions.AluGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// The forms of the shift/rotate, bit, multiply/divide and BCD families that decode but are invalid:
/// a LOCK prefix on anything but BTS/BTR/BTC with a memory destination raises #UD (SDM Vol. 2 LOCK:
/// "#UD if the LOCK prefix is used with an instruction not listed, or the destination is not memory").
/// </summary>
public class AluLockPrefixTests
{
    [Theory]
    [InlineData("lock bts eax, 1")]
    [InlineData("lock btr eax, ecx")]
    [InlineData("lock bt dword [0x500], 1")]
    [InlineData("lock shl byte [0x500], 1")]
    [InlineData("lock rcr word [0x500], cl")]
    [InlineData("lock shld [0x500], ax, 1")]
    [InlineData("lock bsf eax, [0x500]")]
    [InlineData("lock mul ecx")]
    [InlineData("lock idiv dword [0x500]")]
    [InlineData("lock imul eax, [0x500], 3")]
    [InlineData("lock daa")]
    [InlineData("lock aam")]
    [InlineData("lock sete byte [0x500]")]
    [InlineData("lock cmove eax, [0x500]")]
    public void LockOnANonLockableFormIsInvalidOpcode(string insn)
    {
        foreach (bool flat in new[] { false, true })
        {
            var m = Run(flat, $"""
                mov dword [0x500], 0x0000_8001
                {InstallHandler(flat, 6)}
                fault_at: {insn}
                {HandlerTail}
                """, 0x1234_5678u, ecx: 1, flags: SF | PF);
            AssertFaulted(m, flat, SF | PF);
            Assert.Equal(0x1234_5678u, m.Cpu.Eax);
            Assert.Equal(0x0000_8001u, m.Memory.ReadUInt32(0x500));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LockedBitTestAndModifyOnMemoryIsValid(bool flat)
    {
        var m = Run(flat, """
            mov dword [0x500], 0x0000_8001
            mov ecx, 33
            lock bts dword [0x500], 4
            lock btr dword [0x500], 0
            lock btc dword [0x4FC], ecx    ; dword at 0x500, bit 1
            """);
        Assert.Equal(0x0000_8012u, m.Memory.ReadUInt32(0x500));
    }
}
