using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>
/// A guest can never crash the host: random bytes run as a real-mode boot sector and as flat 32-bit
/// protected-mode code under the built-in VMM (every exception in the bitmap, every optional exit on)
/// end with a stop reason, never an exception out of the engine, and in the same state as natively
/// where the VMM only emulates.
/// </summary>
public class HardwareRobustnessTests
{
    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 30).Select(i => new object[] { i });

    private static HardwareSettings Everything() => new()
    {
        ExceptionBitmap = 0xFFFF_FFFF,
        Primary = (uint)(PrimaryProcessorControls.HltExiting | PrimaryProcessorControls.UnconditionalIoExiting | PrimaryProcessorControls.ActivateSecondaryControls
            | PrimaryProcessorControls.InvlpgExiting | PrimaryProcessorControls.RdtscExiting | PrimaryProcessorControls.RdpmcExiting | PrimaryProcessorControls.MovDrExiting
            | PrimaryProcessorControls.Cr3LoadExiting | PrimaryProcessorControls.Cr3StoreExiting | PrimaryProcessorControls.MwaitExiting | PrimaryProcessorControls.MonitorExiting
            | PrimaryProcessorControls.PauseExiting),
        Secondary = (uint)(SecondaryProcessorControls.EnableEpt | SecondaryProcessorControls.UnrestrictedGuest | SecondaryProcessorControls.DescriptorTableExiting
            | SecondaryProcessorControls.WbinvdExiting),
        Cr0Mask = 0xE, Cr4Mask = 0x9F,
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_real_mode_bytes_stop_cleanly_and_as_natively(int seed)
    {
        var bytes = new byte[512];
        new Random(seed).NextBytes(bytes);
        var native = new Machine();
        native.LoadFlatImage(bytes);
        var n = native.Run(20_000);

        var hardware = new Machine();
        hardware.LoadFlatImage(bytes);
        var monitor = new HardwareMonitor(Everything());
        monitor.Attach(hardware);
        var h = hardware.Run(20_000);

        Assert.True(monitor.EntryFailure is null, monitor.StopMessage);
        if (h.StopReason == StopReason.MonitorStop) return; // the VMM refused something (an EPT fetch it cannot emulate): stopped, not crashed
        Assert.Equal(n.StopReason, h.StopReason);
        Assert.Equal(n.ConsoleText, h.ConsoleText);
        Assert.Equal(native.Cpu.R, hardware.Cpu.R);
        Assert.Equal(native.Cpu.Eip, hardware.Cpu.Eip);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_protected_mode_bytes_stop_cleanly(int seed)
    {
        var rng = new Random(seed * 7919);
        var bytes = new byte[4096];
        rng.NextBytes(bytes);
        var guest = HardwareGuest.Build("nop");
        guest.Machine.Memory.Write(HardwareGuest.Code, bytes);
        var monitor = new HardwareMonitor(Everything());
        monitor.Attach(guest.Machine);
        var r = guest.Machine.Run(20_000);
        Assert.True(Enum.IsDefined(r.StopReason));
        Assert.True(monitor.EntryFailure is null || monitor.StopMessage is not null);
        foreach (var e in monitor.Exits) Assert.False(string.IsNullOrEmpty(e.Reason)); // every record builds
    }
}
