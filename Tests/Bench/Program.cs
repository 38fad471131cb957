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
