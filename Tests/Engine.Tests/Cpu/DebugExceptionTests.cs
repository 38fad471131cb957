using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.CpuTests;

/// <summary>
/// Debug exceptions (SDM Vol. 3A 17.2-17.3.1): the single-step trap after the instruction that ran
/// with TF set (DR6.BS), instruction breakpoints as faults before the instruction (DR6.B0-B3,
/// suppressed by RF), data breakpoints as traps after the access, and the MOV SS shadow.
/// The #DB handler stores the saved EIP in ECX and DR6 in EDX, then exits with code 1.
/// </summary>
public class DebugExceptionTests
{
    private const string Prelude = @"
    mov edi, 0x2000 + 1*8
    mov eax, db_handler
    mov [edi], ax
    mov word [edi+2], 0x08
    mov word [edi+4], 0x8E00
    shr eax, 16
    mov [edi+6], ax
    lidt [idtr]
    mov esp, 0x9000
    jmp body
db_handler:
    mov ecx, [esp]
    mov edx, dr6
    mov al, 1
    out 0xF4, al
    hlt
idtr: dw 0x7FF
    dd 0x2000
body:
";

    private static Machine Run(string body) => TestGuest.Flat32(Prelude + body + "\nhlt", 10_000);

    private static uint Label(string body, string label)
    {
        var bytes = Nasm.Assemble("bits 32\norg 0x10000\n" + Prelude + body + "\nhlt\ndd " + label + "\n");
        return BitConverter.ToUInt32(bytes, bytes.Length - 4);
    }

    [Fact]
    public void SingleStepTrapsAfterTheInstructionFollowingThePopfThatSetTf()
    {
        const string body = "pushfd\nor dword [esp], 0x100\npopfd\nmov ebx, 0x61\nnext: mov ebx, 0x99";
        var m = Run(body);
        Assert.Equal(1u, m.ExitPort.ExitCode);
        Assert.Equal(0x61u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "next"), m.Cpu.Ecx);
        Assert.Equal(0x4000u, m.Cpu.Edx & 0x400F);
        Assert.False(m.Cpu.GetTF()); // cleared on delivery
    }

    [Fact]
    public void MovSsDefersTheSingleStepTrapByOneInstruction()
    {
        const string body = "mov ax, ss\npushfd\nor dword [esp], 0x100\npopfd\nmov ss, ax\nmov ebx, 1\nnext: nop";
        var m = Run(body);
        // The first instruction run with TF is MOV SS: its trap is held over and comes after MOV EBX.
        Assert.Equal(1u, m.ExitPort.ExitCode);
        Assert.Equal(1u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "next"), m.Cpu.Ecx);
    }

    [Fact]
    public void InstructionBreakpointFaultsBeforeTheInstruction()
    {
        const string body = "mov eax, target\nmov dr0, eax\nmov eax, 1\nmov dr7, eax\nxor ebx, ebx\ntarget: mov ebx, 5";
        var m = Run(body);
        Assert.Equal(1u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);                         // not executed
        Assert.Equal(Label(body, "target"), m.Cpu.Ecx);      // a fault: EIP of the breakpointed instruction
        Assert.Equal(0x1u, m.Cpu.Edx & 0x400F);
    }

    [Fact]
    public void DataWriteBreakpointTrapsAfterTheWrite()
    {
        const string body = "mov eax, 0x7000\nmov dr1, eax\nmov eax, 0x00D00004\nmov dr7, eax\nmov dword [0x7000], 0x1234\nafter: nop";
        var m = Run(body);
        Assert.Equal(1u, m.ExitPort.ExitCode);
        Assert.Equal(0x1234u, m.Memory.ReadUInt32(0x7000));
        Assert.Equal(Label(body, "after"), m.Cpu.Ecx);
        Assert.Equal(0x2u, m.Cpu.Edx & 0x400F);
    }

    [Fact]
    public void WriteBreakpointIgnoresReadsButReadWriteBreakpointCatchesThem()
    {
        const string body = @"
mov eax, 0x7002
mov dr2, eax
mov eax, 0x0D000010        ; L2, RW2 = 01 (write), LEN2 = 11 (dword: 7000-7003)
mov dr7, eax
mov ebx, [0x7000]          ; a read: no trap
mov eax, 0x0F000010        ; RW2 = 11 (read or write)
mov dr7, eax
mov ebx, [0x7003]          ; a read overlapping 7003: trap
after: nop";
        var m = Run(body);
        Assert.Equal(1u, m.ExitPort.ExitCode);
        Assert.Equal(Label(body, "after"), m.Cpu.Ecx);
        Assert.Equal(0x4u, m.Cpu.Edx & 0x400F);
    }

    [Fact]
    public void DisabledBreakpointsDoNothing()
    {
        const string body = "mov eax, target\nmov dr0, eax\nxor eax, eax\nmov dr7, eax\ntarget: mov ebx, 5\nmov al, 0\nout 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(5u, m.Cpu.Ebx);
    }
}
