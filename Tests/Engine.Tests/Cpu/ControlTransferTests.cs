using Xunit;
using static VirtLab.Engine.Tests.Instructions.CtrlGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>
/// JMP/CALL/RET near and far, INT n/INT3/INTO, IRET, BOUND, HLT, PAUSE, UD2. Addresses are laid out
/// by hand (instruction lengths in the comments; <c>times</c> pads code to fixed offsets); expected
/// values follow the SDM's definitions.
/// </summary>
public class ControlTransferTests
{
    private const string At7D00 = "times 0x100-($-$$) db 0"; // real-mode guests: the next byte is at 0000:7D00
    private const string At7E00 = "times 0x200-($-$$) db 0";
    private const string At10100 = "times 0x100-($-$$) db 0"; // flat guests: the next byte is at 0x10100

    // ---- CALL / RET / JMP near --------------------------------------------------------------

    [Fact]
    public void CallNearPushesTheReturnAddressAndRetReturns()
    {
        var (m, r) = Real($@"
            call 0x7D00      ; E8 rel16, 3 bytes: returns to 7C03
            mov bx, 1
            hlt
            {At7D00}
            mov bp, sp
            mov ax, [bp]
            ret");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0x7C03u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(1u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void CallNear32PushesEip()
    {
        var (m, _) = Flat($@"
            call func        ; E8 rel32, 5 bytes: returns to 10005
            hlt
            {At10100}
        func:
            mov eax, [esp]
            ret");
        Assert.Equal(0x10005u, m.Cpu.Eax);
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x10006u, m.Cpu.Eip);
    }

    [Fact]
    public void CallAndJmpThroughRegister16()
    {
        var (m, _) = Real($@"
            mov ax, 0x7D00   ; 3 bytes
            call ax          ; FF D0 at 7C03: returns to 7C05
            mov bx, 0x7E00
            jmp bx
            {At7D00}
            mov bp, sp
            mov dx, [bp]
            ret
            {At7E00}
            hlt");
        Assert.Equal(0x7C05u, m.Cpu.Edx & 0xFFFF);
        Assert.Equal(0x7E01u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void CallThroughMemory32()
    {
        var (m, _) = Flat($@"
            mov dword [0x3000], func   ; C7 05 disp32 imm32: 10 bytes
            call [0x3000]              ; FF 15 disp32 at 1000A: returns to 10010
            hlt
            {At10100}
        func:
            mov eax, [esp]
            ret");
        Assert.Equal(0x10010u, m.Cpu.Eax);
        Assert.Equal(0x10011u, m.Cpu.Eip);
    }

    [Fact]
    public void CallThroughEspReadsTheTargetBeforeThePush()
    {
        var (m, _) = Flat($@"
            push dword func
            call [esp]       ; target read at ESP = 8FFC, then the return address goes to 8FF8
            hlt
            {At10100}
        func:
            mov ebx, esp
            ret");
        Assert.Equal(0x8FF8u, m.Cpu.Ebx);
        Assert.Equal(0x8FFCu, m.Cpu.Esp);
    }

    [Fact]
    public void JmpThroughMemory32()
    {
        var (m, _) = Flat($@"
            mov dword [0x3000], target
            jmp [0x3000]
            hlt
            {At10100}
        target:
            hlt");
        Assert.Equal(0x10101u, m.Cpu.Eip);
    }

    [Fact]
    public void RetImmediateReleasesParameters()
    {
        var (m, _) = Real($@"
            push word 1
            push word 2
            call 0x7D00
            hlt
            {At7D00}
            ret 4");
        Assert.Equal(0x7C00u, m.Cpu.Esp);
        var (f, _) = Flat($@"
            push dword 1
            push dword 2
            call func
            hlt
            {At10100}
        func:
            ret 8");
        Assert.Equal(0x9000u, f.Cpu.Esp);
    }

    [Fact]
    public void NearJumpBeyondTheRealModeCsLimitIsGeneralProtection()
    {
        // 66 B8 00 00 01 00 (6 bytes), then JMP EAX at 7C06: target 10000 > CS limit FFFF: #GP(0), a fault.
        var (m, _) = Real("mov eax, 0x10000\njmp eax\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C06, StackWord(m, 0));
        Assert.Equal(0x7C00u - 6, m.Cpu.Esp);
    }

    [Fact]
    public void NearCallBeyondTheCsLimitFaultsBeforePushing()
    {
        var (m, _) = Real("mov eax, 0x10000\ncall eax\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C06, StackWord(m, 0));
        Assert.Equal(0x7C00u - 6, m.Cpu.Esp);
    }

    [Fact]
    public void NearReturnBeyondTheCsLimitFaultsWithoutPopping()
    {
        // 66 68 00 00 01 00 (6 bytes), then 66 C3 at 7C06.
        var (m, _) = Real("push dword 0x10000\no32 ret\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C06, StackWord(m, 0));
        Assert.Equal(0x7BFCu - 6, m.Cpu.Esp);
    }

    [Fact]
    public void NearReturnWithSpAtTheLimitIsStackFault()
    {
        var (m, _) = Real("mov sp, 0xFFFF\nret\nhlt");
        Assert.Equal(12, RealVector(m));
        Assert.Equal(0x7C03, StackWord(m, 0));
        Assert.Equal(0xFFFFu - 6, m.Cpu.Esp);
    }

    [Fact]
    public void NearJumpBeyondAProtectedModeCsLimitIsGeneralProtection()
    {
        // JMP 0x28:7 (EA, 7 bytes) enters the 64 KiB code segment based at 0x10000; then
        // MOV EAX (5 bytes) and JMP EAX at offset 0xC: target 0x10000 > limit FFFF: #GP(0).
        var (m, _) = Flat("jmp 0x28:7\nmov eax, 0x10000\njmp eax\nhlt");
        Assert.Equal(13, PmVector(m));
        Assert.Equal(0u, StackDword(m, 0));      // error code
        Assert.Equal(0xCu, StackDword(m, 4));    // EIP
        Assert.Equal(0x28u, StackDword(m, 8));   // CS
    }

    // ---- JMP / CALL / RETF far --------------------------------------------------------------

    [Fact]
    public void JmpFarDirectInRealMode()
    {
        var (m, _) = Real($"jmp 0x07D0:0x0000\nhlt\n{At7D00}\nhlt");
        Assert.Equal(0x07D0, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(0x7D00u, m.Cpu.GetSegment(SegmentRegister.CS).Base);
        Assert.Equal(1u, m.Cpu.Eip);
    }

    [Fact]
    public void JmpFarIndirectInRealMode()
    {
        var (m, _) = Real($"mov word [0x600], 0\nmov word [0x602], 0x07D0\njmp far [0x600]\nhlt\n{At7D00}\nhlt");
        Assert.Equal(0x07D0, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(1u, m.Cpu.Eip);
    }

    [Fact]
    public void JmpFarIndirectWithThePointerAtTheSegmentLimitIsGeneralProtection()
    {
        // m16:16 at DS:FFFF: the pointer crosses the limit: #GP(0).
        var (m, _) = Real("mov bx, 0xFFFF\njmp far [bx]\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C03, StackWord(m, 0));
    }

    [Fact]
    public void JmpFarWithARegisterOperandIsUndefined()
    {
        var (m, _) = Real("db 0xFF, 0xE8\nhlt"); // FF /5 with mod = 11
        Assert.Equal(6, RealVector(m));
        Assert.Equal(0x7C00, StackWord(m, 0));
    }

    [Fact]
    public void CallFarAndRetfInRealMode()
    {
        var (m, r) = Real($@"
            call 0x07D0:0x0000   ; 9A, 5 bytes: returns to 0000:7C05
            hlt
            {At7D00}
            mov bp, sp
            mov ax, [bp]
            mov bx, [bp+2]
            retf");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0x7C05u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(0x7C06u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void CallFarIndirectAndRetfImmediateInRealMode()
    {
        var (m, _) = Real($@"
            mov word [0x600], 0
            mov word [0x602], 0x07D0
            push word 0x1111
            push word 0x2222
            call far [0x600]
            hlt
            {At7D00}
            retf 4");
        Assert.Equal(0x7C00u, m.Cpu.Esp);
        Assert.Equal(0, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
    }

    [Fact]
    public void CallFar32InRealModePushesCsZeroExtended()
    {
        // JMP 07C0:0005 (5 bytes); MOV dword [7BFC], -1 (9 bytes, offset 5); CALL dword 07D0:0 (8 bytes, offset 0E): returns to 07C0:0016.
        var (m, _) = Real($@"
            jmp 0x07C0:5
            mov dword [0x7BFC], 0xFFFFFFFF
            call dword 0x07D0:0
            hlt
            {At7D00}
            mov bp, sp
            mov eax, [bp]
            mov ebx, [bp+4]
            o32 retf");
        Assert.Equal(0x16u, m.Cpu.Eax);
        Assert.Equal(0x07C0u, m.Cpu.Ebx);
        Assert.Equal(0x07C0, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(0x17u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void CallFarWithoutStackRoomFaultsBeforeChangingAnything()
    {
        // SP = 7: CS would go to 0003..0006, EIP to FFFF..0002 (straddles): #SS(0) with nothing pushed;
        // the delivery's own 6 bytes fit (5, 3, 1).
        var (m, _) = Real("mov sp, 7\ncall dword 0x07D0:0\nhlt");
        Assert.Equal(12, RealVector(m));
        Assert.Equal(1u, m.Cpu.Esp);
        Assert.Equal(0x7C03, StackWord(m, 0));
        Assert.Equal(0, StackWord(m, 2));
    }

    [Fact]
    public void CallFar32BeyondTheRealModeCsLimitIsGeneralProtection()
    {
        var (m, _) = Real("call dword 0x0000:0x00010000\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C00, StackWord(m, 0));
        Assert.Equal(0x7C00u - 6, m.Cpu.Esp);
    }

    [Fact]
    public void CallFarAndRetfInProtectedMode()
    {
        var (m, _) = Flat($@"
            call 0x08:func   ; 9A, 7 bytes: returns to 10007
            hlt
            {At10100}
        func:
            mov eax, [esp]
            mov ebx, [esp+4]
            retf");
        Assert.Equal(0x10007u, m.Cpu.Eax);
        Assert.Equal(0x08u, m.Cpu.Ebx);
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x10008u, m.Cpu.Eip);
    }

    [Fact]
    public void CallFarInto16BitCodeAndBack()
    {
        // 0x30: 16-bit code based at 0x10000, so offset 0x100 is 0x10100. The 32-bit call is returned by O32 RETF.
        var (m, _) = Flat($@"
            call 0x30:0x100
            hlt
            {At10100}
            bits 16
            mov ecx, esp
            mov eax, [esp]
            mov ebx, [esp+4]
            o32 retf");
        Assert.Equal(0x10007u, m.Cpu.Eax);
        Assert.Equal(0x08u, m.Cpu.Ebx);
        Assert.Equal(0x8FF8u, m.Cpu.Ecx);
        Assert.Equal(0x08, m.Cpu.GetSegment(SegmentRegister.CS).Selector);
        Assert.Equal(0x10008u, m.Cpu.Eip);
    }

    [Theory]
    [InlineData("jmp 0x10:0", 13, 0x10u)]   // a data segment
    [InlineData("jmp 0x00:0", 13, 0x00u)]   // null selector
    [InlineData("jmp 0x50:0", 13, 0x50u)]   // beyond the GDT limit
    [InlineData("jmp 0x20:0", 11, 0x20u)]   // not present
    [InlineData("jmp 0x38:0", 13, 0x38u)]   // DPL 3 non-conforming from CPL 0
    [InlineData("call 0x20:0", 11, 0x20u)]
    [InlineData("call 0x10:0", 13, 0x10u)]
    [InlineData("jmp 0x28:0x10000", 13, 0u)] // offset beyond the target's limit
    public void FarTransferToABadSelectorFaultsWithNothingPushed(string insn, int vector, uint errorCode)
    {
        var (m, _) = Flat(insn + "\nhlt");
        Assert.Equal(vector, PmVector(m));
        Assert.Equal(errorCode, StackDword(m, 0));
        Assert.Equal(0x10000u, StackDword(m, 4));
        Assert.Equal(0x9000u - 16, m.Cpu.Esp);
    }

    [Fact]
    public void RetfWithANullSelectorIsGeneralProtectionZero()
    {
        var (m, _) = Flat("push dword 0\npush dword 0x10000\nretf\nhlt");
        Assert.Equal(13, PmVector(m));
        Assert.Equal(0u, StackDword(m, 0));
        Assert.Equal(0x8FF8u - 16, m.Cpu.Esp);
    }

    [Fact]
    public void RetfToAnOuterPrivilegeLevelPopsSsEspAndNullsInnerDataSegments()
    {
        // SDM RET: RPL 3 > CPL 0 pops SS:ESP as well (imm16 released on both stacks); DS (0x10, DPL 0)
        // may not be used at CPL 3 and is nulled; FS keeps the DPL-3 data segment 0x43.
        var (m, _) = Flat("mov ax, 0x43\nmov fs, ax\npush dword 0x43\npush dword 0x7000\npush dword 0x3B\npush dword target\nretf\ntarget: nop", budget: 7);
        Assert.Equal(3, m.Cpu.Cpl);
        Assert.Equal((ushort)0x3B, m.Cpu.Segments[(int)SegmentRegister.CS].Selector);
        Assert.Equal((ushort)0x43, m.Cpu.Segments[(int)SegmentRegister.SS].Selector);
        Assert.Equal(0x7000u, m.Cpu.Esp);
        Assert.True(m.Cpu.Segments[(int)SegmentRegister.DS].Unusable);
        Assert.Equal((ushort)0, m.Cpu.Segments[(int)SegmentRegister.DS].Selector);
        Assert.False(m.Cpu.Segments[(int)SegmentRegister.FS].Unusable);
    }

    [Fact]
    public void RetfImmediateReleasesBytesOnBothStacks()
    {
        var (m, _) = Flat("push dword 0x43\npush dword 0x7000\npush dword 1\npush dword 2\npush dword 0x3B\npush dword target\nretf 8\ntarget: nop", budget: 7);
        Assert.Equal(3, m.Cpu.Cpl);
        Assert.Equal(0x7008u, m.Cpu.Esp);
    }

    [Fact]
    public void RetfToOuterLevelWithAStackOfTheWrongPrivilegeIsGpSelector()
    {
        // The popped SS 0x10 has RPL 0 while the return CS has RPL 3: #GP(0x10), nothing changed.
        var (m, _) = Flat("push dword 0x10\npush dword 0x7000\npush dword 0x3B\npush dword 0x10000\nretf");
        Assert.Equal(13, PmVector(m));
        Assert.Equal(0x10u, StackDword(m, 0));
        Assert.Equal(0, m.Cpu.Cpl);
    }

    [Fact]
    public void FarTransfersTellTheMonitor()
    {
        var rec = new ExceptionRecorder();
        Real("jmp 0x0000:0x7C05\nhlt", monitor: rec);
        Assert.Contains(SensitiveKind.FarTransfer, rec.Sensitive);
    }

    // ---- INT / INTO / IRET ------------------------------------------------------------------

    [Fact]
    public void IntInRealModePushesFlagsCsIpClearsIfAndIretReturns()
    {
        // C7 06 00 02 00 7D, C7 06 02 02 00 00 (6 bytes each), STI, STC, INT 80h at 7C0E: returns to 7C10.
        var (m, _) = Real($@"
            mov word [0x200], 0x7D00
            mov word [0x202], 0
            sti
            stc
            int 0x80
            hlt
            {At7D00}
            pushf
            pop dx
            mov bp, sp
            mov ax, [bp]
            mov bx, [bp+2]
            mov cx, [bp+4]
            iret");
        Assert.Equal(0x7C10u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0x0203u, m.Cpu.Ecx & 0xFFFF);
        Assert.Equal(0x0003u, m.Cpu.Edx & 0xFFFF);
        Assert.Equal(0x0203u, m.Cpu.EFlags);
        Assert.Equal(0x7C11u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void Int3IsVectorThreeReturningAfterIt()
    {
        var (m, _) = Real("nop\nint3\nhlt");
        Assert.Equal(3, RealVector(m));
        Assert.Equal(0x7C02, StackWord(m, 0));
        var (m2, _) = Real("int 3\nhlt");
        Assert.Equal(3, RealVector(m2));
        Assert.Equal(0x7C02, StackWord(m2, 0));
    }

    [Fact]
    public void IntoWithOverflowIsVectorFour()
    {
        // MOV AL, 7F (2); ADD AL, 1 (2) sets OF; INTO at 7C04 returns to 7C05.
        var (m, _) = Real("mov al, 0x7F\nadd al, 1\ninto\nhlt");
        Assert.Equal(4, RealVector(m));
        Assert.Equal(0x7C05, StackWord(m, 0));
    }

    [Fact]
    public void IntoWithoutOverflowDoesNothing()
    {
        var (m, r) = Real("xor ax, ax\ninto\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Null(RealVector(m));
        Assert.Equal(0x7C04u, m.Cpu.Eip);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void IntAndIretdThroughTheIdt()
    {
        // Gate 40h -> 08:10100 (32-bit interrupt gate). Two 10-byte MOVs, STI at 10014, INT 40h at 10015: returns to 10017.
        var (m, _) = Flat($@"
            mov dword [0x1200], 0x00080100
            mov dword [0x1204], 0x00018E00
            sti
            int 0x40
            hlt
            {At10100}
            mov eax, [esp]
            mov ebx, [esp+4]
            mov ecx, [esp+8]
            pushfd
            pop edx
            iretd");
        Assert.Equal(0x10017u, m.Cpu.Eax);
        Assert.Equal(0x08u, m.Cpu.Ebx);
        Assert.Equal(0x202u, m.Cpu.Ecx);
        Assert.Equal(0x002u, m.Cpu.Edx);
        Assert.True(m.Cpu.GetIF());
        Assert.Equal(0x9000u, m.Cpu.Esp);
        Assert.Equal(0x10018u, m.Cpu.Eip);
    }

    [Fact]
    public void IntThroughAGateBelowCplIsGeneralProtection()
    {
        // At CPL 3, INT 5 names a DPL 0 gate: #GP(5·8 + 2), reported at the INT.
        var rec = new ExceptionRecorder();
        Flat("int 5\nhlt", monitor: rec, setup: Ring3);
        Assert.Equal(ExceptionVector.GP, rec.Vector);
        Assert.Equal(0x2Au, rec.ErrorCode);
        Assert.Equal(0x10000u, rec.Eip);
    }

    [Fact]
    public void Iret16InRealModeKeepsTheUpperEflagsAndLoadsIoplAndNt()
    {
        var (m, _) = Real("push dword 0x00040000\npopfd\npush word 0x7002\npush cs\npush word next\niret\nnext: hlt");
        Assert.Equal(0x0004_7002u, m.Cpu.EFlags);
    }

    [Fact]
    public void IretdInRealModeMasksTheImage()
    {
        // EFLAGS = (image AND 257FD5h) OR (EFLAGS AND 1A0000h); image with TF clear.
        var (m, _) = Real("push dword 0xFFFFFEFF\npush dword 0\npush dword next\niretd\nnext: hlt");
        Assert.Equal(0x0025_7ED7u, m.Cpu.EFlags);
        Assert.Equal(0x7C00u, m.Cpu.Esp);
    }

    [Fact]
    public void IretdInRealModeBeyondTheCsLimitFaultsWithoutPopping()
    {
        var (m, _) = Real("push dword 2\npush dword 0\npush dword 0x10000\niretd\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x7C00u - 12 - 6, m.Cpu.Esp);
        Assert.Equal(0x7C0C, StackWord(m, 0)); // 66 6A 02, 66 6A 00, 66 68 imm32: IRETD at 7C0C
    }

    [Fact]
    public void IretAtCplZeroLoadsIoplAndIf()
    {
        var (m, _) = Flat("push dword 0x3202\npush cs\npush dword next\niretd\nnext: hlt");
        Assert.Equal(3, m.Cpu.Iopl);
        Assert.True(m.Cpu.GetIF());
        Assert.Equal(0x9000u, m.Cpu.Esp);
    }

    [Fact]
    public void IretAtCplThreeKeepsIoplAndIf()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Flat("push dword 0x3AC3\npush cs\npush dword next\niretd\nnext: ud2", monitor: rec, setup: Ring3);
        Assert.Equal(ExceptionVector.UD, rec.Vector);
        Assert.Equal(0, m.Cpu.Iopl);
        Assert.False(m.Cpu.GetIF());
        Assert.Equal(0x08C3u, m.Cpu.EFlags & 0xFFFF); // OF SF ZF CF from the image, bit 1
    }

    [Fact]
    public void IretWithNestedTaskAndABackLinkThatIsNotABusyTssIsInvalidTss()
    {
        // NT = 1: IRETD returns to the task in the back link of the current TSS (here the reset TR,
        // base 0, whose back link word is 0: the null descriptor is not a busy TSS): #TS(0) at the IRETD
        // (9C, 81 0C 24 imm32 (7 bytes), 9D, then CF at 10009).
        var (m, _) = Flat("pushfd\nor dword [esp], 0x4000\npopfd\niretd\nhlt", setup: mm => mm.Memory.WriteUInt16(0, 0));
        Assert.Equal(10, PmVector(m));
        Assert.Equal(0u, StackDword(m, 0));
        Assert.Equal(0x10009u, StackDword(m, 4));
    }

    [Fact]
    public void IretdWithVmAtCpl0EntersVirtual8086Mode()
    {
        // SDM IRET, RETURN-TO-VIRTUAL-8086-MODE: pops EIP CS EFLAGS ESP SS ES DS FS GS; segments load the real-mode way.
        var (m, _) = Flat(@"
            push dword 0x5555   ; GS
            push dword 0x4444   ; FS
            push dword 0x3333   ; DS
            push dword 0x2222   ; ES
            push dword 0x1111   ; SS
            push dword 0x0FF0   ; ESP
            push dword 0x00023002 ; EFLAGS: VM, IOPL 3
            push dword 0x1000   ; CS
            push dword 0x0010   ; EIP
            iretd", budget: 10);
        Assert.True(m.Cpu.Virtual8086);
        Assert.Equal(3, m.Cpu.Cpl);
        Assert.Equal(0x10000u, m.Cpu.Segments[(int)SegmentRegister.CS].Base);
        Assert.Equal(0x11110u, m.Cpu.Segments[(int)SegmentRegister.SS].Base);
        Assert.Equal(0x55550u, m.Cpu.Segments[(int)SegmentRegister.GS].Base);
        Assert.Equal(0x0FF0u, m.Cpu.Esp);
        Assert.Equal(0x10u, m.Cpu.Eip);
    }

    [Fact]
    public void SoftwareInterruptsAndIretTellTheMonitor()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Real(@"
            mov word [3*4], back
            mov word [0x21*4], back
            int3
            int 0x21
            mov al, 0x7F
            add al, 1
            into
            hlt
        back:
            iret", monitor: rec);
        Assert.Equal(4, RealVector(m));
        Assert.Contains(SensitiveKind.Into, rec.Sensitive);
        Assert.Contains(SensitiveKind.Int3, rec.Sensitive);
        Assert.Contains(SensitiveKind.IntN, rec.Sensitive);
        Assert.Contains(SensitiveKind.Iret, rec.Sensitive);
    }

    // ---- BOUND --------------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(10)]
    public void BoundInsideTheRangeDoesNothing(int index)
    {
        var (m, r) = Real($"mov ax, {index}\nbound ax, [bounds]\nhlt\nbounds: dw 0, 10");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Null(RealVector(m));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    [InlineData(-32768)]
    public void BoundOutsideTheRangeIsAFaultAtTheBound(int index)
    {
        // MOV AX (3 bytes), BOUND at 7C03.
        var (m, _) = Real($"mov ax, {index}\nbound ax, [bounds]\nhlt\nbounds: dw 0, 10");
        Assert.Equal(5, RealVector(m));
        Assert.Equal(0x7C03, StackWord(m, 0));
    }

    [Fact]
    public void BoundComparesSigned()
    {
        var (m, r) = Real("mov ax, -3\nbound ax, [bounds]\nhlt\nbounds: dw -5, -1");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Null(RealVector(m));
    }

    [Fact]
    public void Bound32()
    {
        var (ok, _) = Flat("mov eax, -10\nbound eax, [bounds]\nhlt\nbounds: dd -10, 0x7FFFFFFF");
        Assert.Null(PmVector(ok));
        // MOV EAX (5 bytes), BOUND at 10005: #BR has no error code; the return address is the BOUND.
        var (m, _) = Flat("mov eax, 0x80000000\nbound eax, [bounds]\nhlt\nbounds: dd -10, 10");
        Assert.Equal(5, PmVector(m));
        Assert.Equal(0x10005u, StackDword(m, 0));
        Assert.Equal(0x9000u - 12, m.Cpu.Esp);
    }

    [Fact]
    public void BoundWithTheOperandAtTheSegmentLimitIsGeneralProtection()
    {
        var (m, _) = Real("mov bx, 0xFFFF\nbound ax, [bx]\nhlt");
        Assert.Equal(13, RealVector(m));
    }

    [Fact]
    public void BoundWithARegisterOperandIsUndefined()
    {
        var (m, _) = Real("nop\ndb 0x62, 0xC3\nhlt");
        Assert.Equal(6, RealVector(m));
        Assert.Equal(0x7C01, StackWord(m, 0));
    }

    // ---- HLT / PAUSE / UD2 --------------------------------------------------------------------

    [Fact]
    public void HltStopsWithEipAfterItAndStaysHalted()
    {
        var (m, r) = Real("nop\nhlt\nmov ax, 1\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.True(m.Cpu.Halted);
        Assert.Equal(0x7C02u, m.Cpu.Eip);
        var again = m.Run(100);
        Assert.Equal(StopReason.Halted, again.StopReason);
        Assert.Equal(0x7C02u, m.Cpu.Eip);
        Assert.Equal(0u, m.Cpu.Eax & 0xFFFF);
    }

    [Fact]
    public void HltAtCplThreeIsGeneralProtection()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Flat("hlt", monitor: rec, setup: Ring3);
        Assert.Equal(ExceptionVector.GP, rec.Vector);
        Assert.Equal(0u, rec.ErrorCode);
        Assert.Equal(0x10000u, rec.Eip);
        Assert.False(m.Cpu.Halted);
        Assert.Contains(SensitiveKind.Hlt, rec.Sensitive);
    }

    [Fact]
    public void PauseIsANop()
    {
        var (m, r) = Real("pause\nmov ax, 1\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(1u, m.Cpu.Eax & 0xFFFF);
    }

    [Fact]
    public void Ud2IsInvalidOpcode()
    {
        var (m, _) = Real("nop\nud2\nhlt");
        Assert.Equal(6, RealVector(m));
        Assert.Equal(0x7C01, StackWord(m, 0));
    }
}
