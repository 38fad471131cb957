using Xunit;
using static VirtLab.Engine.Tests.Instructions.CtrlGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>PUSH/POP (all forms), PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE. Expected values from the SDM's definitions, computed by hand.</summary>
public class StackTests
{
    // ---- PUSH / POP ------------------------------------------------------------------------

    [Fact]
    public void PushPopRegister16()
    {
        var (m, r) = Real("mov ax, 0x1234\npush ax\npop bx\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0x1234u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
        Assert.Equal(0x1234, Word(m, 0x7BFE));
    }

    [Fact]
    public void PushPopRegister32InRealModeMovesFourBytes()
    {
        var (m, _) = Real("mov eax, 0x89ABCDEF\npush eax\nmov dx, sp\npop ecx\nhlt");
        Assert.Equal(0x7BFCu, m.Cpu.Edx & 0xFFFF);
        Assert.Equal(0x89ABCDEFu, m.Cpu.Ecx);
        Assert.Equal(0x89ABCDEFu, Dword(m, 0x7BFC));
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void PushSpPushesTheValueBeforeThePush()
    {
        var (m, _) = Real("mov sp, 0x7000\npush sp\nhlt");
        Assert.Equal(0x6FFEu, m.Cpu.Esp);
        Assert.Equal(0x7000, Word(m, 0x6FFE));
    }

    [Fact]
    public void PushEspPushesTheValueBeforeThePush()
    {
        var (m, _) = Flat("push esp\nhlt");
        Assert.Equal(0x8FFCu, m.Cpu.Esp);
        Assert.Equal(0x9000u, Dword(m, 0x8FFC));
    }

    [Fact]
    public void PopSpLoadsThePoppedValue()
    {
        var (m, _) = Real("mov sp, 0x7000\npush word 0x5678\npop sp\nhlt");
        Assert.Equal(0x5678u, m.Cpu.Esp);
    }

    [Fact]
    public void PopEspLoadsThePoppedValue()
    {
        var (m, _) = Flat("push dword 0x00012344\npop esp\nhlt");
        Assert.Equal(0x00012344u, m.Cpu.Esp);
    }

    [Fact]
    public void PopMemoryAddressedByEspUsesTheIncrementedEsp()
    {
        // ESP 9000 -> push 11111111 (8FFC) -> push 22222222 (8FF8); pop [esp+4]: ESP becomes 8FFC first, so the write goes to 9000.
        var (m, _) = Flat("push dword 0x11111111\npush dword 0x22222222\npop dword [esp+4]\nhlt");
        Assert.Equal(0x8FFCu, m.Cpu.Esp);
        Assert.Equal(0x22222222u, Dword(m, 0x9000));
        Assert.Equal(0x11111111u, Dword(m, 0x8FFC));
    }

    [Fact]
    public void PopMemoryThatFaultsLeavesSpUnchanged()
    {
        // POP word [si] with SI = FFFF: the write straddles the DS limit, #GP(0); SP is restored before delivery (6 bytes pushed by the delivery).
        var (m, _) = Real("push word 0x4321\nmov si, 0xFFFF\nfault: pop word [si]\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7BFEu - 6, m.Cpu.Esp);
        Assert.Equal(0x4321, StackWord(m, 6));
    }

    [Fact]
    public void PushMemoryAddressedByEspReadsBeforeThePush()
    {
        var (m, _) = Flat("push dword 0xCAFEF00D\npush dword [esp]\nhlt");
        Assert.Equal(0x8FF8u, m.Cpu.Esp);
        Assert.Equal(0xCAFEF00Du, Dword(m, 0x8FF8));
    }

    [Fact]
    public void PushImmediate8IsSignExtendedToTheOperandSize()
    {
        var (m, _) = Real("push byte -2\nhlt");
        Assert.Equal(0xFFFE, Word(m, 0x7BFE));
        Assert.Equal(0x7BFEu, m.Cpu.Esp);
        var (f, _) = Flat("push byte -2\npush word 0x1234\nhlt");
        Assert.Equal(0xFFFFFFFEu, Dword(f, 0x8FFC));
        Assert.Equal(0x1234, Word(f, 0x8FFA));
        Assert.Equal(0x8FFAu, f.Cpu.Esp);
    }

    [Fact]
    public void PushSegmentRegisters16()
    {
        var (m, _) = Real("mov ax, 0x1234\nmov es, ax\npush es\npush cs\npush ss\nhlt");
        Assert.Equal(0x1234, Word(m, 0x7BFE));
        Assert.Equal(0x0000, Word(m, 0x7BFC));
        Assert.Equal(0x0000, Word(m, 0x7BFA));
    }

    [Fact]
    public void PushSegmentWith32BitOperandWritesOnlyTheLowWordAndMovesEspByFour()
    {
        // Documented choice (Pentium and later): the slot's upper word keeps its old bytes.
        var (m, _) = Flat("mov dword [0x8FFC], 0xFFFFFFFF\npush ds\npush fs\nhlt");
        Assert.Equal(0x8FF8u, m.Cpu.Esp);
        Assert.Equal(0xFFFF0010u, Dword(m, 0x8FFC));
    }

    [Fact]
    public void PopSegmentWith32BitOperandPopsFourBytes()
    {
        var (m, _) = Flat("push dword 0xABCD0010\npop es\nhlt");
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x10, m.Cpu.GetSegment(SegmentRegister.ES).Selector);
    }

    [Fact]
    public void PopSegmentInRealModeSetsTheBase()
    {
        var (m, _) = Real("push word 0x1234\npop ds\npush word 0x2000\npop ss\nhlt");
        Assert.Equal(0x12340u, m.Cpu.GetSegment(SegmentRegister.DS).Base);
        Assert.Equal(0x20000u, m.Cpu.GetSegment(SegmentRegister.SS).Base);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void PopSegmentInProtectedModeFaultsWithTheSelectorAndLeavesEsp()
    {
        // 0x50 lies beyond the GDT limit (0x4F): #GP(0x50); the pop did not happen (ESP 8FFC before delivery).
        var (m, _) = Flat("push dword 0x50\npop ds\nhlt");
        Assert.Equal(13, PmVector(m));
        Assert.Equal(0x50u, StackDword(m, 0));
        Assert.Equal(0x8FFCu - 16, m.Cpu.Esp);
        Assert.Equal(0x10, m.Cpu.GetSegment(SegmentRegister.DS).Selector);
    }

    // ---- stack faults ------------------------------------------------------------------------

    [Fact]
    public void PushWithSpOneShutsTheRealMode386Down()
    {
        // 386 manual, PUSH: "if SP or ESP is 1, the 80386 shuts down": the word straddles offset FFFF
        // (#SS), and delivering #SS needs the same stack: double fault, then shutdown.
        var (_, r) = Real("mov sp, 1\npush ax\nhlt");
        Assert.Equal(StopReason.TripleFault, r.StopReason);
    }

    [Fact]
    public void PushWithSpZeroWrapsInRealMode()
    {
        var (m, r) = Real("mov sp, 0\nmov ax, 0xBEEF\npush ax\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0xFFFEu, m.Cpu.Esp);
        Assert.Equal(0xBEEF, Word(m, 0xFFFE));
    }

    [Fact]
    public void PopAtTheProtectedModeStackLimitIsStackFault()
    {
        // SS = 0x18 (limit FFFF): POP at ESP = 10000 reads beyond the limit: #SS(0); delivery pushes below it.
        var (m, _) = Flat("mov ax, 0x18\nmov ss, ax\nmov esp, 0x10000\nfault: pop eax\nhlt");
        Assert.Equal(12, PmVector(m));
        Assert.Equal(0u, StackDword(m, 0));          // error code
        Assert.Equal(0x10000u + 11, StackDword(m, 4)); // EIP of the POP (after 66 B8 18 00, 8E D0, BC 00 00 01 00)
        Assert.Equal(0x10000u - 16, m.Cpu.Esp);
    }

    // ---- PUSHA / POPA ------------------------------------------------------------------------

    [Fact]
    public void PushaStoresEightRegistersWithTheOriginalSp()
    {
        var (m, _) = Real(@"
            mov ax, 0x1111
            mov cx, 0x2222
            mov dx, 0x3333
            mov bx, 0x4444
            mov bp, 0x5555
            mov si, 0x6666
            mov di, 0x7777
            pusha
            hlt");
        Assert.Equal(0x7C00u - 16, m.Cpu.Esp);
        ushort[] expected = { 0x7777, 0x6666, 0x5555, 0x7C00, 0x4444, 0x3333, 0x2222, 0x1111 };
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], Word(m, 0x7C00u - 16 + (uint)(2 * i)));
    }

    [Fact]
    public void PopaRestoresAllButSp()
    {
        var (m, _) = Real(@"
            push word 0xA1   ; AX
            push word 0xC1   ; CX
            push word 0xD1   ; DX
            push word 0xB1   ; BX
            push word 0x1234 ; SP slot: ignored
            push word 0xB2   ; BP
            push word 0x51   ; SI
            push word 0xD2   ; DI
            popa
            hlt");
        Assert.Equal(0x7C00u, m.Cpu.Esp);
        Assert.Equal(0xA1u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0xC1u, m.Cpu.Ecx & 0xFFFF);
        Assert.Equal(0xD1u, m.Cpu.Edx & 0xFFFF);
        Assert.Equal(0xB1u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0xB2u, m.Cpu.Ebp & 0xFFFF);
        Assert.Equal(0x51u, m.Cpu.Esi & 0xFFFF);
        Assert.Equal(0xD2u, m.Cpu.Edi & 0xFFFF);
    }

    [Fact]
    public void PushadPopadRoundTrip()
    {
        var (m, _) = Flat(@"
            mov eax, 0x10000001
            mov ecx, 0x20000002
            mov edx, 0x30000003
            mov ebx, 0x40000004
            mov ebp, 0x50000005
            mov esi, 0x60000006
            mov edi, 0x70000007
            pushad
            mov eax, [esp+12]   ; the ESP slot
            mov [0x3000], eax
            xor eax, eax
            xor ecx, ecx
            xor edx, edx
            xor ebx, ebx
            xor ebp, ebp
            xor esi, esi
            xor edi, edi
            mov dword [esp+12], 0xDEADBEEF
            popad
            hlt");
        Assert.Equal(0x9000u, Dword(m, 0x3000));
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x10000001u, m.Cpu.Eax);
        Assert.Equal(0x20000002u, m.Cpu.Ecx);
        Assert.Equal(0x30000003u, m.Cpu.Edx);
        Assert.Equal(0x40000004u, m.Cpu.Ebx);
        Assert.Equal(0x50000005u, m.Cpu.Ebp);
        Assert.Equal(0x60000006u, m.Cpu.Esi);
        Assert.Equal(0x70000007u, m.Cpu.Edi);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(15)]
    public void PushaWithSpSevenToFifteenOddIsGeneralProtectionInRealMode(int sp)
    {
        // SDM PUSHA, real-address mode: #GP if SP is 7, 9, 11, 13 or 15; nothing was written and SP is unchanged before delivery.
        var (m, _) = Real($"mov sp, {sp}\nfault: pusha\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal((uint)sp - 6, m.Cpu.Esp);
        Assert.Equal(0x7C03, StackWord(m, 0)); // IP of PUSHA (after BC xx xx)
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void PushaWithSpOneThreeFiveShutsDown(int sp)
    {
        var (_, r) = Real($"mov sp, {sp}\npusha\nhlt");
        Assert.Equal(StopReason.TripleFault, r.StopReason);
    }

    [Fact]
    public void PopaWithAWordStraddlingOffsetFfffIsStackFaultAndChangesNothing()
    {
        // SP = FFF1: the eighth word (AX) is at FFFF..10000: #SS(0) before any register changes.
        var (m, _) = Real("mov sp, 0xFFF1\nmov ax, 0x1111\nmov di, 0x2222\npopa\nhlt");
        Assert.Equal(12, RealVector(m));
        Assert.Equal(0x1111u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0x2222u, m.Cpu.Edi & 0xFFFF);
        Assert.Equal(0xFFF1u - 6, m.Cpu.Esp);
    }

    [Fact]
    public void PopaWrapsAroundOffsetZeroInRealMode()
    {
        // SP = FFFE: DI from FFFE, the rest from 0000..000C (word-aligned, no straddling); SP ends at 000E (as the 80286 vectors show too).
        var (m, r) = Real("mov word [0xFFFE], 0xD1D1\nmov word [0x000C], 0xA1A1\nmov sp, 0xFFFE\npopa\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0x000Eu, m.Cpu.Esp);
        Assert.Equal(0xD1D1u, m.Cpu.Edi & 0xFFFF);
        Assert.Equal(0xA1A1u, m.Cpu.Eax & 0xFFFF);
    }

    // ---- PUSHF / POPF ------------------------------------------------------------------------

    [Fact]
    public void PushfPushesFlags()
    {
        var (m, _) = Real("stc\nstd\npushf\npop ax\nhlt");
        Assert.Equal(0x0403u, m.Cpu.Eax & 0xFFFF); // CF, bit 1, DF
    }

    [Fact]
    public void PopfInRealModeWritesIoplAndNtOnA386()
    {
        // 0xFEFF popped (TF left clear so no single-step trap follows): every other defined low-word
        // flag set; bit 15 and bits 3, 5 stay 0, bit 1 stays 1.
        var (m, _) = Real("push word 0xFEFF\npopf\npushf\npop ax\nhlt");
        Assert.Equal(0x7ED7u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(3, m.Cpu.Iopl);
        Assert.Equal(0x7ED7u, m.Cpu.EFlags);
    }

    [Fact]
    public void PopfdInRealModeSetsAcAndIdButNotVmRfVifVip()
    {
        var (m, _) = Real("push dword 0xFFFFFEFF\npopfd\nhlt");   // TF clear: no single-step trap
        Assert.Equal(0x0024_7ED7u, m.Cpu.EFlags);
    }

    [Fact]
    public void Popf16KeepsTheUpperEflags()
    {
        var (m, _) = Real("push dword 0x00040000\npopfd\npush word 0\npopf\nhlt");
        Assert.Equal(0x0004_0002u, m.Cpu.EFlags);
    }

    [Fact]
    public void PushfdClearsVmAndRfInTheImage()
    {
        // IRETD (same privilege) loads RF from the image; PUSHFD then pushes EFLAGS with RF clear.
        var (m, _) = Flat(@"
            push dword 0x00010202
            push cs
            push dword next
            iretd
        next:
            pushfd
            pop eax
            hlt");
        Assert.Equal(0x0202u, m.Cpu.Eax);
        Assert.NotEqual(0u, m.Cpu.EFlags & 0x10000);
    }

    [Fact]
    public void PopfAtCplZeroChangesIoplAndIf()
    {
        var (m, _) = Flat("push dword 0x3202\npopfd\nhlt");
        Assert.Equal(3, m.Cpu.Iopl);
        Assert.True(m.Cpu.GetIF());
    }

    [Fact]
    public void PopfAtCplThreeKeepsIoplAndIfWhenCplAboveIopl()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Flat("push dword 0x3ED7\npopfd\nud2", monitor: rec, setup: Ring3);
        Assert.Equal(ExceptionVector.UD, rec.Vector); // stopped at the UD2 after POPFD
        Assert.Equal(0, m.Cpu.Iopl);
        Assert.False(m.Cpu.GetIF());
        Assert.Equal(0x0CD7u, m.Cpu.EFlags & 0xFFFF); // OF DF SF ZF AF PF CF and bit 1 from the image; IF and IOPL kept
    }

    [Fact]
    public void PopfAtCplThreeWithIoplThreeChangesIf()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Flat("push dword 0x0202\npopfd\nud2", monitor: rec, setup: mm => { Ring3(mm); mm.Cpu.EFlags = 0x3002; });
        Assert.Equal(ExceptionVector.UD, rec.Vector);
        Assert.Equal(3, m.Cpu.Iopl);        // IOPL unchanged at CPL 3
        Assert.True(m.Cpu.GetIF());          // CPL <= IOPL: IF from the image
    }

    [Fact]
    public void PushfAndPopfTellTheMonitor()
    {
        var rec = new ExceptionRecorder();
        Flat("pushfd\npopfd\nud2", monitor: rec);
        Assert.Contains(SensitiveKind.Pushf, rec.Sensitive);
        Assert.Contains(SensitiveKind.Popf, rec.Sensitive);
    }

    // ---- ENTER / LEAVE -----------------------------------------------------------------------

    [Fact]
    public void EnterLevelZeroAndLeave()
    {
        var (m, _) = Flat("mov ebp, 0x1234\nenter 8, 0\nmov eax, esp\nmov ebx, ebp\nleave\nhlt");
        Assert.Equal(0x8FFCu - 8, m.Cpu.Eax);
        Assert.Equal(0x8FFCu, m.Cpu.Ebx);
        Assert.Equal(0x1234u, Dword(m, 0x8FFC));
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x1234u, m.Cpu.Ebp);
    }

    [Fact]
    public void EnterLevelThreeCopiesFramePointers32()
    {
        // push EBP (8800) at 8FFC; frame = 8FFC; copy [87FC], [87F8]; push frame; EBP = 8FFC; ESP = 8FF0 - 10.
        var (m, _) = Flat(@"
            mov dword [0x87FC], 0xAAAA0001
            mov dword [0x87F8], 0xAAAA0002
            mov ebp, 0x8800
            enter 0x10, 3
            hlt");
        Assert.Equal(0x8FFCu, m.Cpu.Ebp);
        Assert.Equal(0x8FE0u, m.Cpu.Esp);
        Assert.Equal(0x8800u, Dword(m, 0x8FFC));
        Assert.Equal(0xAAAA0001u, Dword(m, 0x8FF8));
        Assert.Equal(0xAAAA0002u, Dword(m, 0x8FF4));
        Assert.Equal(0x8FFCu, Dword(m, 0x8FF0));
    }

    [Fact]
    public void EnterLevelTwo16AndLeave()
    {
        // SP 7C00, BP 7000: push BP at 7BFE; frame 7BFE; copy [6FFE]; push frame at 7BFA; SP = 7BFA - 4.
        var (m, _) = Real(@"
            mov word [0x6FFE], 0x1111
            mov bp, 0x7000
            enter 4, 2
            mov ax, sp
            mov bx, bp
            leave
            hlt");
        Assert.Equal(0x7BF6u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0x7BFEu, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0x7000, Word(m, 0x7BFE));
        Assert.Equal(0x1111, Word(m, 0x7BFC));
        Assert.Equal(0x7BFE, Word(m, 0x7BFA));
        Assert.Equal(0x7C00u, m.Cpu.Esp);
        Assert.Equal(0x7000u, m.Cpu.Ebp);
    }

    [Fact]
    public void EnterNestingLevelIsTakenModulo32()
    {
        // level 33 = level 1: push EBP, push frame.
        var (m, _) = Flat("mov ebp, 0x4444\nenter 0, 33\nhlt");
        Assert.Equal(0x8FF8u, m.Cpu.Esp);
        Assert.Equal(0x8FFCu, m.Cpu.Ebp);
        Assert.Equal(0x4444u, Dword(m, 0x8FFC));
        Assert.Equal(0x8FFCu, Dword(m, 0x8FF8));
    }

    [Fact]
    public void EnterBeyondTheStackLimitFaultsAndRestoresEspAndEbp()
    {
        // SS limit FFFF: final ESP = FC - 200 wraps beyond the limit: #SS(0) with ESP and EBP as before.
        var (m, _) = Flat("mov ax, 0x18\nmov ss, ax\nmov esp, 0x100\nmov ebp, 0x77\nenter 0x200, 0\nhlt");
        Assert.Equal(12, PmVector(m));
        Assert.Equal(0x100u - 16, m.Cpu.Esp);
        Assert.Equal(0x77u, m.Cpu.Ebp);
    }

    [Fact]
    public void LeaveWithBpAtTheLimitIsStackFault()
    {
        var (m, _) = Real("mov bp, 0xFFFF\nleave\nhlt");
        Assert.Equal(12, RealVector(m));
        Assert.Equal(0xFFFFu, m.Cpu.Ebp & 0xFFFF);
        Assert.Equal(0x7C00u - 6, m.Cpu.Esp);
    }

    [Fact]
    public void Leave16With32BitStackUsesEbp()
    {
        // Flat stack (B = 1): LEAVE sets ESP = EBP (32 bits) and pops BP (16 bits).
        var (m, _) = Flat("mov dword [0x5000], 0xAAAA1234\nmov ebp, 0x5000\no16 leave\nhlt");
        Assert.Equal(0x5002u, m.Cpu.Esp);
        Assert.Equal(0x1234u, m.Cpu.Ebp);
    }
}
