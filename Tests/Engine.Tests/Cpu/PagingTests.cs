using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.CpuTests;

/// <summary>
/// 32-bit paging (SDM Vol. 3A 4.3-4.10): the walk, accessed/dirty bits, #PF error codes and CR2
/// (4.7), CR0.WP, 4 MiB pages (CR4.PSE), TLB flush rules (INVLPG, MOV CR3, CR4.PGE), instruction
/// fetch faults, accesses that cross a page boundary, and the code cache under remapping.
/// Every guest starts flat 32-bit at 0x10000 with page tables identity-mapping the first 4 MiB
/// (directory 0x20000, table 0x21000, all P|RW|US) and a #PF handler that puts the error code in
/// EBX, CR2 in EDX, the saved EIP in ECX and the saved CS in EDI, then stops via port 0xF4.
/// </summary>
public class PagingTests
{
    private const string Prelude = @"
%define PD 0x20000
%define PT 0x21000
%define PTE(a) (PT + ((a) >> 12) * 4)
    mov esp, 0x9000
    ; IDT at 0x2000: #PF (14) -> pf_handler, #GP (13) -> gp_handler
    mov edi, 0x2000 + 14*8
    mov eax, pf_handler
    mov [edi], ax
    mov word [edi+2], 0x08
    mov word [edi+4], 0x8E00
    shr eax, 16
    mov [edi+6], ax
    mov edi, 0x2000 + 13*8
    mov eax, gp_handler
    mov [edi], ax
    mov word [edi+2], 0x08
    mov word [edi+4], 0x8E00
    shr eax, 16
    mov [edi+6], ax
    lidt [idtr]
    ; identity map 0-4 MiB with 4 KiB pages
    mov edi, PT
    mov eax, 7
    mov ecx, 1024
.fill:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop .fill
    mov dword [PD], PT | 7
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp test_body
pf_handler:
    pop ebx
    mov edx, cr2
    mov ecx, [esp]
    mov edi, [esp+4]
    mov al, 0x0E
    out 0xF4, al
    hlt
gp_handler:
    pop ebx
    mov ecx, [esp]
    mov al, 0x0D
    out 0xF4, al
    hlt
idtr: dw 0x7FF
    dd 0x2000
test_body:
";

    private static Machine Run(string body, long budget = 200_000)
    {
        var m = TestGuest.Flat32(Prelude + body + "\nhlt", budget);
        return m;
    }

    private static uint Label(string body, string label)
    {
        // Address of a label: assemble the same text with the label's offset emitted into a data word at the end.
        var bytes = Nasm.Assemble("bits 32\norg 0x10000\n" + Prelude + body + "\nhlt\ndd " + label + "\n");
        return BitConverter.ToUInt32(bytes, bytes.Length - 4);
    }

    private static void AssertPageFault(Machine m, uint errorCode, uint cr2, uint eip)
    {
        Assert.Equal(0x0Eu, m.ExitPort.ExitCode);
        Assert.Equal(errorCode, m.Cpu.Ebx);
        Assert.Equal(cr2, m.Cpu.Edx);
        Assert.Equal(cr2, m.Cpu.Cr2);
        Assert.Equal(eip, m.Cpu.Ecx);
        Assert.Equal(0x08u, m.Cpu.Edi);
    }

    [Fact]
    public void IdentityMappedGuestRunsWithPagingOn()
    {
        var m = Run("mov dword [0x5000], 0x1234\nmov ebx, [0x5000]\nmov al, 0\nout 0xF4, al");
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.True(m.Cpu.PagingEnabled);
        Assert.Equal(0x1234u, m.Cpu.Ebx);
    }

    [Fact]
    public void NotPresentReadFaultsWithErrorCode0AndCr2()
    {
        const string body = "and dword [PTE(0x300000)], ~1\nmov eax, cr3\nmov cr3, eax\nfault: mov eax, [0x300010]";
        var m = Run(body);
        AssertPageFault(m, 0, 0x300010, Label(body, "fault"));
    }

    [Fact]
    public void NotPresentWriteFaultsWithErrorCode2()
    {
        const string body = "and dword [PTE(0x300000)], ~1\ninvlpg [0x300000]\nfault: mov byte [0x300FFF], 1";
        var m = Run(body);
        AssertPageFault(m, 2, 0x300FFF, Label(body, "fault"));
    }

    [Fact]
    public void NotPresentDirectoryEntryFaults()
    {
        const string body = "fault: mov eax, [0x00400004]"; // PDE 1 is 0
        var m = Run(body);
        AssertPageFault(m, 0, 0x400004, Label(body, "fault"));
    }

    [Fact]
    public void SupervisorWriteToReadOnlyPageIsAllowedWithoutWp()
    {
        const string body = "and dword [PTE(0x300000)], ~2\ninvlpg [0x300000]\nmov dword [0x300000], 0xCAFE\nmov al, 0\nout 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0xCAFEu, m.Memory.ReadUInt32(0x300000));
    }

    [Fact]
    public void SupervisorWriteToReadOnlyPageFaultsWithWp()
    {
        const string body = "and dword [PTE(0x300000)], ~2\ninvlpg [0x300000]\nmov eax, cr0\nor eax, 0x10000\nmov cr0, eax\nfault: mov dword [0x300000], 0xCAFE";
        var m = Run(body);
        AssertPageFault(m, 3, 0x300000, Label(body, "fault"));
        Assert.Equal(0u, m.Memory.ReadUInt32(0x300000));
    }

    [Fact]
    public void ReadModifyWriteOnReadOnlyPageFaultsAsAWrite()
    {
        // The read of ADD [m], r is done with write intent: the error code has W=1 and memory is unchanged.
        const string body = "mov dword [0x300000], 5\nand dword [PTE(0x300000)], ~2\ninvlpg [0x300000]\nmov eax, cr0\nor eax, 0x10000\nmov cr0, eax\nfault: add dword [0x300000], 1";
        var m = Run(body);
        AssertPageFault(m, 3, 0x300000, Label(body, "fault"));
        Assert.Equal(5u, m.Memory.ReadUInt32(0x300000));
    }

    [Fact]
    public void ReadSetsAccessedAndWriteSetsDirty()
    {
        // Clear A/D everywhere for two pages, flush, then read one and write the other.
        const string body = @"
and dword [PTE(0x300000)], ~0x60
and dword [PTE(0x301000)], ~0x60
and dword [PD], ~0x60
mov eax, cr3
mov cr3, eax
mov eax, [0x300000]
mov dword [0x301000], 1
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        uint pte0 = m.Memory.ReadUInt32(0x21000 + (0x300 * 4)), pte1 = m.Memory.ReadUInt32(0x21000 + (0x301 * 4));
        Assert.Equal(0x20u, pte0 & 0x60);  // A, not D
        Assert.Equal(0x60u, pte1 & 0x60);  // A and D
        Assert.Equal(0x20u, m.Memory.ReadUInt32(0x20000) & 0x60); // the PDE gets A, never D
    }

    [Fact]
    public void FirstWriteThroughACleanTlbEntrySetsDirty()
    {
        // A read caches the translation with D clear; the later write must still set D in memory.
        const string body = @"
and dword [PTE(0x300000)], ~0x60
invlpg [0x300000]
mov eax, [0x300000]
mov dword [0x300000], 7
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0x60u, m.Memory.ReadUInt32(0x21000 + 0x300 * 4) & 0x60);
    }

    [Fact]
    public void FourMegabytePagesWithPse()
    {
        const string body = @"
mov dword [PD + 4], 0x00800000 | 0x83   ; 4 MiB page: linear 0x400000 -> physical 0x800000
mov eax, cr4
or eax, 0x10
mov cr4, eax
mov dword [0x400123], 0xBEEF
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0xBEEFu, m.Memory.ReadUInt32(0x800123));
        Assert.Equal(0x60u, m.Memory.ReadUInt32(0x20004) & 0x60); // A and D in the PDE of a large page
    }

    [Fact]
    public void WithoutPsePageSizeBitIsIgnoredAndTheEntryPointsToATable()
    {
        // PSE off: PDE 1 = 0x21000|0x87 is a page-table pointer (bit 7 ignored), so 0x400000 maps like 0x0.
        const string body = @"
mov dword [PD + 4], PT | 0x87
mov dword [0x5000], 0x5A5A
mov ebx, [0x405000]
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0u, m.ExitPort.ExitCode);
        Assert.Equal(0x5A5Au, m.Cpu.Ebx);
    }

    [Fact]
    public void InvlpgMakesTheNewMappingVisible()
    {
        const string body = @"
mov dword [0x300000], 1
mov dword [0x301000], 2
mov eax, [0x300000]               ; cache the translation
mov dword [PTE(0x300000)], 0x301000 | 7
invlpg [0x300000]
mov eax, [0x300000]
mov ebx, eax
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(2u, m.Cpu.Ebx);
    }

    [Fact]
    public void Cr3ReloadFlushesNonGlobalEntries()
    {
        const string body = @"
mov dword [0x300000], 1
mov dword [0x301000], 2
mov eax, [0x300000]
mov dword [PTE(0x300000)], 0x301000 | 7
mov eax, cr3
mov cr3, eax
mov ebx, [0x300000]
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(2u, m.Cpu.Ebx);
    }

    [Fact]
    public void GlobalEntrySurvivesCr3ReloadUntilPgeIsToggled()
    {
        // With CR4.PGE a global entry may survive MOV CR3 (this TLB keeps it, as hardware may);
        // clearing CR4.PGE must flush it (SDM 4.10.4.1).
        const string body = @"
mov eax, cr4
or eax, 0x80
mov cr4, eax
mov dword [0x300000], 1
mov dword [0x301000], 2
or dword [PTE(0x300000)], 0x100
invlpg [0x300000]
mov eax, [0x300000]
mov dword [PTE(0x300000)], 0x301000 | 7
mov eax, cr3
mov cr3, eax
mov esi, [0x300000]             ; still the global entry: 1
mov eax, cr4
and eax, ~0x80
mov cr4, eax
mov ebx, [0x300000]             ; flushed: 2
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(1u, m.Cpu.Esi);
        Assert.Equal(2u, m.Cpu.Ebx);
    }

    [Fact]
    public void WriteCrossingIntoANotPresentPageFaultsBeforeWritingAnything()
    {
        const string body = "mov dword [0x2FFFFC], 0x11111111\nand dword [PTE(0x300000)], ~1\ninvlpg [0x300000]\nfault: mov dword [0x2FFFFE], 0x22222222";
        var m = Run(body);
        AssertPageFault(m, 2, 0x300000, Label(body, "fault"));
        Assert.Equal(0x11111111u, m.Memory.ReadUInt32(0x2FFFFC));
    }

    [Fact]
    public void ReadCrossingPagesComesFromBothFrames()
    {
        // Linear 0x300FFE..0x301001 with page 0x301000 remapped to physical 0x305000.
        const string body = @"
mov dword [0x300FFC], 0xAABBCCDD
mov dword [0x305000], 0x11223344
mov dword [PTE(0x301000)], 0x305000 | 7
invlpg [0x301000]
mov ebx, [0x300FFE]
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(0x3344AABBu, m.Cpu.Ebx);
    }

    [Fact]
    public void FetchFromNotPresentPageFaultsAtTheTarget()
    {
        const string body = "and dword [PTE(0x300000)], ~1\ninvlpg [0x300000]\nmov eax, 0x300000\njmp eax";
        var m = Run(body);
        AssertPageFault(m, 0, 0x300000, 0x300000);
    }

    [Fact]
    public void InstructionCrossingIntoANotPresentPageFaultsWithCr2OnTheSecondPage()
    {
        // A 5-byte MOV EAX, imm32 at 0x300FFD: its last two bytes are on the absent page 0x301000.
        const string body = @"
mov byte [0x300FFD], 0xB8
and dword [PTE(0x301000)], ~1
invlpg [0x301000]
mov eax, 0x300FFD
jmp eax";
        var m = Run(body);
        AssertPageFault(m, 0, 0x301000, 0x300FFD);
    }

    [Fact]
    public void CodeIsRefetchedWhenItsLinearPageIsRemapped()
    {
        // Two physical pages with different code at the same linear address 0x400000 (PDE 1 -> table at 0x22000).
        const string body = @"
mov dword [PD + 4], 0x22000 | 7
mov dword [0x22000], 0x300000 | 7
mov byte [0x300000], 0xB8       ; mov eax, 1 ; ret
mov dword [0x300001], 1
mov byte [0x300005], 0xC3
mov byte [0x301000], 0xB8       ; mov eax, 2 ; ret
mov dword [0x301001], 2
mov byte [0x301005], 0xC3
call 0x400000
mov esi, eax
mov dword [0x22000], 0x301000 | 7
invlpg [0x400000]
call 0x400000
mov ebx, eax
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(1u, m.Cpu.Esi);
        Assert.Equal(2u, m.Cpu.Ebx);
    }

    [Fact]
    public void WritingCodeThroughAnAliasInvalidatesTheBlock()
    {
        // Linear 0x400000 and 0x300000 map the same physical page; code runs at 0x400000 and is patched through 0x300000.
        const string body = @"
mov dword [PD + 4], 0x22000 | 7
mov dword [0x22000], 0x300000 | 7
mov byte [0x300000], 0xB8
mov dword [0x300001], 1
mov byte [0x300005], 0xC3
call 0x400000
mov esi, eax
mov dword [0x300001], 3
call 0x400000
mov ebx, eax
mov al, 0
out 0xF4, al";
        var m = Run(body);
        Assert.Equal(1u, m.Cpu.Esi);
        Assert.Equal(3u, m.Cpu.Ebx);
    }

    [Fact]
    public void EnterFaultsWhenTheFinalStackPointerIsOnAnUnwritablePage()
    {
        // SDM ENTER: #PF whenever a write using the final stack pointer would cause one. ESP 0x301004:
        // EBP is pushed at 0x301000 (writable), the final ESP 0x300FFF lies on the read-only page.
        // (The handler would run on the same stack, so a recording monitor takes the fault instead.)
        const string body = "and dword [PTE(0x300000)], ~2\ninvlpg [0x300000]\nmov eax, cr0\nor eax, 0x10000\nmov cr0, eax\nmov esp, 0x301004\nfault: enter 1, 0";
        var m = new Machine();
        m.Memory.LoadIntoRam(0x10000, Nasm.Assemble("bits 32\norg 0x10000\n" + Prelude + body + "\nhlt"));
        TestGuest.EnterFlat32(m, 0x10000);
        var rec = new VirtLab.Engine.Tests.Instructions.ExceptionRecorder();
        m.Cpu.Monitor = rec;
        m.Run(100_000);
        Assert.Equal(ExceptionVector.PF, rec.Vector);
        Assert.Equal(3u, rec.ErrorCode);
        Assert.Equal(0x300FFFu, m.Cpu.Cr2);
        Assert.Equal(Label(body, "fault"), rec.Eip);
        Assert.Equal(0x301004u, m.Cpu.Esp);   // ESP and EBP restored
    }

    [Fact]
    public void DebuggerTranslationWalksWithoutSideEffects()
    {
        const string body = "mov dword [PTE(0x300000)], 0x305000 | 7\nand dword [PTE(0x301000)], ~1\nmov eax, cr3\nmov cr3, eax\nmov al, 0\nout 0xF4, al";
        var m = Run(body);
        uint pte = m.Memory.ReadUInt32(0x21000 + 0x300 * 4);
        Assert.True(m.Cpu.TryTranslateForDebugger(0x300123, out uint p));
        Assert.Equal(0x305123u, p);
        Assert.False(m.Cpu.TryTranslateForDebugger(0x301000, out _));
        Assert.Equal(pte, m.Memory.ReadUInt32(0x21000 + 0x300 * 4));   // no accessed bit set by the look-up
        Assert.Equal(0u, m.Cpu.Cr2);
    }

    [Fact]
    public void PagingWithoutProtectionIsGeneralProtection()
    {
        var m = TestGuest.Real16(@"
mov word [13*4], gp
mov word [13*4+2], 0
mov eax, 0x80000000
mov cr0, eax
hlt
gp: mov al, 0x0D
out 0xF4, al
hlt");
        Assert.Equal(0x0Du, m.ExitPort.ExitCode);
        Assert.False(m.Cpu.PagingEnabled);
    }

    [Fact]
    public void PageFaultWhileDeliveringPageFaultIsDoubleFault()
    {
        // The IDT itself sits on a page that is made not present: delivering #PF faults again -> #DF -> triple fault.
        const string body = "and dword [PTE(0x2000)], ~1\ninvlpg [0x2000]\nmov eax, [0x400000]";
        var m = Run(body);
        Assert.True(m.Cpu.ShutDown);
    }
}
