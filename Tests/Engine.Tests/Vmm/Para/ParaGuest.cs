using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Para;

namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>Runs an inline ring-1 PV guest (32-bit asm at 0x10000, 4 MiB of RAM) under the paravirtual monitor.</summary>
internal static class ParaGuest
{
    /// <summary>Builds the lab of one PV guest whose code is <paramref name="asm"/>; <paramref name="para"/> adds lines to its para section.</summary>
    public static GuestInstance Build(string asm, string para = "", string memory = "4MiB", string? devices = null)
    {
        string body = string.Join("\n", asm.Replace("\r", "").Split('\n').Select(l => "          " + l));
        string yaml = $@"name: para-test
guests:
  - name: g
    mode: para
    start: protected32
{(devices is null ? "" : "    devices: " + devices + "\n")}    memory:
      - name: ram
        base: 0
        size: {memory}
        at: 0x10000
        asm: |
          bits 32
{body}
    para:
      hypercall-page: 0x20000
{(para.Length > 0 ? "      " + para.Replace("\n", "\n      ") : "")}
";
        return Lab.FromYaml(yaml).GetGuest("g");
    }

    public static (GuestRun Run, ParaMonitor Monitor) Run(string asm, string para = "", long max = 1_000_000, string memory = "4MiB")
    {
        var g = Build(asm, para, memory);
        var run = g.Run(GuestMode.Para, max);
        return (run, (ParaMonitor)g.Monitor!);
    }

    /// <summary>The hypercall exits of a run.</summary>
    public static VmExit[] Hypercalls(GuestRun run) => run.Exits.Where(e => e.Kind == VmExitKind.Hypercall).ToArray();

    public static int Result(VmExit e) => (int)e.Fields["result"];

    /// <summary>Asm for one hypercall by int 0x82: EAX = <paramref name="nr"/>, EBX, ECX, EDX, ESI, EDI = the arguments given.</summary>
    public static string Call(int nr, params string[] args)
    {
        var regs = new[] { "ebx", "ecx", "edx", "esi", "edi" };
        var text = $"    mov eax, {nr}\n";
        for (int i = 0; i < args.Length; i++) text += $"    mov {regs[i]}, {args[i]}\n";
        return text + "    int 0x82\n";
    }

    /// <summary>The results (EAX) of the run's hypercalls, in order.</summary>
    public static int[] Results(GuestRun run) => Hypercalls(run).Select(Result).ToArray();

    /// <summary>The shutdown call alone, for code that already holds <see cref="Poweroff"/> (and its shutdown_reason) elsewhere.</summary>
    public const string PoweroffCall = "    mov eax, 29\n    mov ebx, 2\n    mov ecx, shutdown_reason\n    int 0x82\n";

    /// <summary>A shutdown (sched_op 29, SCHEDOP_shutdown 2, reason poweroff 0) as the guest's last act, with its sched_shutdown structure.</summary>
    public const string Poweroff = @"
    mov eax, 29
    mov ebx, 2
    mov ecx, shutdown_reason
    int 0x82
    hlt
shutdown_reason: dd 0
";
}
