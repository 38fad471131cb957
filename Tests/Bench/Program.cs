using System.Globalization;
using VirtLab.Engine;

// Usage: VirtLab.Bench <rom.bin> [maxInstructions]
// Runs the ROM once in the native engine and prints figures; it never asserts anything.
if (args.Length < 1 || args.Length > 2)
{
    Console.Error.WriteLine("usage: VirtLab.Bench <rom.bin> [maxInstructions]");
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
