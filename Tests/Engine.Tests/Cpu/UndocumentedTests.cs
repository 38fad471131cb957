using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Instructions;

public class UndocumentedTests
{
    [Fact]
    public void SalcCopiesCarryIntoAl()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nstc\ndb 0xD6\nmov bl, al\nclc\ndb 0xD6\nmov bh, al\nout 0xF4, al\n"));
        m.Run(100);
        Assert.Equal(0x00FFu, m.Cpu.Ebx & 0xFFFF);
    }

    [Fact]
    public void Int1IsADebugTrapReturningAfterTheInstruction()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(@"bits 16
org 0x7C00
mov word [1*4], handler
mov word [1*4+2], 0
mov sp, 0x7000
db 0xF1
after: out 0xF4, al
handler: mov bp, sp
mov ax, [bp]
mov al, 1
out 0xF4, al
"));
        var r = m.Run(100);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(0x7C00u + 16, m.Memory.ReadUInt16(0x7000 - 6)); // IP of after: 6+6+3 bytes of setup, then F1
    }
}
