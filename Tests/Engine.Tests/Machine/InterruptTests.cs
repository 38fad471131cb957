using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

/// <summary>
/// External interrupts through the machine's 8259A pair and 8254 (SDM Vol. 3A 6.8; Intel 8259A and
/// 82C54 datasheets): IRQ 0 from PIT channel 0 driven by virtual time, the vector from ICW2, EOI,
/// masks, HLT waiting for the next interrupt, the one-instruction shadow after STI, and the rule
/// that an uninitialized PIC never interrupts the CPU. Real-mode guests at 0:7C00.
/// </summary>
public class InterruptTests
{
    /// <summary>PIC master at vectors 0x20-0x27 (edge, cascade, 8086 mode), slave at 0x28, all masked but IRQ 0.</summary>
    private const string InitPic = @"
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0x21, al
    out 0xA1, al
    mov al, 0xFE
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
";

    /// <summary>PIT channel 0, mode 2, count <paramref name="count"/>.</summary>
    private static string ProgramPit(int count, int mode = 2) => $@"
    mov al, 0x30 | ({mode} << 1)
    out 0x43, al
    mov al, {count & 0xFF}
    out 0x40, al
    mov al, {count >> 8}
    out 0x40, al
";

    private const string TickHandler = @"
tick:
    inc word [0x600]
    push ax
    mov al, 0x20
    out 0x20, al       ; non-specific EOI
    pop ax
    iret
";

    private static Machine Run(string body, long budget = 2_000_000)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body + "\n"));
        m.Run(budget);
        return m;
    }

    [Fact]
    public void HltWakesOnTimerInterruptsThroughTheVectorFromIcw2()
    {
        string body = "cli\nmov word [0x20*4], tick\nmov word [0x20*4+2], 0\nmov word [0x600], 0\n" + InitPic + ProgramPit(1000) + @"
    sti
idle:
    hlt
    cmp word [0x600], 5
    jb idle
    cli
    mov al, 0
    out 0xF4, al
" + TickHandler;
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(5, m.Memory.ReadUInt16(0x600));
        Assert.Equal(5, m.Cpu.ExternalInterrupts);
        Assert.True(m.Cpu.IdleTime > 0);                 // HLT skipped virtual time to the timer edges
    }

    [Fact]
    public void TimerInterruptsAreDeterministicRunToRun()
    {
        string body = "cli\nmov word [0x20*4], tick\nmov word [0x20*4+2], 0\nmov word [0x600], 0\n" + InitPic + ProgramPit(100) + @"
    sti
    xor cx, cx
spin:
    inc cx
    cmp word [0x600], 20
    jb spin
    cli
    mov [0x602], cx
    mov al, 0
    out 0xF4, al
" + TickHandler;
        var a = Run(body);
        var b = Run(body);
        Assert.Equal(0u, a.ExitPort.ExitCode);
        Assert.Equal(a.Memory.ReadUInt16(0x602), b.Memory.ReadUInt16(0x602));
        Assert.Equal(a.Cpu.InstructionsRetired, b.Cpu.InstructionsRetired);
        // Mode 2 with count 100 at 8 instructions per PIT tick: one interrupt per 800 instructions of virtual time.
        Assert.InRange(a.Cpu.InstructionsRetired, 20 * 800 - 800, 20 * 800 + 2000);
    }

    [Fact]
    public void MaskedIrqIsNotDeliveredAndHltWithoutWakeSourceStops()
    {
        string body = "cli\nmov word [0x20*4], tick\nmov word [0x20*4+2], 0\n" + InitPic + "mov al, 0xFF\nout 0x21, al\n" + ProgramPit(100) + "sti\nhlt\nmov al, 0x55\nout 0xF4, al\n" + TickHandler;
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body));
        var r = m.Run(100_000);
        // Every IRQ masked: the PIT keeps ticking but INTR never rises. HLT waits in virtual time, which
        // counts against the budget, so the run ends instead of idling forever.
        Assert.Equal(0, m.Cpu.ExternalInterrupts);
        Assert.Null(m.ExitPort.ExitCode);
        Assert.Equal(StopReason.BudgetExhausted, r.StopReason);
        Assert.True(m.Cpu.IdleTime > 0);
    }

    [Fact]
    public void HltWithInterruptsDisabledStopsTheRun()
    {
        string body = "cli\n" + InitPic + ProgramPit(100) + "hlt\nmov al, 1\nout 0xF4, al";
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\n" + body));
        var r = m.Run(100_000);
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Null(m.ExitPort.ExitCode);
    }

    [Fact]
    public void UninitializedPicNeverInterrupts()
    {
        // Power-on PIT counter 0 runs (mode 3, count 65536) and IRQ 0 is unmasked, but the guest never
        // wrote ICW1: INTR is not connected (as in QEMU, whose local APIC masks the PIC after reset).
        var m = Run("mov word [0], 0xBEEF\nsti\nmov ecx, 3000000\nspin: a32 loop spin\nmov al, 0x33\nout 0xF4, al", budget: 10_000_000);
        Assert.Equal(0x33u, m.ExitPort.ExitCode);
        Assert.Equal(0, m.Cpu.ExternalInterrupts);
    }

    [Fact]
    public void StiShadowDelaysTheInterruptByOneInstruction()
    {
        // IRQ 0 is already pending when STI runs: the instruction after STI still executes first
        // (it sets a flag the handler records).
        string body = "cli\nmov word [0x20*4], rec\nmov word [0x20*4+2], 0\n" + InitPic + ProgramPit(200) + @"
    mov cx, 3000
delay: loop delay              ; let IRQ 0 become pending with IF = 0 (mode 2: OUT rises after 200 PIT ticks
                               ; = 1,600 instructions and stays high, the request pending, for 199 more)
    mov byte [0x610], 0
    sti
    mov byte [0x610], 1        ; runs in the STI shadow
    nop
    hlt
rec:
    mov al, [0x610]
    mov [0x611], al
    mov al, 0
    out 0xF4, al
";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(1, m.Memory.ReadByte(0x611));
    }

    [Fact]
    public void InterruptFlagSetByPopfIsSampledWithoutShadow()
    {
        string body = "cli\nmov word [0x20*4], rec\nmov word [0x20*4+2], 0\n" + InitPic + ProgramPit(200) + @"
    mov cx, 3000
delay: loop delay
    mov byte [0x610], 0
    pushf
    pop ax
    or ax, 0x200
    push ax
    popf
    mov byte [0x610], 1        ; not reached before the interrupt: POPF has no shadow
    hlt
rec:
    mov al, [0x610]
    mov [0x611], al
    mov al, 0
    out 0xF4, al
";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0, m.Memory.ReadByte(0x611));
    }

    [Fact]
    public void ProtectedModeInterruptFromRing3UsesTheTssStack()
    {
        // Covered end to end by Tests/Guests/pm/pit_pic.asm and rings.asm (ProtectedModeRomEngineTests);
        // here: the external interrupt pushes EXT-free frames and clears IF through an interrupt gate.
        var m = TestGuest.Flat32(@"
    mov edi, 0x2000 + 0x20*8
    mov eax, handler
    mov [edi], ax
    mov word [edi+2], 0x08
    mov word [edi+4], 0x8E00
    shr eax, 16
    mov [edi+6], ax
    lidt [idtr]
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
    mov al, 50
    out 0x40, al
    xor al, al
    out 0x40, al
    sti
    hlt
    jmp $
handler:
    pushfd
    pop ebx
    mov ecx, [esp + 8]     ; saved EFLAGS: IF was 1
    mov al, 0
    out 0xF4, al
idtr: dw 0x7FF
    dd 0x2000");
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx & 0x200);
        Assert.Equal(0x200u, m.Cpu.Ecx & 0x200);
    }
}
