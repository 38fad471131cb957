using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

/// <summary>Machine checkpoints: restoring returns RAM, CPU and devices (PIC, PIT, console, POST) to the instant of the checkpoint, so the rest of the run repeats exactly.</summary>
public class CheckpointTests
{
    /// <summary>A real-mode guest with timer interrupts (PIC at 0x20, PIT mode 2 count 300) that prints a character per tick and stops after 40 ticks.</summary>
    private const string TimerGuest = @"bits 16
org 0x7C00
    cli
    mov word [0x20*4], tick
    mov word [0x20*4+2], 0
    mov al, 0x11
    out 0x20, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE
    out 0x21, al
    mov al, 0x34
    out 0x43, al
    mov ax, 300
    out 0x40, al
    mov al, ah
    out 0x40, al
    mov word [0x600], 0
    sti
spin:
    inc dword [0x604]
    cmp word [0x600], 40
    jb spin
    cli
    mov al, 0
    out 0xF4, al
tick:
    push ax
    inc word [0x600]
    mov al, [0x600]
    and al, 7
    add al, 'a'
    out 0xE9, al
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
";

    [Fact]
    public void RestoredMachineRepeatsTheRestOfTheRunExactly()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(TimerGuest));
        m.Run(5_000);
        var checkpoint = m.CreateCheckpoint();
        var first = m.Run(10_000_000);
        string consoleA = first.ConsoleText;
        uint spinsA = m.Memory.ReadUInt32(0x604);
        long retiredA = m.Cpu.InstructionsRetired;

        // Disturb everything, then go back.
        m.Memory.WriteUInt32(0x604, 0xDEAD);
        m.Cpu.Eax = 0x12345678;
        m.Pit.Write(0x43, 1, 0x34);
        m.RestoreCheckpoint(checkpoint);
        Assert.Equal(checkpoint.InstructionsRetired, m.Cpu.InstructionsRetired);
        var second = m.Run(10_000_000);

        Assert.Equal(StopReason.ExitPort, first.StopReason);
        Assert.Equal(StopReason.ExitPort, second.StopReason);
        Assert.Equal(consoleA, second.ConsoleText);
        Assert.Equal(spinsA, m.Memory.ReadUInt32(0x604));
        Assert.Equal(retiredA, m.Cpu.InstructionsRetired);
        Assert.Equal(40, consoleA.Length);
    }

    [Fact]
    public void CheckpointOfAPagedProtectedModeGuestRestoresTranslationState()
    {
        var m = new Machine();
        m.LoadRom(Nasm.Assemble(File.ReadAllText(Path.Combine(Differential.QemuDifferentialTests.RepoRoot, "Tests", "Guests", "bench", "mem-loop.asm")).Replace("%define PAGING 0", "%define PAGING 1").Replace("ITERATIONS equ 30000000", "ITERATIONS equ 20000")));
        m.Run(6_000);   // past the page-table fill loop: paging is on
        var checkpoint = m.CreateCheckpoint();
        var a = m.Run(1_000_000);
        var ramA = m.Memory.Read(0x100000, 0x10000);
        m.RestoreCheckpoint(checkpoint);
        Assert.True(m.Cpu.PagingEnabled);
        var b = m.Run(1_000_000);
        Assert.Equal(StopReason.ExitPort, a.StopReason);
        Assert.Equal(a.InstructionsRetired, b.InstructionsRetired);
        Assert.Equal(ramA, m.Memory.Read(0x100000, 0x10000));
    }

    [Fact]
    public void CheckpointFromAnotherMachineIsRejected()
    {
        var a = new Machine();
        var b = new Machine();
        var cp = a.CreateCheckpoint();
        var e = Assert.Throws<ArgumentException>(() => b.RestoreCheckpoint(cp));
        Assert.Contains("another machine", e.Message);
    }
}
