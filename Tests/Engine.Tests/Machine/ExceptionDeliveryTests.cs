using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

/// <summary>Exception delivery: the real-mode IVT, protected-mode interrupt gates, #DF and shutdown (SDM Vol. 3A 6.15, table 6-5; 20.1.4).</summary>
public class ExceptionDeliveryTests
{
    private static (Machine, RunResult) RunFlat(string body, long budget = 10_000)
    {
        var m = new Machine();
        m.Memory.LoadIntoRam(0x10000, Nasm.Assemble("bits 32\norg 0x10000\n" + body + "\n"));
        TestGuest.EnterFlat32(m, 0x10000);
        return (m, m.Run(budget));
    }

    [Fact]
    public void RealModeFaultPushesFlagsCsAndTheFaultingIp()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(@"bits 16
org 0x7C00
mov word [6*4], handler
mov word [6*4+2], 0
mov sp, 0x7000
stc
fault: ud2
handler:
mov bp, sp
mov ax, [bp]      ; IP
mov bx, [bp+2]    ; CS
mov cx, [bp+4]    ; FLAGS
out 0xF4, al
"));
        var r = m.Run(1000);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        uint faultIp = 0x7C00 + 13; // offset of 'fault:' (two movs of 6 bytes, mov sp 3 bytes... computed below)
        var listing = Nasm.Assemble("bits 16\norg 0x7C00\nmov word [6*4], 0\nmov word [6*4+2], 0\nmov sp, 0x7000\nstc\n");
        faultIp = 0x7C00 + (uint)listing.Length;
        Assert.Equal(faultIp, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(1u, m.Cpu.Ecx & 1);              // CF was set when pushed
        Assert.Equal(0x7000u - 6, m.Cpu.Esp & 0xFFFF);
        Assert.False(m.Cpu.GetIF());
    }

    [Fact]
    public void RealModeIvtLimitTooSmallEndsInShutdown()
    {
        // LIDT with limit 0: INT 3 cannot read its vector (#GP), nor can #GP or #DF: triple fault.
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(@"bits 16
org 0x7C00
lidt [idtr]
int3
out 0xF4, al
idtr: dw 0
dd 0
"));
        var r = m.Run(1000);
        Assert.Equal(StopReason.TripleFault, r.StopReason);
    }

    [Fact]
    public void ProtectedModeGateDeliversErrorCodeAndReturnAddress()
    {
        // IDT at 0x2000 with a 32-bit interrupt gate for #GP (13) to 'handler'. A far pointer into a
        // GDT slot beyond the limit faults with #GP(selector).
        var (m, _) = RunFlat(@"
mov edi, 0x2000 + 13*8
mov eax, handler
mov [edi], ax
mov word [edi+2], 0x08
mov word [edi+4], 0x8E00
shr eax, 16
mov [edi+6], ax
lidt [idtr]
mov esp, 0x9000
mov ax, 0x40
fault: mov ds, ax
out 0xF4, al
handler:
mov esi, [esp]      ; error code
mov ebx, [esp+4]    ; EIP
mov ecx, [esp+8]    ; CS
mov edx, esp
mov al, 0x0D
out 0xF4, al
idtr: dw 0x7FF
dd 0x2000
");
        Assert.Equal(0x0Du, m.ExitPort.ExitCode);
        Assert.Equal(0x40u, m.Cpu.Esi); // error code: the selector (index 8, TI=0), EXT=0
        Assert.Equal(0x08u, m.Cpu.Ecx);
        Assert.Equal(m.Cpu.Breakpoints.Count == 0 ? FaultAddress(m) : 0, m.Cpu.Ebx); // EIP of the faulting MOV DS
        Assert.Equal(0x9000u - 16, m.Cpu.Edx);
    }

    [Fact]
    public void ProtectedModeWithoutIdtTripleFaults()
    {
        var (m, r) = RunFlat(@"
lidt [idtr]
ud2
idtr: dw 0
dd 0
");
        Assert.Equal(StopReason.TripleFault, r.StopReason);
        Assert.Equal(StopReason.TripleFault, m.Run(10).StopReason); // shut down until reset
    }

    private static uint FaultAddress(Machine m)
    {
        // The MOV DS, AX is the instruction before the OUT that precedes 'handler'; find it by its bytes 8E D8.
        for (uint a = 0x10000; a < 0x10100; a++)
            if (m.Memory.ReadByte(a) == 0x8E && m.Memory.ReadByte(a + 1) == 0xD8) return a;
        return 0;
    }
}

public class InstructionLengthTests
{
    [Fact]
    public void AnInstructionLongerThanFifteenBytesIsGpNotUd()
    {
        var m = new Machine();
        m.LoadFlatImage(Support.Nasm.Assemble(@"bits 16
org 0x7C00
mov word [13*4], gp
mov word [13*4+2], 0
mov word [6*4], ud
mov word [6*4+2], 0
mov sp, 0x7000
times 15 db 0x66
nop
out 0xF4, al
gp: mov al, 13
out 0xF4, al
ud: mov al, 6
out 0xF4, al
"));
        Assert.Equal(13, m.Run(100).ExitCode);
    }

    [Fact]
    public void FourteenPrefixesAndAnOpcodeAreFifteenBytesAndRun()
    {
        var m = new Machine();
        m.LoadFlatImage(Support.Nasm.Assemble("bits 16\norg 0x7C00\ntimes 14 db 0x66\nnop\nmov al, 1\nout 0xF4, al\n"));
        Assert.Equal(1, m.Run(100).ExitCode);
    }
}
