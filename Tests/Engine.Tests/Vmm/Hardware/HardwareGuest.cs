using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>A small guest for VT-x tests: inline asm at 0x10000 in 1 MiB of RAM, started in the given state, run under a HardwareMonitor with the given settings.</summary>
internal static class HardwareGuest
{
    public const uint Code = 0x10000;

    public static (GuestInstance Guest, HardwareMonitor Monitor, RunResult Result) Run(string asm, Action<HardwareSettings>? configure = null,
        string start = "protected32", long budget = 100_000, string extraGuestYaml = "", Action<HardwareMonitor>? beforeRun = null)
    {
        var guest = Build(asm, start, extraGuestYaml);
        var settings = new HardwareSettings();
        configure?.Invoke(settings);
        var monitor = new HardwareMonitor(settings);
        beforeRun?.Invoke(monitor);
        monitor.Attach(guest.Machine);
        var result = guest.Machine.Run(budget);
        return (guest, monitor, result);
    }

    public static GuestInstance Build(string asm, string start = "protected32", string extraGuestYaml = "")
    {
        string indented = string.Join("\n", asm.Split('\n').Select(l => "              " + l));
        string yaml = $"""
            name: vtx
            guests:
              - name: g
                start: {start}
                registers: {"{"}esp: 0x9000{"}"}
            {extraGuestYaml}
                memory:
                  - name: ram
                    base: 0
                    size: 1MiB
                    at: 0x10000
                    asm: |
            {indented}
            """;
        return Lab.FromYaml(yaml).Guests[0];
    }
}
