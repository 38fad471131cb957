using VirtLab.Engine.Tests.Instructions;
using Xunit;
using static VirtLab.Engine.Tests.CpuTests.ProtectionGuest;

namespace VirtLab.Engine.Tests.CpuTests;

/// <summary>
/// Privilege checks and transfers across rings (SDM Vol. 3A 5.5-5.10, 6.12, 7.3, 20; Vol. 2 CALL,
/// RET, IRET, INT n, MOV Sreg, LAR/LSL/VERR/VERW, LLDT/LTR, SYSENTER/SYSEXIT): each test checks the
/// vector, the error code and the state the handler finds on its stack. Tables: <see cref="ProtectionGuest"/>.
/// </summary>
public class PrivilegeTests
{
    // ---- ring 3 and back ---------------------------------------------------------------------

    [Fact]
    public void IretToRing3ThenIntThroughADpl3TrapGateSwitchesToTheTssStack()
    {
        const string body = @"
    SETGATE 0x80, syscall, 0x08, 0xEF
    TO_RING3 user
user:
    mov eax, 0x1234
    int 0x80
after_int:
    hlt
syscall:
    mov ebx, [esp]          ; EIP
    mov ecx, [esp + 4]      ; CS
    mov edx, [esp + 12]     ; ESP
    mov esi, [esp + 16]     ; SS
    mov edi, esp
    mov ebp, ss
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(Label(body, "after_int"), m.Cpu.Ebx);
        Assert.Equal(0x1Bu, m.Cpu.Ecx);
        Assert.Equal(0x6000u, m.Cpu.Edx);
        Assert.Equal(0x23u, m.Cpu.Esi);
        Assert.Equal(0x8000u - 20, m.Cpu.Edi);  // ESP0 from the TSS minus SS ESP EFLAGS CS EIP
        Assert.Equal(0x10u, m.Cpu.Ebp);
        Assert.Equal(0, m.Cpu.Cpl);
    }

    [Fact]
    public void IntFromRing3ThroughADpl0GateIsGpWithTheGateErrorCode()
    {
        const string body = @"
    SETGATE 0x80, h_unexpected, 0x08, 0x8E
    TO_RING3 user
user:
fault: int 0x80";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x80u * 8 + 2, m.Cpu.Ebx);        // IDT index, IDT bit, EXT = 0
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
        Assert.Equal(0x1Bu, m.Cpu.Edx);
        Assert.Equal(0x6000u, m.Cpu.Esi);              // ring-3 ESP saved on the ring-0 stack
        Assert.Equal(0x23u, m.Cpu.Edi);
    }

    [Theory]
    [InlineData("cli")]
    [InlineData("hlt")]
    [InlineData("mov eax, cr0")]
    [InlineData("mov cr3, eax")]
    [InlineData("lgdt [0x1000]")]
    [InlineData("lidt [0x1000]")]
    [InlineData("ltr ax")]
    [InlineData("lldt ax")]
    [InlineData("clts")]
    [InlineData("invlpg [0]")]
    [InlineData("mov dr7, eax")]
    [InlineData("wbinvd")]
    [InlineData("rdmsr")]
    public void PrivilegedInstructionsAtRing3AreGp0(string instruction)
    {
        string body = $"TO_RING3 user\nuser:\nfault: {instruction}";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
    }

    [Fact]
    public void IretToRing3NullsDataSegmentsTheOuterRingMayNotUse()
    {
        const string body = @"
    mov ax, 0x23
    mov fs, ax          ; DPL 3 data stays
    TO_RING3 user
user:
    mov eax, ds
    mov ebx, fs
    mov ecx, es
    hlt";
        var m = Run(body, monitor: new ExceptionRecorder());
        Assert.Equal(0u, m.Cpu.Eax);           // DS (0x10, DPL 0) nulled
        Assert.Equal(0x23u, m.Cpu.Ebx);
        Assert.Equal(0u, m.Cpu.Ecx);
        Assert.True(m.Cpu.Segments[(int)SegmentRegister.DS].Unusable);
    }

    [Fact]
    public void AccessThroughANulledSegmentIsGp0()
    {
        const string body = "TO_RING3 user\nuser:\nfault: mov eax, [0x100]";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(false, true, false)]   // CR0.AM clear
    [InlineData(true, false, false)]   // EFLAGS.AC clear
    public void MisalignedAccessAtRing3WithAmAndAcIsAlignmentCheck(bool am, bool ac, bool faults)
    {
        string setAm = am ? "mov eax, cr0\nor eax, 0x40000\nmov cr0, eax" : "";
        string setAc = ac ? "pushfd\nor dword [esp], 0x40000\npopfd" : "";
        string body = $@"
    SETGATE 17, h17, 0x08, 0x8E
    SETGATE 3, h3, 0x08, 0xEE
{setAm}
{setAc}
    TO_RING3 user
user:
    mov ax, 0x23
    mov ds, ax
    mov eax, [0x6000]     ; aligned: never faults
fault: mov eax, [0x6001]
    int3
h17: pop ebx
    mov ecx, [esp]
    mov al, 17
    out 0xF4, al
h3: mov al, 3
    out 0xF4, al";
        var m = Run(body);
        if (faults)
        {
            Assert.Equal(17u, m.ExitPort.ExitCode);
            Assert.Equal(0u, m.Cpu.Ebx);
            Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
        }
        else Assert.Equal(3u, m.ExitPort.ExitCode);
    }

    [Fact]
    public void MisalignedAccessAtRing0IsNeverAlignmentCheck()
    {
        const string body = "mov eax, cr0\nor eax, 0x40000\nmov cr0, eax\npushfd\nor dword [esp], 0x40000\npopfd\nmov eax, [0x6001]\nmov al, 0\nout 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
    }

    // ---- call gates --------------------------------------------------------------------------

    [Fact]
    public void CallGateFromRing3CopiesParametersAndReturnsWithRetfImmediate()
    {
        const string body = @"
    TO_RING3 user
user:
    push dword 0x2222   ; parameter 2
    push dword 0x1111   ; parameter 1
    call 0x33:0
back:
    mov eax, esp        ; ring 3 again, the parameters released by RETF 8
    mov [0x6100], eax
    mov [0x6104], ebx
    int3";
        var rec = new ExceptionRecorder();
        var m = Run(body, monitor: rec);
        Assert.Equal(ExceptionVector.GP, rec.Vector);     // INT3 through the DPL0 default gate from ring 3
        Assert.Equal(Label(body, "back"), m.Cpu.Ebx);
        Assert.Equal(0x1Bu, m.Cpu.Ecx);
        Assert.Equal(0x1111u, m.Cpu.Edx);
        Assert.Equal(0x2222u, m.Cpu.Esi);
        Assert.Equal(0x6000u - 8, m.Cpu.Edi);
        Assert.Equal(0x23u, m.Cpu.Ebp);
        Assert.Equal(0x6000u, m.Cpu.Eax);
        Assert.Equal(3, m.Cpu.Cpl);
    }

    [Fact]
    public void CallGateWithDplBelowCplIsGpWithTheGateSelector()
    {
        const string body = "TO_RING3 user\nuser:\nfault: call 0x5B:0";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x58u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
    }

    [Fact]
    public void NotPresentCallGateIsNpWithTheGateSelector()
    {
        const string body = "TO_RING3 user\nuser:\nfault: call 0x63:0";
        var m = Run(body);
        Assert.Equal(11u, m.ExitPort.ExitCode);
        Assert.Equal(0x60u, m.Cpu.Ebx);
    }

    [Fact]
    public void CallGateWithABadInnerStackIsInvalidTss()
    {
        // SS0 in the TSS is the DPL-3 data segment: #TS(0x20). Its delivery needs SS0 too, so the
        // recorder stops at the first exception.
        const string body = "mov dword [TSSA + 8], 0x23\nTO_RING3 user\nuser:\nfault: call 0x33:0";
        var rec = new ExceptionRecorder();
        Run(body, monitor: rec);
        Assert.Equal(ExceptionVector.TS, rec.Vector);
        Assert.Equal(0x20u, rec.ErrorCode);
        Assert.Equal(Label(body, "fault"), rec.Eip);
    }

    [Fact]
    public void SixteenBitCallGateFromRing0PushesWords()
    {
        const string body = @"
    mov byte [0x6800], 0xEA            ; jmp 0x08:gate16_target
    mov dword [0x6801], gate16_target
    mov word [0x6805], 0x08
    push word 0x7777
    call 0x88:0
back:";
        var m = Run(body);
        Assert.Equal(0x16u, m.ExitPort.ExitCode);
        Assert.Equal(Label(body, "back") & 0xFFFF, m.Cpu.Ebx);   // a 16-bit gate pushes IP only
        Assert.Equal(0x08u, m.Cpu.Ecx);
        Assert.Equal(0x7777u, m.Cpu.Edx);
    }

    [Fact]
    public void ConformingCodeRunsAtTheCallersPrivilege()
    {
        const string body = @"
    TO_RING3 user
user:
    call 0x98:conf      ; conforming DPL 0 from CPL 3: allowed, CPL stays 3
    int3
conf:
    mov eax, cs
    retf";
        var rec = new ExceptionRecorder();
        var m = Run(body, monitor: rec);
        Assert.Equal(0x9Bu, m.Cpu.Eax);   // CS.RPL = CPL 3
        Assert.Equal(ExceptionVector.GP, rec.Vector); // then INT3 through a DPL0 gate
    }

    // ---- data segment loads ------------------------------------------------------------------

    [Theory]
    [InlineData("mov ax, 0x80\nfault: mov ds, ax", 11, 0x80)]     // not present data: #NP(sel)
    [InlineData("mov ax, 0x80\nfault: mov ss, ax", 12, 0x80)]     // not-present (writable) stack segment: #SS(sel)
    [InlineData("mov ax, 0x68\nfault: mov ss, ax", 13, 0x68)]     // read-only data into SS: #GP(sel)
    [InlineData("mov ax, 0x78\nfault: mov ds, ax", 13, 0x78)]     // execute-only code into DS: #GP(sel)
    [InlineData("mov ax, 0x28\nfault: mov ds, ax", 13, 0x28)]     // system descriptor: #GP(sel)
    [InlineData("xor ax, ax\nfault: mov ss, ax", 13, 0)]          // null SS: #GP(0)
    [InlineData("mov ax, 0x23\nfault: mov ss, ax", 13, 0x20)]     // RPL 3 != CPL 0
    [InlineData("mov ax, 0x1F8\nfault: mov ds, ax", 13, 0x1F8)]   // beyond the GDT limit
    [InlineData("mov ax, 0x14\nfault: mov ds, ax", 13, 0x14)]     // LDT selector beyond the LDT limit
    public void SegmentLoadFaults(string code, int vector, int error)
    {
        string body = "mov ax, 0x48\nlldt ax\n" + code;
        var m = Run(body);
        Assert.Equal((uint)vector, m.ExitPort.ExitCode);
        Assert.Equal((uint)error, m.Cpu.Ebx);
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
    }

    [Fact]
    public void DataSegmentWithDplBelowCplIsGpSelector()
    {
        const string body = "TO_RING3 user\nuser:\nmov ax, 0x13\nfault: mov es, ax";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x10u, m.Cpu.Ebx);
    }

    [Fact]
    public void LdtSegmentsLoadThroughLldt()
    {
        const string body = @"
    mov dword [0x100010], 0xABCD1234
    mov ax, 0x48
    lldt ax
    mov ax, 0x04        ; LDT entry 0: data0 base 0x100000
    mov ds, ax
    mov ebx, [0x10]
    sldt cx
    mov ax, 0x10
    mov ds, ax
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0xABCD1234u, m.Cpu.Ebx);
        Assert.Equal(0x48u, m.Cpu.Ecx & 0xFFFF);
        Assert.Equal(0x5000u, m.Cpu.Ldtr.Base);
    }

    [Fact]
    public void LldtOfANonLdtDescriptorIsGpSelector()
    {
        const string body = "mov ax, 0x10\nfault: lldt ax";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x10u, m.Cpu.Ebx);
    }

    [Fact]
    public void WritesToReadOnlyDataAndReadsOfExecuteOnlyCodeAreGp0()
    {
        var m1 = Run("mov ax, 0x68\nmov es, ax\nfault: mov byte [es:0x100], 1");
        Assert.Equal(13u, m1.ExitPort.ExitCode);
        Assert.Equal(0u, m1.Cpu.Ebx);
        var m2 = Run("jmp 0x78:x\nx: mov eax, [cs:0x100]");
        Assert.Equal(13u, m2.ExitPort.ExitCode);
        Assert.Equal(0u, m2.Cpu.Ebx);
        var m3 = Run("fault: mov [cs:0x100], eax");
        Assert.Equal(13u, m3.ExitPort.ExitCode);
    }

    [Fact]
    public void ExpandDownSegmentFaultsAtOrBelowItsLimit()
    {
        var ok = Run("mov ax, 0x70\nmov es, ax\nmov dword [es:0x1000], 5\nmov al, 0\nout 0xF4, al");
        Assert.Equal(0u, ok.ExitPort.ExitCode);
        var bad = Run("mov ax, 0x70\nmov es, ax\nfault: mov dword [es:0x0FFE], 5");
        Assert.Equal(13u, bad.ExitPort.ExitCode);
        Assert.Equal(0u, bad.Cpu.Ebx);
        var rec = new ExceptionRecorder();
        Run("mov ax, 0x70\nmov ss, ax\nmov esp, 0x1002\nfault: push eax", monitor: rec);
        Assert.Equal(ExceptionVector.SS, rec.Vector);  // a stack limit fault is #SS(0)
        Assert.Equal(0u, rec.ErrorCode);
    }

    // ---- LAR LSL VERR VERW ARPL ----------------------------------------------------------------

    [Fact]
    public void LarLslVerrVerwReportRightsLimitsAndAccess()
    {
        const string body = @"
    mov ax, 0x10
    lar ebx, ax         ; data0: rights 00CF9300 (accessed by the load in the prelude)
    lsl ecx, ax         ; limit FFFFFFFF
    mov ax, 0x28
    lar edx, ax         ; busy TSS: type B
    lsl esi, ax
    mov ax, 0x58        ; call gate: LAR yes, LSL no
    lar edi, ax
    setz byte [0x7000]
    lsl ebp, ax
    setz byte [0x7001]
    mov ax, 0x78
    verr ax             ; execute-only: not readable
    setz byte [0x7002]
    mov ax, 0x68
    verw ax             ; read-only: not writable
    setz byte [0x7003]
    verr ax
    setz byte [0x7004]
    mov ax, 0x1F8       ; beyond the GDT
    verr ax
    setz byte [0x7005]
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0x00C09300u, m.Cpu.Ebx);   // bytes 5-7 masked 00F0FF00h: the limit bits 16-19 are not rights
        Assert.Equal(0xFFFFFFFFu, m.Cpu.Ecx);
        Assert.Equal(0x00008B00u, m.Cpu.Edx);
        Assert.Equal(0x2068u, m.Cpu.Esi);
        Assert.Equal(new byte[] { 1, 0, 0, 0, 1, 0 }, m.Memory.Read(0x7000, 6));
    }

    [Fact]
    public void LarFromRing3CannotSeeRing0Descriptors()
    {
        const string body = "TO_RING3 user\nuser:\nmov ax, 0x10\nlar ebx, ax\nsetz cl\nmov ax, 0x23\nlar edx, ax\nsetz ch\nint3";
        var m = Run(body, monitor: new ExceptionRecorder());
        Assert.Equal(0x0100u, m.Cpu.Ecx & 0xFFFF);   // CL = 0 (DPL 0 < CPL 3), CH = 1
    }

    [Fact]
    public void ArplRaisesTheRequestedPrivilege()
    {
        const string body = "mov ax, 0x10\nmov bx, 0x03\narpl ax, bx\nsetz cl\nmov dx, ax\narpl ax, bx\nsetz ch\nhlt";
        var m = Run(body);
        Assert.Equal(0x0001u, m.Cpu.Ecx & 0xFFFF);   // first ARPL raised the RPL (ZF=1), the second did nothing (ZF=0)
        Assert.Equal(0x13u, m.Cpu.Edx & 0xFFFF);
    }

    [Fact]
    public void ArplThatChangesNothingDoesNotWriteAReadOnlySegment()
    {
        // The 386 writes the destination only when it raises the RPL (test386.asm POST 17 checks this).
        const string body = "mov word [0x7000], 0x0013\nmov ax, 0x68\nmov es, ax\nmov bx, 3\narpl [es:0x7000], bx\nsetz cl\nmov al, 0\nout 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ecx & 0xFF);
        var bad = Run("mov word [0x7000], 0x0010\nmov ax, 0x68\nmov es, ax\nmov bx, 3\nfault: arpl [es:0x7000], bx");
        Assert.Equal(13u, bad.ExitPort.ExitCode);  // a change must be written: read-only segment, #GP(0)
    }

    [Theory]
    [InlineData("arpl ax, bx")]
    [InlineData("lar eax, bx")]
    [InlineData("sldt ax")]
    [InlineData("str ax")]
    [InlineData("verr ax")]
    public void DescriptorInstructionsAreUndefinedInRealMode(string instruction)
    {
        var m = Support.TestGuest.Real16($"mov word [6*4], ud\nmov word [6*4+2], 0\n{instruction}\nhlt\nud: mov al, 6\nout 0xF4, al\nhlt");
        Assert.Equal(6u, m.ExitPort.ExitCode);
    }

    // ---- I/O permission ------------------------------------------------------------------------

    [Fact]
    public void IoBitmapAllowsClearBitsAndDeniesSetOnesAtRing3()
    {
        const string body = @"
    mov eax, 0x81
    bts [TSSA + 0x68], eax            ; deny port 0x81
    TO_RING3 user
user:
    out 0x80, al                      ; allowed
    in al, 0x82                       ; allowed
fault: out 0x80, ax                   ; word access covering 0x80-0x81: denied
    hlt";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
        Assert.Equal(Label(body, "fault"), m.Cpu.Ecx);
    }

    [Fact]
    public void IoplThreeBypassesTheBitmap()
    {
        const string body = @"
    mov eax, 0xF4
    bts [TSSA + 0x68], eax
    pushfd
    or dword [esp], 0x3000
    popfd
    TO_RING3 user
user:
    mov al, 0x42
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0x42u, m.ExitPort.ExitCode);
    }

    [Fact]
    public void PopfAtRing3SilentlyKeepsIfAndIopl()
    {
        const string body = @"
    TO_RING3 user
user:
    pushfd
    or dword [esp], 0x3200            ; try IOPL 3 and IF 1
    popfd
    pushfd
    pop ebx
    int3";
        var m = Run(body, monitor: new ExceptionRecorder());
        Assert.Equal(0u, m.Cpu.Ebx & 0x3200);
    }

    // ---- task switches -------------------------------------------------------------------------

    private const string TaskB = @"
    ; TSS B: EIP task_b, ESP 0x5800, flat ring-0 segments, same CR3
    mov edi, TSSB
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    mov dword [TSSB + 0x20], task_b
    mov dword [TSSB + 0x24], 2
    mov dword [TSSB + 0x38], 0x5800
    mov word [TSSB + 0x48], 0x10
    mov word [TSSB + 0x4C], 0x08
    mov word [TSSB + 0x50], 0x10
    mov word [TSSB + 0x54], 0x10
    mov word [TSSB + 0x58], 0x10
    mov word [TSSB + 0x5C], 0x10
";

    [Fact]
    public void CallToATssSetsNtBackLinkAndBusyAndIretReturns()
    {
        string body = TaskB + @"
    mov eax, 0xA0A0A0A0
    call 0x50:0
back:
    str dx
    mov al, 0
    out 0xF4, al
task_b:                     ; (task B's registers are lost on the IRET: results go to memory)
    pushfd
    pop dword [0x7000]      ; EFLAGS in task B: NT set
    mov eax, [TSSB]         ; back link
    mov [0x7004], eax
    mov eax, [GDT + 0x50 + 4]
    mov [0x7008], eax
    mov eax, [GDT + 0x28 + 4]
    mov [0x700C], eax
    iretd";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0x28u, m.Cpu.Edx & 0xFFFF);                            // back in task A
        Assert.Equal(0xA0A0A000u, m.Cpu.Eax);                                // A's EAX restored by the IRET (then AL = 0)
        Assert.Equal(0x4000u, m.Memory.ReadUInt32(0x7000) & 0x4000);        // NT in task B
        Assert.Equal(0x28u, m.Memory.ReadUInt32(0x7004) & 0xFFFF);          // back link
        Assert.Equal(0xBu, (m.Memory.ReadUInt32(0x7008) >> 8) & 0xF);       // B busy while it ran
        Assert.Equal(0xBu, (m.Memory.ReadUInt32(0x700C) >> 8) & 0xF);       // A stays busy (CALL)
        Assert.Equal(0x9u, (m.Memory.ReadUInt32(0x1000 + 0x50 + 4) >> 8) & 0xF); // B available again after IRET
        Assert.Equal(Label(body, "back"), m.Memory.ReadUInt32(0x3000 + 0x20)); // A's EIP saved by the CALL
        Assert.True((m.Cpu.Cr0 & Cpu.Cr0TS) != 0);
        Assert.Equal(2, m.Cpu.TaskSwitches);
    }

    [Fact]
    public void JumpToATssSavesTheOutgoingStateAndClearsItsBusyBit()
    {
        string body = TaskB + @"
    mov eax, 0x11111111
    mov ebx, 0x22222222
    jmp 0x50:0
after_jmp:
    hlt
task_b:
    mov esi, [TSSA + 0x20]  ; A's saved EIP
    mov edi, [TSSA + 0x28]  ; A's saved EAX
    mov ebp, [GDT + 0x28 + 4]
    pushfd
    pop edx
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(Label(body, "after_jmp"), m.Cpu.Esi);
        Assert.Equal(0x11111111u, m.Cpu.Edi);
        Assert.Equal(0x9u, (m.Cpu.Ebp >> 8) & 0xF);   // A available
        Assert.Equal(0u, m.Cpu.Edx & 0x4000);         // JMP: no NT
        Assert.Equal(0x5800u, m.Cpu.Esp);
    }

    [Fact]
    public void JumpToABusyTssIsGpSelector()
    {
        const string body = "fault: jmp 0x28:0";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x28u, m.Cpu.Ebx);
    }

    [Fact]
    public void InterruptThroughATaskGateSwitchesTasks()
    {
        string body = TaskB + @"
    SETGATE 0x40, 0, 0x50, 0x85      ; task gate: selector 0x50 (the offset is unused)
    int 0x40
back:
    mov al, 0
    out 0xF4, al
task_b:
    mov eax, [TSSB]
    mov [0x7000], eax
    str [0x7004]
    iretd";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0x28u, m.Memory.ReadUInt32(0x7000) & 0xFFFF);   // back link to A
        Assert.Equal(0x50u, m.Memory.ReadUInt32(0x7004) & 0xFFFF);   // TR while the handler task ran
        Assert.Equal((ushort)0x28, m.Cpu.Tr.Selector);
    }

    [Fact]
    public void TaskWithABadCodeSegmentRaisesTsInTheNewTask()
    {
        // TSS B's CS is the data selector 0x10: #TS(0x10) after the switch (TR already B).
        string body = TaskB + "mov word [TSSB + 0x4C], 0x10\nfault: jmp 0x50:0\ntask_b: hlt";
        var rec = new ExceptionRecorder();
        var m = Run(body, monitor: rec);
        Assert.Equal(ExceptionVector.TS, rec.Vector);
        Assert.Equal(0x10u, rec.ErrorCode);
        Assert.Equal((ushort)0x50, m.Cpu.Tr.Selector);
    }

    [Fact]
    public void SixteenBitTssLimitBelow2BhIsInvalidTss()
    {
        const string body = "mov byte [GDT + 0x90], 0x20\nfault: jmp 0x90:0";
        var rec = new ExceptionRecorder();
        Run(body, monitor: rec);
        Assert.Equal(ExceptionVector.TS, rec.Vector);
        Assert.Equal(0x90u, rec.ErrorCode);
    }

    [Fact]
    public void TaskSwitchLoadsTheLdtOfTheNewTask()
    {
        string body = TaskB + @"
    mov word [TSSB + 0x60], 0x48     ; task B's LDT selector
    mov word [TSSB + 0x54], 0x04     ; and its DS from that LDT (data0, base 0x100000)
    mov dword [0x100020], 0x5A5A5A5A
    jmp 0x50:0
task_b:
    sldt bx
    mov ecx, [0x20]                  ; through DS = LDT entry 0
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0x48u, m.Cpu.Ebx & 0xFFFF);
        Assert.Equal(0x5A5A5A5Au, m.Cpu.Ecx);
        Assert.Equal(0x100000u, m.Cpu.Segments[(int)SegmentRegister.DS].Base);
    }

    [Fact]
    public void TaskSwitchIntoAVirtual8086Task()
    {
        // Task B's EFLAGS has VM: its selectors load the real-mode way and it runs at CPL 3; its HLT is #GP(0)
        // to the ring-0 handler, which finds the V86 frame (saved CS 0x0700).
        string body = TaskB + @"
    mov byte [0x7000], 0xF4          ; hlt at 0700:0000
    mov dword [TSSB + 0x20], 0
    mov dword [TSSB + 0x24], 0x00020002
    mov word [TSSB + 0x4C], 0x0700
    mov word [TSSB + 0x50], 0x0800
    mov dword [TSSB + 0x38], 0x0100
    mov word [TSSB + 0x48], 0
    mov word [TSSB + 0x54], 0
    mov word [TSSB + 0x58], 0
    mov word [TSSB + 0x5C], 0
    mov dword [TSSB + 4], 0x8000     ; task B's ring-0 stack for the #GP out of V86 mode
    mov dword [TSSB + 8], 0x10
    jmp 0x50:0
task_b: hlt";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
        Assert.Equal(0u, m.Cpu.Ecx);                 // saved EIP: the HLT at 0700:0000
        Assert.Equal(0x0700u, m.Cpu.Edx);
        Assert.Equal(0x0100u, m.Cpu.Esi);            // V86 SP
        Assert.Equal(0x0800u, m.Cpu.Edi);            // V86 SS
    }

    // ---- virtual-8086 mode ---------------------------------------------------------------------

    [Fact]
    public void V86CliWithIoplZeroTrapsToTheRing0MonitorWithTheV86Frame()
    {
        const string body = @"
    mov byte [0x7000], 0xFA        ; cli at 0700:0000
    push dword 0x0505              ; GS
    push dword 0x0404              ; FS
    push dword 0x0303              ; DS
    push dword 0x0202              ; ES
    push dword 0x0800              ; SS
    push dword 0x0100              ; ESP
    push dword 0x00020002          ; EFLAGS: VM, IOPL 0
    push dword 0x0700              ; CS
    push dword 0                   ; EIP
    iretd";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
        Assert.Equal(0u, m.Cpu.Ecx);            // saved EIP: the CLI
        Assert.Equal(0x0700u, m.Cpu.Edx);        // saved CS
        Assert.Equal(0x0100u, m.Cpu.Esi);        // saved ESP
        Assert.Equal(0x0800u, m.Cpu.Edi);        // saved SS
        uint esp0 = 0x8000;
        Assert.Equal(0x0202u, m.Memory.ReadUInt32(esp0 - 16));   // ES
        Assert.Equal(0x0303u, m.Memory.ReadUInt32(esp0 - 12));   // DS
        Assert.Equal(0x0404u, m.Memory.ReadUInt32(esp0 - 8));    // FS
        Assert.Equal(0x0505u, m.Memory.ReadUInt32(esp0 - 4));    // GS
        Assert.False(m.Cpu.Virtual8086);
        Assert.True(m.Cpu.Segments[(int)SegmentRegister.DS].Unusable || m.Cpu.Segments[(int)SegmentRegister.DS].Selector == 0);
    }

    [Fact]
    public void V86WithIoplThreeRunsCliAndIntGoesThroughTheIdtToRing0()
    {
        const string body = @"
    SETGATE 0x21, v86_int, 0x08, 0xEE
    mov dword [0x7000], 0x21CDFBFA  ; cli ; sti ; int 0x21
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0x0800
    push dword 0x0100
    push dword 0x00023002          ; VM, IOPL 3
    push dword 0x0700
    push dword 0
    iretd
v86_int:
    mov ebx, [esp]                 ; EIP after INT
    mov ecx, [esp + 4]
    mov edx, [esp + 8]             ; EFLAGS with VM
    mov esi, ds
    mov al, 0
    out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(4u, m.Cpu.Ebx);
        Assert.Equal(0x0700u, m.Cpu.Ecx);
        Assert.Equal(Cpu.VM, m.Cpu.Edx & Cpu.VM);
        Assert.Equal(0u, m.Cpu.Esi);                 // data segments nulled on the way in
    }

    [Fact]
    public void V86IoUsesTheBitmapWhateverTheIopl()
    {
        const string body = @"
    mov eax, 0xF4
    bts [TSSA + 0x68], eax
    mov dword [0x7000], 0x00F4E6   ; out 0xF4, al
    push dword 0
    push dword 0
    push dword 0
    push dword 0
    push dword 0x0800
    push dword 0x0100
    push dword 0x00023002
    push dword 0x0700
    push dword 0
    iretd";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0x0700u, m.Cpu.Edx);
    }

    // ---- SYSENTER / SYSEXIT --------------------------------------------------------------------

    [Fact]
    public void SysenterAndSysexitRoundTrip()
    {
        const string body = @"
    mov ecx, 0x174
    mov eax, 0x08
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, 0x8800
    wrmsr
    mov ecx, 0x176
    mov eax, kernel
    wrmsr
    TO_RING3 user
user:
    mov ecx, esp
    mov edx, back
    sysenter
back:
    mov esi, cs
    mov edi, ss
    int3
kernel:
    mov ebx, esp
    mov ebp, cs
    sysexit";
        var m = Run(body, monitor: new ExceptionRecorder());
        Assert.Equal(0x8800u, m.Cpu.Ebx);
        Assert.Equal(0x08u, m.Cpu.Ebp);
        Assert.Equal(0x1Bu, m.Cpu.Esi);
        Assert.Equal(0x23u, m.Cpu.Edi);
        Assert.Equal(3, m.Cpu.Cpl);
    }

    [Fact]
    public void SysexitAtRing3IsGp0()
    {
        const string body = "mov ecx, 0x174\nmov eax, 0x08\nxor edx, edx\nwrmsr\nTO_RING3 user\nuser:\nfault: sysexit";
        var m = Run(body);
        Assert.Equal(13u, m.ExitPort.ExitCode);
        Assert.Equal(0u, m.Cpu.Ebx);
    }
}
