using System.Text;
using Xunit;
using static VirtLab.Engine.Tests.Instructions.CtrlGuest;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>MOVS CMPS SCAS LODS STOS INS OUTS with and without REP prefixes; expected values from the SDM's definitions.</summary>
public class StringOpsTests
{
    private const string At7D00 = "times 0x100-($-$$) db 0"; // real-mode guests: next byte at 0000:7D00
    private const string At7E00 = "times 0x200-($-$$) db 0";

    private static byte[] Bytes(Machine m, uint address, int count) => m.Memory.Read(address, count);

    // ---- MOVS ---------------------------------------------------------------------------------

    [Fact]
    public void RepMovsbCopiesForward()
    {
        var (m, r) = Real($"mov si, 0x7D00\nmov di, 0x600\nmov cx, 5\ncld\nrep movsb\nhlt\n{At7D00}\ndb 'Hello'");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal("Hello", Encoding.ASCII.GetString(Bytes(m, 0x600, 5)));
        Assert.Equal(0x7D05u, m.Cpu.Esi);
        Assert.Equal(0x605u, m.Cpu.Edi);
        Assert.Equal(0u, m.Cpu.Ecx);
    }

    [Fact]
    public void RepMovswWithDirectionDownCopiesOverlappingBlockUpwards()
    {
        // Words 1 2 3 4 at 600..607 copied to 602..609, last word first.
        var (m, _) = Real(@"
            mov word [0x600], 1
            mov word [0x602], 2
            mov word [0x604], 3
            mov word [0x606], 4
            mov si, 0x606
            mov di, 0x608
            mov cx, 4
            std
            rep movsw
            hlt");
        Assert.Equal(new ushort[] { 1, 1, 2, 3, 4 }, Enumerable.Range(0, 5).Select(i => Word(m, 0x600 + (uint)i * 2)));
        Assert.Equal(0x5FEu, m.Cpu.Esi);
        Assert.Equal(0x600u, m.Cpu.Edi);
        Assert.Equal(0u, m.Cpu.Ecx);
    }

    [Fact]
    public void MovsdWithoutRepMovesOneElementAndLeavesCx()
    {
        var (m, _) = Flat("mov dword [0x3000], 0x11223344\nmov esi, 0x3000\nmov edi, 0x4000\nmov ecx, 7\nmovsd\nhlt");
        Assert.Equal(0x11223344u, Dword(m, 0x4000));
        Assert.Equal(0x3004u, m.Cpu.Esi);
        Assert.Equal(0x4004u, m.Cpu.Edi);
        Assert.Equal(7u, m.Cpu.Ecx);
    }

    [Fact]
    public void RepneMeansRepOnMovs()
    {
        var (m, _) = Real($"mov si, 0x7D00\nmov di, 0x600\nmov cx, 3\nxor ax, ax\nrepne movsb\nhlt\n{At7D00}\ndb 'abc'");
        Assert.Equal("abc", Encoding.ASCII.GetString(Bytes(m, 0x600, 3)));
        Assert.Equal(0u, m.Cpu.Ecx & 0xFFFF);
    }

    [Fact]
    public void RepWithCountZeroDoesNothing()
    {
        // DI = FFFF would fault on a word store; with CX = 0 no element is executed at all.
        var (m, r) = Real("xor cx, cx\nmov di, 0xFFFF\nmov si, 0xFFFF\nrep movsw\nrep stosw\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Null(RealVector(m));
        Assert.Equal(0xFFFFu, m.Cpu.Edi);
        Assert.Equal(0xFFFFu, m.Cpu.Esi);
    }

    [Fact]
    public void RepeCmpsWithCountZeroLeavesTheFlags()
    {
        var (m, _) = Real("xor cx, cx\nrepe cmpsb\nhlt");      // XOR set ZF PF
        Assert.Equal(Cpu.ZF | Cpu.PF, m.Cpu.EFlags & Cpu.ArithFlags);
    }

    [Fact]
    public void SourceSegmentCanBeOverriddenButNotTheDestination()
    {
        // FS base 10000: the source is FS:SI; STOSB with an FS prefix still stores to ES:DI (ES = 0).
        var (m, _) = Real(@"
            mov ax, 0x1000
            mov fs, ax
            mov dword [fs:0], 0x44434241
            xor si, si
            mov di, 0x600
            mov cx, 4
            rep fs movsb
            mov al, 0x77
            fs stosb
            hlt");
        Assert.Equal("ABCD", Encoding.ASCII.GetString(Bytes(m, 0x600, 4)));
        Assert.Equal(0x77, Bytes(m, 0x604, 1)[0]);
        Assert.Equal(0, Bytes(m, 0x10604, 1)[0]);
    }

    // ---- CMPS / SCAS --------------------------------------------------------------------------

    [Fact]
    public void RepeCmpsbStopsAtTheFirstDifference()
    {
        // A=A, B=B, C<>X: stops after the third element with CX = 2; flags of 'C' - 'X' = 43h - 58h = EBh:
        // CF (borrow), AF (borrow from bit 4), SF, PF (EBh has six ones); ZF = OF = 0.
        var (m, _) = Real($"mov si, 0x7D00\nmov di, 0x7D10\nmov cx, 5\nrepe cmpsb\nhlt\n{At7D00}\ndb 'ABCDE'\ntimes 0x110-($-$$) db 0\ndb 'ABXDE'");
        Assert.Equal(2u, m.Cpu.Ecx);
        Assert.Equal(0x7D03u, m.Cpu.Esi);
        Assert.Equal(0x7D13u, m.Cpu.Edi);
        Assert.Equal(Cpu.CF | Cpu.PF | Cpu.AF | Cpu.SF, m.Cpu.EFlags & Cpu.ArithFlags);
    }

    [Fact]
    public void RepeCmpswOverEqualBlocksRunsOut()
    {
        var (m, _) = Real($"mov si, 0x7D00\nmov di, 0x7D00\nmov cx, 3\nrepe cmpsw\nhlt\n{At7D00}\ndw 1, 2, 3");
        Assert.Equal(0u, m.Cpu.Ecx);
        Assert.Equal(0x7D06u, m.Cpu.Esi);
        Assert.True(m.Cpu.GetZF());
    }

    [Fact]
    public void CmpsdSetsFlagsOfSourceMinusDestination()
    {
        // [ESI] = 1, [EDI] = 2: 1 - 2 = FFFFFFFFh: CF AF SF PF.
        var (m, _) = Flat("mov dword [0x3000], 1\nmov dword [0x4000], 2\nmov esi, 0x3000\nmov edi, 0x4000\ncmpsd\nhlt");
        Assert.Equal(Cpu.CF | Cpu.PF | Cpu.AF | Cpu.SF, m.Cpu.EFlags & Cpu.ArithFlags);
        Assert.Equal(0x3004u, m.Cpu.Esi);
        Assert.Equal(0x4004u, m.Cpu.Edi);
    }

    [Fact]
    public void RepneScasbFindsTheByte()
    {
        // "hello world": the space is the sixth byte: 6 elements, CX = 11 - 6, DI one past the match.
        var (m, _) = Real($"mov di, 0x7D00\nmov cx, 11\nmov al, ' '\nrepne scasb\nhlt\n{At7D00}\ndb 'hello world'");
        Assert.Equal(5u, m.Cpu.Ecx);
        Assert.Equal(0x7D06u, m.Cpu.Edi);
        Assert.True(m.Cpu.GetZF());
    }

    [Fact]
    public void RepneScasbNotFoundRunsOut()
    {
        var (m, _) = Real($"mov di, 0x7D00\nmov cx, 5\nmov al, 'z'\nrepne scasb\nhlt\n{At7D00}\ndb 'hello'");
        Assert.Equal(0u, m.Cpu.Ecx);
        Assert.Equal(0x7D05u, m.Cpu.Edi);
        Assert.False(m.Cpu.GetZF());
    }

    [Fact]
    public void RepeScaswStopsAtTheFirstMismatch()
    {
        var (m, _) = Real($"mov di, 0x7D00\nmov cx, 4\nmov ax, 0x1234\nrepe scasw\nhlt\n{At7D00}\ndw 0x1234, 0x1234, 0x1235, 0x1234");
        Assert.Equal(1u, m.Cpu.Ecx);
        Assert.Equal(0x7D06u, m.Cpu.Edi);
        Assert.False(m.Cpu.GetZF());
        Assert.True(m.Cpu.GetCF()); // 1234h - 1235h borrows
    }

    [Fact]
    public void ScasdWithDirectionDown()
    {
        var (m, _) = Flat("mov dword [0x3000], 5\nmov edi, 0x3000\nmov eax, 5\nstd\nscasd\nhlt");
        Assert.Equal(0x2FFCu, m.Cpu.Edi);
        Assert.True(m.Cpu.GetZF());
    }

    // ---- LODS / STOS --------------------------------------------------------------------------

    [Fact]
    public void LodsLoadsTheAccumulator()
    {
        var (m, _) = Real($"mov si, 0x7D00\nmov ebx, 0xFFFFFFFF\nlodsd\nmov ebx, eax\nmov cx, 3\nrep lodsb\nhlt\n{At7D00}\ndd 0x12345678\ndb 1, 2, 3");
        Assert.Equal(0x12345678u, m.Cpu.Ebx);
        Assert.Equal(0x12345603u, m.Cpu.Eax); // the last LODSB replaced AL only
        Assert.Equal(0x7D07u, m.Cpu.Esi);
    }

    [Fact]
    public void LodswWithDirectionDown()
    {
        var (m, _) = Real($"mov si, 0x7D02\nstd\nlodsw\nhlt\n{At7D00}\ndw 0x1111, 0x2222");
        Assert.Equal(0x2222u, m.Cpu.Eax & 0xFFFF);
        Assert.Equal(0x7D00u, m.Cpu.Esi);
    }

    [Fact]
    public void RepStosdFillsMemory()
    {
        var (m, _) = Flat("mov edi, 0x3000\nmov eax, 0xA5A5A5A5\nmov ecx, 1000\nrep stosd\nhlt");
        Assert.Equal(0xA5A5A5A5u, Dword(m, 0x3000));
        Assert.Equal(0xA5A5A5A5u, Dword(m, 0x3000 + 999 * 4));
        Assert.Equal(0u, Dword(m, 0x3000 + 1000 * 4));
        Assert.Equal(0x3000u + 4000, m.Cpu.Edi);
        Assert.Equal(0u, m.Cpu.Ecx);
    }

    [Fact]
    public void RepStosbBeyondOneHandlerCallCompletes()
    {
        // 200000 elements: more than one handler call's worth; the instruction resumes until ECX = 0.
        var (m, r) = Flat("mov edi, 0x100000\nmov ecx, 200000\nmov al, 0x5A\nrep stosb\nhlt");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0u, m.Cpu.Ecx);
        Assert.Equal(0x100000u + 200000, m.Cpu.Edi);
        Assert.Equal(0x5A, Bytes(m, 0x100000, 1)[0]);
        Assert.Equal(0x5A, Bytes(m, 0x100000 + 199999, 1)[0]);
        Assert.Equal(0, Bytes(m, 0x100000 + 200000, 1)[0]);
    }

    // ---- address size -------------------------------------------------------------------------

    [Fact]
    public void AddressSize16UsesCxOnly()
    {
        var (m, _) = Real("mov ecx, 0x00050002\nmov di, 0x600\nmov al, 0x11\nrep stosb\nhlt");
        Assert.Equal(0x00050000u, m.Cpu.Ecx);
        Assert.Equal(0x11, Bytes(m, 0x601, 1)[0]);
        Assert.Equal(0, Bytes(m, 0x602, 1)[0]);
    }

    [Fact]
    public void AddressSize32FromRealModeUsesEsiEdiEcx()
    {
        // 67 prefix: ESI/EDI/ECX with their upper halves; CX alone would be 2, ECX is 0x00000003.
        var (m, _) = Real($"mov esi, 0x7D00\nmov edi, 0x600\nmov ecx, 3\na32 rep movsb\nhlt\n{At7D00}\ndb 'xyz'");
        Assert.Equal("xyz", Encoding.ASCII.GetString(Bytes(m, 0x600, 3)));
        Assert.Equal(0x7D03u, m.Cpu.Esi);
        Assert.Equal(0x603u, m.Cpu.Edi);
        Assert.Equal(0u, m.Cpu.Ecx);
    }

    [Fact]
    public void AddressSize32FromRealModeBeyondTheLimitIsGeneralProtection()
    {
        // ESI = 10000 with DS limit FFFF: #GP(0), ESI unchanged. MOV ESI (6 bytes), then 67 AC at 7C06.
        var (m, _) = Real("mov esi, 0x10000\na32 lodsb\nhlt");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0x10000u, m.Cpu.Esi);
        Assert.Equal(0x7C06, StackWord(m, 0));
    }

    [Fact]
    public void AddressSize16InFlatModeWrapsSiAndKeepsTheUpperHalf()
    {
        var (m, _) = Flat("mov byte [0xFFFF], 0x42\nmov esi, 0x1234FFFF\nmov edi, 0x5678FFFE\na16 movsb\nhlt");
        Assert.Equal(0x12340000u, m.Cpu.Esi);
        Assert.Equal(0x5678FFFFu, m.Cpu.Edi);
        Assert.Equal(0x42, Bytes(m, 0xFFFE, 1)[0]);
    }

    // ---- faults in the middle of a repetition -------------------------------------------------

    [Fact]
    public void RepMovswFaultLeavesTheCompletedElementsAndPointsAtTheInstruction()
    {
        // DI = FFF9: words to FFF9, FFFB, FFFD; the fourth (FFFF) straddles the ES limit: #GP(0) with
        // CX = 7, SI = 7D06, DI = FFFF; the return address is the REP prefix (MOVs: 3 + 3 + 3 bytes).
        var (m, _) = Real($"mov si, 0x7D00\nmov di, 0xFFF9\nmov cx, 10\nrep movsw\nhlt\n{At7D00}\ndw 1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
        Assert.Equal(13, RealVector(m));
        Assert.Equal(7u, m.Cpu.Ecx);
        Assert.Equal(0x7D06u, m.Cpu.Esi);
        Assert.Equal(0xFFFFu, m.Cpu.Edi);
        Assert.Equal(0x7C09, StackWord(m, 0));
        Assert.Equal(new ushort[] { 1, 2, 3 }, new[] { Word(m, 0xFFF9), Word(m, 0xFFFB), Word(m, 0xFFFD) });
    }

    [Fact]
    public void RepMovswResumesAfterTheFaultHandlerReturns()
    {
        // The #GP handler moves DI to 800 and IRETs to the REP MOVSW, which finishes the remaining 7 words.
        var (m, r) = Real($@"
            mov word [13*4], 0x7E00
            mov word [13*4+2], 0
            mov si, 0x7D00
            mov di, 0xFFF9
            mov cx, 10
            rep movsw
            hlt
            {At7D00}
            dw 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            {At7E00}
            mov di, 0x800
            iret");
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(0u, m.Cpu.Ecx);
        Assert.Equal(0x7D14u, m.Cpu.Esi);
        Assert.Equal(0x80Eu, m.Cpu.Edi);
        Assert.Equal(new ushort[] { 4, 5, 6, 7, 8, 9, 10 }, Enumerable.Range(0, 7).Select(i => Word(m, 0x800 + (uint)i * 2)));
        Assert.Equal(3, Word(m, 0xFFFD));
    }

    [Fact]
    public void RepeCmpswFaultOnTheSourceKeepsTheCompletedElement()
    {
        // SI = FFFD, CX = 5: the first words (FFFD and 600) are equal; the second source word straddles
        // offset FFFF: #GP(0) after one element, CX = 4, and ZF from the completed comparison.
        var (m, _) = Real("mov word [0xFFFD], 0\nmov si, 0xFFFD\nmov di, 0x600\nmov cx, 5\nrepe cmpsw\nhlt");
        Assert.True(m.Cpu.GetZF()); // from the first (equal) comparison
        Assert.Equal(13, RealVector(m));
        Assert.Equal(4u, m.Cpu.Ecx);
        Assert.Equal(0xFFFFu, m.Cpu.Esi);
        Assert.Equal(0x602u, m.Cpu.Edi);
    }

    // ---- INS / OUTS ---------------------------------------------------------------------------

    [Fact]
    public void RepOutsbWritesTheDebugConsole()
    {
        var (_, r) = Real($"mov si, 0x7D00\nmov cx, 5\nmov dx, 0xE9\nrep outsb\nhlt\n{At7D00}\ndb 'Hello'");
        Assert.Equal("Hello", r.ConsoleText);
    }

    [Fact]
    public void OutswWithSegmentOverride()
    {
        var (m, r) = Real("mov ax, 0x1000\nmov gs, ax\nmov word [gs:0x10], 0x4241\nmov si, 0x10\nmov dx, 0xE9\ngs outsw\nhlt");
        Assert.Equal("A", r.ConsoleText); // the debug console keeps the low byte of each write
        Assert.Equal(0x12u, m.Cpu.Esi);
    }

    [Fact]
    public void RepInsbReadsThePort()
    {
        // The debug console reads as E9h; an unclaimed port reads as all ones.
        var (m, _) = Real("mov di, 0x600\nmov cx, 3\nmov dx, 0xE9\nrep insb\nmov dx, 0x300\ninsw\nhlt");
        Assert.Equal(new byte[] { 0xE9, 0xE9, 0xE9, 0xFF, 0xFF, 0 }, Bytes(m, 0x600, 6));
        Assert.Equal(0x605u, m.Cpu.Edi);
        Assert.Equal(0u, m.Cpu.Ecx);
    }

    [Fact]
    public void InsWithAFaultingDestinationDoesNotReadThePort()
    {
        var rec = new PortCounter();
        var (m, _) = Real("mov di, 0xFFFF\nmov dx, 0x300\ninsw\nhlt", monitor: rec);
        Assert.Equal(13, RealVector(m));
        Assert.Equal(0, rec.Reads);
    }

    [Fact]
    public void RepOutsbToTheExitPortStopsBetweenElements()
    {
        // The exit port asks the machine to stop: the REP yields after the element that wrote it,
        // with EIP at the instruction and the remaining count in CX (MOV SI, MOV CX, MOV DX: 9 bytes).
        var (m, r) = Real($"mov si, 0x7D00\nmov cx, 3\nmov dx, 0xF4\nrep outsb\nhlt\n{At7D00}\ndb 7, 8, 9");
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal(2u, m.Cpu.Ecx);
        Assert.Equal(0x7D01u, m.Cpu.Esi);
        Assert.Equal(0x7C09u, m.Cpu.Eip);
    }

    [Fact]
    public void InsAtCplAboveIoplWithoutABitmapIsGeneralProtection()
    {
        var rec = new ExceptionRecorder();
        Flat("mov edi, 0x3000\nmov dx, 0xE9\ninsb\nhlt", monitor: rec, setup: Ring3WithoutIoBitmap);
        Assert.Equal(ExceptionVector.GP, rec.Vector);
        Assert.Equal(0u, rec.ErrorCode);
        Assert.Equal(0x10009u, rec.Eip); // MOV EDI (5), MOV DX (4)
    }

    [Fact]
    public void OutsAtCplAboveIoplWithoutABitmapIsGeneralProtection()
    {
        var rec = new ExceptionRecorder();
        var (m, r) = Flat("mov esi, 0x3000\nmov dx, 0xE9\nmov ecx, 2\nrep outsb\nhlt", monitor: rec, setup: Ring3WithoutIoBitmap);
        Assert.Equal(ExceptionVector.GP, rec.Vector);
        Assert.Equal(2u, m.Cpu.Ecx);
        Assert.Equal(0x3000u, m.Cpu.Esi);
        Assert.Equal("", r.ConsoleText);
    }

    /// <summary>CPL 3, IOPL 0, and a 32-bit TSS (limit 67h) whose I/O bitmap offset lies beyond its limit: every port is denied (SDM Vol. 1 19.5.2).</summary>
    private static void Ring3WithoutIoBitmap(Machine m)
    {
        Ring3(m);
        m.Cpu.Tr = new SegmentCache { Selector = 0, Base = 0x4000, Limit = 0x67, Rights = 0x8B };
        m.Memory.WriteUInt16(0x4066, 0x68);
    }

    [Fact]
    public void InsAtCplThreeWithIoplThreeIsAllowed()
    {
        var rec = new ExceptionRecorder();
        var (m, _) = Flat("mov edi, 0x3000\nmov dx, 0xE9\ninsb\nud2", monitor: rec, setup: mm => { Ring3(mm); mm.Cpu.EFlags = 0x3002; });
        Assert.Equal(ExceptionVector.UD, rec.Vector);
        Assert.Equal(0xE9, Bytes(m, 0x3000, 1)[0]);
    }

    /// <summary>Counts port reads; lets the bus answer.</summary>
    private sealed class PortCounter : ICpuMonitor
    {
        public int Reads;
        public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) => false;
        public bool OnPortIn(Cpu cpu, ushort port, int size, out uint value) { Reads++; value = 0; return false; }
        public bool OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;
        public ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode) => ExceptionDisposition.Deliver;
        public void OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }
    }
}
