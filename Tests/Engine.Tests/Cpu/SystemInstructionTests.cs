using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Instructions;

/// <summary>CPUID, RDTSC, MSRs, control registers and descriptor-table instructions (SDM Vol. 2; Vol. 3A 2.5).</summary>
public class SystemInstructionTests
{
    // Runs real-mode code that ends with OUT 0xF4; a #GP (13) or #UD (6) handler exits with 0xD0+vector.
    private static (Machine M, RunResult R) Real(string body)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(@"bits 16
org 0x7C00
mov word [13*4], gp
mov word [13*4+2], 0
mov word [6*4], ud
mov word [6*4+2], 0
mov sp, 0x7000
" + body + @"
out 0xF4, al
gp: mov al, 0xDD
out 0xF4, al
ud: mov al, 0xD6
out 0xF4, al
"));
        return (m, m.Run(10_000));
    }

    [Fact]
    public void CpuidReportsTheDocumentedVendorAndFeatures()
    {
        var (m, _) = Real("xor eax, eax\ncpuid\nmov [0x600], ebx\nmov [0x604], edx\nmov [0x608], ecx\nmov esi, eax\nmov eax, 1\ncpuid\nmov edi, eax\nmov al, 0");
        Assert.Equal("VirtLab VCPU", System.Text.Encoding.ASCII.GetString(m.Memory.Read(0x600, 12)));
        Assert.Equal(1u, m.Cpu.Esi);
        Assert.Equal(CpuidInfo.Signature, m.Cpu.Edi);
        Assert.Equal(CpuidInfo.FeaturesEdx, m.Cpu.Edx);
    }

    [Fact]
    public void RdtscCountsRetiredInstructions()
    {
        var (m, _) = Real("rdtsc\nmov esi, eax\nnop\nnop\nrdtsc\nsub eax, esi\nmov edi, eax\nmov al, 0");
        Assert.Equal(4u, m.Cpu.Edi); // rdtsc, mov, nop, nop retire between the two reads
    }

    [Fact]
    public void UnmodelledMsrIsGp()
    {
        var (_, r) = Real("mov ecx, 0xC0000080\nrdmsr");
        Assert.Equal(0xDD, r.ExitCode);
    }

    [Fact]
    public void SysenterMsrsReadBackWhatWasWritten()
    {
        var (m, r) = Real("mov ecx, 0x176\nmov eax, 0x12345678\nxor edx, edx\nwrmsr\nxor eax, eax\nrdmsr\nmov esi, eax\nmov al, 0");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(0x12345678u, m.Cpu.Esi);
    }

    [Fact]
    public void SettingPagingWithoutProtectionIsGp()
    {
        var (_, r) = Real("mov eax, cr0\nor eax, 0x80000000\nmov cr0, eax");
        Assert.Equal(0xDD, r.ExitCode);
    }

    [Fact]
    public void MovToCr1IsUd()
    {
        var (_, r) = Real("db 0x0F, 0x22, 0xC8 ; mov cr1, eax");
        Assert.Equal(0xD6, r.ExitCode);
    }

    [Fact]
    public void LmswSetsButCannotClearPe()
    {
        var (m, _) = Real("smsw ax\nor al, 1\nlmsw ax\nand al, 0xFE\nlmsw ax\nmov eax, cr0\nmov esi, eax\nmov al, 0");
        Assert.Equal(1u, m.Cpu.Esi & 1);
        Assert.True(m.Cpu.ProtectedMode);
    }

    [Fact]
    public void SgdtWithSixteenBitOperandStoresTwentyFourBitBase()
    {
        var (m, _) = Real("lgdt [desc]\nsgdt [0x600]\no32 sgdt [0x610]\nmov al, 0\njmp done\ndesc: dw 0x1234\ndd 0xAB123456\ndone:");
        Assert.Equal(new byte[] { 0x34, 0x12, 0x56, 0x34, 0x12, 0x00 }, m.Memory.Read(0x600, 6));
        // LGDT with a 16-bit operand loaded only 24 bits, so the 32-bit store shows 0x00123456.
        Assert.Equal(new byte[] { 0x34, 0x12, 0x56, 0x34, 0x12, 0x00 }, m.Memory.Read(0x610, 6));
    }

    [Fact]
    public void CltsClearsTaskSwitched()
    {
        var (m, _) = Real("mov eax, cr0\nor al, 8\nmov cr0, eax\nclts\nmov eax, cr0\nmov esi, eax\nmov al, 0");
        Assert.Equal(0u, m.Cpu.Esi & 8);
        Assert.Equal(0x10u, m.Cpu.Esi & 0x10); // ET stays 1
    }
}

public class FpuAbsentTests
{
    private static int? Run(string body)
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble(@"bits 16
org 0x7C00
mov word [7*4], nm
mov word [7*4+2], 0
mov word [6*4], ud
mov word [6*4+2], 0
mov sp, 0x7000
" + body + @"
mov al, 0
out 0xF4, al
nm: mov al, 7
out 0xF4, al
ud: mov al, 6
out 0xF4, al
"));
        return m.Run(1000).ExitCode;
    }

    [Fact] public void EscapeWithEmSetIsNm() => Assert.Equal(7, Run("mov eax, cr0\nor al, 4\nmov cr0, eax\nfninit"));
    [Fact] public void EscapeWithTsSetIsNm() => Assert.Equal(7, Run("mov eax, cr0\nor al, 8\nmov cr0, eax\nfld st0"));
    [Fact] public void EscapeWithoutEmOrTsIsUd() => Assert.Equal(6, Run("fninit"));
    [Fact] public void WaitIsNmOnlyWithMpAndTs() => Assert.Equal(0, Run("mov eax, cr0\nor al, 8\nmov cr0, eax\nfwait"));
    [Fact] public void WaitWithMpAndTsIsNm() => Assert.Equal(7, Run("mov eax, cr0\nor al, 0x0A\nmov cr0, eax\nfwait"));
}
