using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// Basic exit reasons against SDM Vol. 3C appendix C (table C-1), cross-checked with Linux
/// arch/x86/include/uapi/asm/vmx.h (EXIT_REASON_*) and Bochs bochs/cpu/vmx.h.
/// </summary>
public class VmExitReasonTests
{
    [Theory]
    [InlineData(VmExitReason.ExceptionOrNmi, 0)]
    [InlineData(VmExitReason.ExternalInterrupt, 1)]
    [InlineData(VmExitReason.TripleFault, 2)]
    [InlineData(VmExitReason.InitSignal, 3)]
    [InlineData(VmExitReason.StartupIpi, 4)]
    [InlineData(VmExitReason.IoSmi, 5)]
    [InlineData(VmExitReason.OtherSmi, 6)]
    [InlineData(VmExitReason.InterruptWindow, 7)]
    [InlineData(VmExitReason.NmiWindow, 8)]
    [InlineData(VmExitReason.TaskSwitch, 9)]
    [InlineData(VmExitReason.Cpuid, 10)]
    [InlineData(VmExitReason.Getsec, 11)]
    [InlineData(VmExitReason.Hlt, 12)]
    [InlineData(VmExitReason.Invd, 13)]
    [InlineData(VmExitReason.Invlpg, 14)]
    [InlineData(VmExitReason.Rdpmc, 15)]
    [InlineData(VmExitReason.Rdtsc, 16)]
    [InlineData(VmExitReason.Rsm, 17)]
    [InlineData(VmExitReason.Vmcall, 18)]
    [InlineData(VmExitReason.Vmclear, 19)]
    [InlineData(VmExitReason.Vmlaunch, 20)]
    [InlineData(VmExitReason.Vmptrld, 21)]
    [InlineData(VmExitReason.Vmptrst, 22)]
    [InlineData(VmExitReason.Vmread, 23)]
    [InlineData(VmExitReason.Vmresume, 24)]
    [InlineData(VmExitReason.Vmwrite, 25)]
    [InlineData(VmExitReason.Vmxoff, 26)]
    [InlineData(VmExitReason.Vmxon, 27)]
    [InlineData(VmExitReason.CrAccess, 28)]
    [InlineData(VmExitReason.MovDr, 29)]
    [InlineData(VmExitReason.IoInstruction, 30)]
    [InlineData(VmExitReason.Rdmsr, 31)]
    [InlineData(VmExitReason.Wrmsr, 32)]
    [InlineData(VmExitReason.EntryFailureGuestState, 33)]
    [InlineData(VmExitReason.EntryFailureMsrLoading, 34)]
    [InlineData(VmExitReason.Mwait, 36)]
    [InlineData(VmExitReason.MonitorTrapFlag, 37)]
    [InlineData(VmExitReason.Monitor, 39)]
    [InlineData(VmExitReason.Pause, 40)]
    [InlineData(VmExitReason.EntryFailureMachineCheck, 41)]
    [InlineData(VmExitReason.TprBelowThreshold, 43)]
    [InlineData(VmExitReason.ApicAccess, 44)]
    [InlineData(VmExitReason.VirtualizedEoi, 45)]
    [InlineData(VmExitReason.GdtrIdtrAccess, 46)]
    [InlineData(VmExitReason.LdtrTrAccess, 47)]
    [InlineData(VmExitReason.EptViolation, 48)]
    [InlineData(VmExitReason.EptMisconfig, 49)]
    [InlineData(VmExitReason.Invept, 50)]
    [InlineData(VmExitReason.Rdtscp, 51)]
    [InlineData(VmExitReason.PreemptionTimer, 52)]
    [InlineData(VmExitReason.Invvpid, 53)]
    [InlineData(VmExitReason.Wbinvd, 54)]
    [InlineData(VmExitReason.Xsetbv, 55)]
    [InlineData(VmExitReason.ApicWrite, 56)]
    [InlineData(VmExitReason.Rdrand, 57)]
    [InlineData(VmExitReason.Invpcid, 58)]
    [InlineData(VmExitReason.Vmfunc, 59)]
    [InlineData(VmExitReason.Encls, 60)]
    [InlineData(VmExitReason.Rdseed, 61)]
    [InlineData(VmExitReason.PmlFull, 62)]
    [InlineData(VmExitReason.Xsaves, 63)]
    [InlineData(VmExitReason.Xrstors, 64)]
    public void Exit_reason_numbers_are_the_SDMs(VmExitReason reason, int number)
    {
        Assert.Equal(number, (int)reason);
        Assert.True(VmExitReasonField.IsDefined((uint)number));
    }

    [Fact]
    public void Reasons_0_to_64_are_all_defined_except_35_38_42()
    {
        var defined = Enum.GetValues<VmExitReason>().Select(r => (int)r).ToHashSet();
        Assert.Equal(62, defined.Count);
        for (int n = 0; n <= 64; n++)
            Assert.Equal(n is not (35 or 38 or 42), defined.Contains(n));
        Assert.False(VmExitReasonField.IsDefined(35));
        Assert.False(VmExitReasonField.IsDefined(65));
        Assert.False(VmExitReasonField.IsDefined(0x1_0000));
    }

    [Fact]
    public void A_failed_entry_sets_bit_31_of_the_exit_reason_field()
    {
        uint field = VmExitReasonField.Encode(VmExitReason.EntryFailureGuestState, entryFailure: true);
        Assert.Equal(0x8000_0021u, field);
        Assert.True(VmExitReasonField.IsEntryFailure(field));
        Assert.Equal(VmExitReason.EntryFailureGuestState, VmExitReasonField.BasicReason(field));
        uint cpuid = VmExitReasonField.Encode(VmExitReason.Cpuid);
        Assert.Equal(10u, cpuid);
        Assert.False(VmExitReasonField.IsEntryFailure(cpuid));
        Assert.Equal(VmExitReason.Cpuid, VmExitReasonField.BasicReason(cpuid | 0x0800_0000)); // other high bits do not change the basic reason
    }

    [Fact]
    public void Only_33_34_and_41_are_entry_failure_reasons()
    {
        var failures = Enum.GetValues<VmExitReason>().Where(VmExitReasonField.IsEntryFailureReason).Select(r => (int)r).ToArray();
        Assert.Equal(new[] { 33, 34, 41 }, failures);
    }
}
