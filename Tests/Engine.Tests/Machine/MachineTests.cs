using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

public class MachineTests
{
    private static Machine Boot(string body, long budget = 100_000, uint ramSize = 16u << 20)
    {
        var m = new Machine(new MachineOptions { RamSize = ramSize });
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body + "\n"));
        m.Run(budget);
        return m;
    }

    [Fact]
    public void ResetStateMatchesTheSdm()
    {
        var m = new Machine();
        var cpu = m.Cpu;
        Assert.Equal(0xFFF0u, cpu.Eip);
        Assert.Equal(0xF000, cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(0xFFFF_0000u, cpu.GetSegment(SegmentRegister.CS).Base);
        Assert.Equal(0x6000_0010u, cpu.Cr0);
        Assert.Equal(2u, cpu.EFlags);
        Assert.Equal(CpuidInfo.Signature, cpu.Edx);
    }

    [Fact]
    public void RomRunsFromTheResetVectorAndItsAlias()
    {
        // 64 KiB ROM: the reset vector (offset FFF0) far-jumps to F000:0000, which writes POST codes and exits.
        var rom = Nasm.Assemble(@"bits 16
org 0
start: mov dx, 0x190
mov al, 0x11
out dx, al
mov al, 0x22
out dx, al
mov al, 'R'
out 0xE9, al
mov al, 7
out 0xF4, al
times 0xFFF0-($-$$) db 0xF4
jmp 0xF000:start
times 0x10000-($-$$) db 0xF4
");
        var m = new Machine();
        m.LoadRom(rom);
        var r = m.Run(1000);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal("R", r.ConsoleText);
        Assert.Equal(new byte[] { 0x11, 0x22 }, r.PostCodes);
        Assert.Equal(0xFFFF0u + 0, m.Memory.Regions.Single(x => x.Name == "rom").Base + 0xFFF0);
    }

    [Fact]
    public void UnmappedReadsReturnOnesAndWritesAreDroppedAndCounted()
    {
        var r = Boot(@"
mov eax, 0x12345678
mov bx, 0xFFFF
mov es, bx              ; ES:0010 = physical 0x100000, just past 1 MiB of RAM
mov [es:0x10], eax      ; dropped
mov ecx, [es:0x10]      ; reads all ones
out 0xF4, al", 1000, ramSize: 0x10_0000);
        Assert.Equal(0xFFFF_FFFFu, r.Cpu.Ecx);
        Assert.Equal(4, r.Memory.UnmappedWrites);
        Assert.Equal(4, r.Memory.UnmappedReads);
    }

    [Fact]
    public void ComOneTransmitsToTheConsoleAndReportsAnEmptyTransmitter()
    {
        var m = Boot(@"
mov dx, 0x3FD
in al, dx
mov bl, al
mov dx, 0x3F8
mov al, 'C'
out dx, al
out 0xF4, al", 1000);
        Assert.Equal("C", m.Console.Text);
        Assert.Equal(0x60u, m.Cpu.Ebx & 0xFF);
    }

    [Fact]
    public void BudgetStopsTheRunExactly()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nl: inc ax\njmp l\n"));
        var r = m.Run(1001);
        Assert.Equal(StopReason.BudgetExhausted, r.StopReason);
        Assert.Equal(1001, r.InstructionsRetired);
        Assert.Equal(501u, m.Cpu.Eax & 0xFFFF);
    }

    [Fact]
    public void BreakpointStopsBeforeTheInstruction()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\ninc ax\ninc ax\ntarget: inc bx\nout 0xF4, al\n"));
        m.Cpu.Breakpoints.Add(0x7C02);
        var r = m.Run(100);
        Assert.Equal(StopReason.Breakpoint, r.StopReason);
        Assert.Equal(0x7C02u, m.Cpu.Eip);
        Assert.Equal(0u, m.Cpu.Ebx);
        r = m.Run(100); // continuing steps over the breakpoint
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(1u, m.Cpu.Ebx);
    }

    [Fact]
    public void SelfModifyingCodeSeesTheNewBytes()
    {
        // The loop body's immediate is rewritten each pass; a stale decoded block would add 1 every time.
        var m = Boot(@"
xor ax, ax
mov cx, 3
again:
patch: add ax, 1
add byte [patch+2], 1   ; next pass adds 2, then 3
loop again
out 0xF4, al", 1000);
        Assert.Equal(6u, m.Cpu.Eax & 0xFFFF);
        Assert.True(m.Cpu.BlocksInvalidated > 0);
    }

    [Fact]
    public void SelfModifyingCodeInTheSameBlockTakesEffectAtTheNextInstruction()
    {
        var m = Boot(@"
mov byte [next+1], 0x42   ; change 'mov al, 0x11' into 'mov al, 0x42' just before it runs
next: mov al, 0x11
out 0xF4, al", 1000);
        Assert.Equal(0x42u, m.ExitPort.ExitCode);
    }

    [Fact]
    public void UnimplementedOrInvalidOpcodeRaisesUdThroughTheIvt()
    {
        // FPU escape with CR0.EM clear and no FPU: VirtLab has no x87, so it is #UD like any unknown opcode.
        var m = Boot(@"
mov word [6*4], handler
mov word [6*4+2], 0
db 0x0F, 0xFF          ; UD0
out 0xF4, al
handler:
mov al, 0x66
out 0xF4, al", 1000);
        Assert.Equal(0x66u, m.ExitPort.ExitCode);
    }

    [Fact]
    public void InstructionFetchPastTheRealModeLimitIsGp()
    {
        var m = new Machine();
        // inc ax at 0:FFFE is fine; mov al, 1 at 0:FFFF would cross offset FFFFh: #GP (interrupt 13) on a 386.
        m.Memory.Write(0xFFFE, new byte[] { 0x40, 0xB0, 0x01 });
        m.Memory.Write(13 * 4, new byte[] { 0x00, 0x05, 0, 0 });     // #GP handler at 0:0500
        m.Memory.Write(0x500, new byte[] { 0xB0, 0x0D, 0xE6, 0xF4 }); // mov al, 13 / out 0xF4, al
        m.Cpu.EnterRealMode(0, 0xFFFE, 0, 0x7000);
        var r = m.Run(10);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(13, r.ExitCode);
        Assert.Equal(0xFFFFu, m.Memory.ReadUInt16(0x7000 - 6)); // pushed IP: the instruction that crossed the limit
        Assert.Equal(0x0001u, m.Memory.ReadUInt16(0x7000 - 6) - 0xFFFEu); // ... which is the one after inc ax
    }
}

public class StepTests
{
    [Fact]
    public void StepExecutesExactlyOneInstruction()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nmov ax, 1\nmov bx, 2\nhlt\n"));
        var r = m.Step();
        Assert.Equal(StopReason.None, r.StopReason);
        Assert.Equal(1, r.InstructionsRetired);
        Assert.Equal(0x7C03u, m.Cpu.Eip);
        Assert.Equal(0u, m.Cpu.Ebx & 0xFFFF);
        m.Step();
        Assert.Equal(2u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(StopReason.Halted, m.Step().StopReason);
        Assert.Equal(StopReason.Halted, m.Run(10).StopReason); // stays halted: nothing can wake it
    }

    [Fact]
    public void SteppingAFaultDeliversItWithoutRetiringTheInstruction()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nud2\n"));
        m.Memory.Write(6 * 4, new byte[] { 0x00, 0x05, 0x00, 0x00 }); // #UD handler at 0:0500
        var r = m.Step();
        Assert.Equal(0, r.InstructionsRetired);
        Assert.Equal(0x500u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Memory.ReadUInt16(0x7C00 - 6)); // pushed IP = the UD2
    }

    [Fact]
    public void CurrentNamesTheLastInstructionExecuted()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nadd ax, bx\nout 0xF4, al\n"));
        m.Run(10);
        Assert.Equal("out 0F4h,al", m.Cpu.Current!.Text);
    }
}

public class CodeCacheLimitTests
{
    [Fact]
    public void ABlockDecodedUnderOneCsLimitIsNotReusedUnderAnother()
    {
        // Code at 0:7000 runs once with limit FFFF; then CS gets limit 7001 (same base, 16-bit):
        // the two-byte instruction at 7001 now crosses the limit and must raise #GP.
        var m = new Machine();
        m.Memory.Write(0x7000, new byte[] { 0x90, 0xB0, 0x01, 0xE6, 0xF4 }); // nop / mov al,1 / out F4,al
        m.Memory.Write(13 * 4, new byte[] { 0x00, 0x05, 0, 0 });            // #GP handler at 0:0500
        m.Memory.Write(0x500, new byte[] { 0xB0, 0x0D, 0xE6, 0xF4 });         // mov al,13 / out F4,al
        m.Cpu.EnterRealMode(0, 0x7000, 0, 0x6000);
        Assert.Equal(1, m.Run(10).ExitCode);
        var cs = m.Cpu.GetSegment(SegmentRegister.CS);
        cs.Limit = 0x7001;
        m.Cpu.SetSegment(SegmentRegister.CS, cs);
        m.Cpu.Eip = 0x7000;
        m.ExitPort.Reset();
        Assert.Equal(13, m.Run(10).ExitCode);
    }
}
