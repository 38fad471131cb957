using System.Globalization;
using VirtLab.Engine;

// Usage: VirtLab.Bench <rom.bin> [maxInstructions]
//        VirtLab.Bench assemble <file.asm> [includeDir]
// Runs the ROM once in the native engine (or assembles a source repeatedly) and prints figures; it
// never asserts anything.
if (args.Length >= 2 && args[0] == "assemble")
{
    var source = File.ReadAllText(args[1]);
    var options = new VirtLab.Engine.Assembly.AssemblerOptions
    {
        SourceName = args[1],
        IncludePaths = args.Length > 2 ? new[] { args[2] } : new[] { Path.GetDirectoryName(Path.GetFullPath(args[1]))! },
    };
    int lines = source.Split('\n').Length;
    double perSecond = VirtLab.Engine.Assembly.Assembler.MeasureLinesPerSecond(source, options);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"assembled: {Path.GetFileName(args[1])}, {lines} source lines"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"source lines per second: {perSecond:F0}"));
    return 0;
}
if (args.Length >= 1 && args[0] == "vtx-exits")
{
    // A CPUID loop under simulated VT-x with the built-in VMM: every CPUID is a VM exit and entry.
    long iterations = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 4_000_000;
    string yaml = $$"""
        name: cpuid-loop
        guests:
          - name: g
            start: protected32
            memory:
              - name: ram
                base: 0
                size: 1MiB
                at: 0x10000
                asm: |
                  start:
                      mov esi, {{iterations}}
                  next:
                      xor eax, eax
                      cpuid
                      dec esi
                      jnz next
                      hlt
        """;
    var guest = VirtLab.Engine.Labs.Lab.FromYaml(yaml).Guests[0];
    var monitor = new VirtLab.Engine.Vmm.Hardware.HardwareMonitor();
    monitor.Attach(guest.Machine);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var run = guest.Machine.Run(iterations * 4 + 100);
    clock.Stop();
    var ci = CultureInfo.InvariantCulture;
    Console.WriteLine($"stop reason: {run.StopReason}");
    Console.WriteLine(string.Create(ci, $"exits: {monitor.ExitCount} ({monitor.Exits.Count} kept as records)"));
    Console.WriteLine(string.Create(ci, $"elapsed seconds: {clock.Elapsed.TotalSeconds:F3}"));
    Console.WriteLine(string.Create(ci, $"built-in VMM exits per second: {monitor.ExitCount / clock.Elapsed.TotalSeconds:F0}"));
    Console.WriteLine(string.Create(ci, $"simulated cycles per loop iteration: {(double)monitor.Cycles / iterations:F0} (native: 4)"));
    return 0;
}
if (args.Length < 1 || args.Length > 2)
{
    Console.Error.WriteLine("usage: VirtLab.Bench <rom.bin> [maxInstructions] | VirtLab.Bench assemble <file.asm> [includeDir]");
    return 2;
}

long budget = args.Length == 2 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 2_000_000_000L;
var machine = new Machine();
machine.LoadRom(File.ReadAllBytes(args[0]));
RunResult r = machine.Run(budget);

var inv = CultureInfo.InvariantCulture;
Console.WriteLine($"stop reason: {r.StopReason}");
Console.WriteLine($"exit code: {(r.ExitCode is int code ? code.ToString(inv) : "none")}");
Console.WriteLine(string.Create(inv, $"instructions retired: {r.InstructionsRetired}"));
Console.WriteLine(string.Create(inv, $"elapsed seconds: {r.Elapsed.TotalSeconds:F3}"));
Console.WriteLine(string.Create(inv, $"native MIPS: {r.Mips:F1}"));
return 0;
