using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>
/// Transparency (issue 6): every test guest and ROM of the repository runs in Hardware mode, with the
/// built-in VMM's defaults (every port exits, HLT and external interrupts exit, EPT and unrestricted
/// guest), exactly as natively: the same console, POST codes, stop, exit code, instruction count and
/// final state. Only the exits differ, and there must be some.
/// </summary>
public class TransparencyTests
{
    private const long Budget = 200_000_000;

    public static IEnumerable<object[]> Roms() =>
        QemuDifferentialTests.Guests().Select(g => new object[] { "diff", g[0] })
            .Concat(QemuDifferentialTests.RingsGuests().Select(g => new object[] { "diff-rings", g[0] }))
            .Concat(ProtectedModeRomQemuTests.Roms().Select(g => new object[] { "pm", g[0] }));

    [Theory]
    [MemberData(nameof(Roms))]
    public void Rom_runs_the_same_in_hardware_mode(string folder, string name)
    {
        var dir = Path.Combine(QemuDifferentialTests.RepoRoot, "Tests", "Guests", folder);
        string include = folder == "pm" ? ProtectedModeRomQemuTests.IncludeDir : QemuDifferentialTests.IncludeDir;
        var work = Path.Combine(Path.GetTempPath(), "virtlab-transparency", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var rom = ExternalTools.Assemble(Path.Combine(dir, name + ".asm"), include, work);
            var native = new Machine();
            native.LoadRom(rom);
            var n = native.Run(Budget);

            var hardware = new Machine();
            hardware.LoadRom(rom);
            var monitor = new HardwareMonitor();
            monitor.Attach(hardware);
            var h = hardware.Run(Budget);

            Assert.True(monitor.EntryFailure is null, $"{name}: {monitor.StopMessage}");
            Assert.True(monitor.ExitCount > 0, $"{name}: no exits in Hardware mode");
            AssertSameRun(name, n, h, native.Cpu, hardware.Cpu, monitor);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static void AssertSameRun(string name, RunResult n, RunResult h, Cpu nc, Cpu hc, HardwareMonitor monitor)
    {
        string where = $"{name}: native stopped {n.StopReason} at {n.FinalCs:X4}:{n.FinalEip:X8}, hardware {h.StopReason} at {h.FinalCs:X4}:{h.FinalEip:X8} ({monitor.StopMessage})";
        Assert.True(n.ConsoleText == h.ConsoleText, $"{where}\n{QemuDifferentialTests.FirstDifference(n.ConsoleText, h.ConsoleText)}");
        Assert.True(n.StopReason == h.StopReason, where);
        Assert.Equal(n.ExitCode, h.ExitCode);
        Assert.Equal(n.PostCodes, h.PostCodes);
        Assert.True(n.InstructionsRetired == h.InstructionsRetired, $"{where}: {n.InstructionsRetired} instructions natively, {h.InstructionsRetired} in hardware mode");
        AssertSameState(name, nc, hc);
    }

    /// <summary>The architectural state the guest can see: CR0.NE and CR4.VMXE are the VMM's (the guest reads its own values through the shadows).</summary>
    internal static void AssertSameState(string name, Cpu n, Cpu h)
    {
        Assert.Equal(n.R, h.R);
        Assert.Equal(n.Eip, h.Eip);
        Assert.Equal(n.GetEFlags(), h.GetEFlags());
        for (int s = 0; s < 6; s++) Assert.True(n.Segments[s].ToString() == h.Segments[s].ToString(), $"{name}: {(SegmentRegister)s} {n.Segments[s]} vs {h.Segments[s]}");
        Assert.Equal(n.Cr0 & ~0x20u, h.Cr0 & ~0x20u);
        Assert.Equal(n.Cr3, h.Cr3);
        Assert.Equal(n.Cr4, h.Cr4 & ~0x2000u);
        Assert.Equal(n.Cr2, h.Cr2);
        Assert.Equal(n.GdtrBase, h.GdtrBase);
        Assert.Equal(n.IdtrBase, h.IdtrBase);
        Assert.Equal(n.Halted, h.Halted);
    }

    public static IEnumerable<object[]> LabGuests()
    {
        var dir = Path.Combine(QemuDifferentialTests.RepoRoot, "Labs");
        foreach (var file in Directory.GetFiles(dir, "*.yaml").Order(StringComparer.Ordinal))
            foreach (var g in Lab.Load(file).Guests)
                if (g.Definition.Hardware is null) // guests with a hardware: section are VT-x exercises (an explicit EPT, VMCALL), not native guests
                    yield return new object[] { Path.GetFileName(file), g.Name };
    }

    [Theory]
    [MemberData(nameof(LabGuests))]
    public void Lab_guest_runs_the_same_in_hardware_mode(string file, string guest)
    {
        var path = Path.Combine(QemuDifferentialTests.RepoRoot, "Labs", file);
        var n = Lab.Load(path).GetGuest(guest);
        var h = Lab.Load(path).GetGuest(guest);
        var nr = n.Run(GuestMode.Native);
        var hr = h.Run(GuestMode.Hardware);
        Assert.True(hr.StopMessage is null || nr.StopReason == StopReason.TripleFault, $"{file}/{guest}: {hr.StopMessage}");
        Assert.Equal(nr.ConsoleText, hr.ConsoleText);
        Assert.Equal(nr.StopReason, hr.StopReason);
        Assert.Equal(nr.ExitCode, hr.ExitCode);
        Assert.Equal(nr.PostCodes, hr.PostCodes);
        Assert.Equal(nr.InstructionsRetired, hr.InstructionsRetired);
        AssertSameState(guest, n.Machine.Cpu, h.Machine.Cpu);
        Assert.NotEmpty(hr.Exits);
        Assert.True(hr.SimulatedCycles > nr.SimulatedCycles);
    }
}
