using VirtLab.Engine;

namespace VirtLab.Cmdlets;

/// <summary>The register names the cmdlets accept, with their size and how to read and write them on a <see cref="Cpu"/>.</summary>
internal static class RegisterFile
{
    private sealed record Entry(string Name, int Bits, Func<Cpu, uint> Get, Action<Cpu, uint>? Set, string? ReadOnlyReason = null);

    private static readonly string[] Gpr32 = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
    private static readonly string[] Gpr16 = { "AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI" };
    private static readonly string[] Gpr8 = { "AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH" };
    private static readonly SegmentRegister[] SegmentOrder = { SegmentRegister.CS, SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.SS, SegmentRegister.FS, SegmentRegister.GS };

    private static readonly List<Entry> Entries = Build();
    private static readonly Dictionary<string, Entry> ByName = Entries.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every register name, in display order (32-bit registers first, then 16- and 8-bit parts, segments, control and debug registers).</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>The names <c>Get-GuestRegister</c> shows when no name is given: the 32-bit view of the machine.</summary>
    public static IReadOnlyList<string> DefaultNames { get; } = Gpr32.Concat(new[] { "EIP", "EFLAGS", "CS", "DS", "ES", "SS", "FS", "GS", "CR0", "CR2", "CR3", "CR4" }).ToArray();

    private static List<Entry> Build()
    {
        var list = new List<Entry>();
        for (int i = 0; i < 8; i++) { int r = i; list.Add(new(Gpr32[i], 32, c => c.R[r], (c, v) => c.R[r] = v)); }
        list.Add(new("EIP", 32, c => c.Eip, (c, v) => c.Eip = v));
        list.Add(new("EFLAGS", 32, c => c.EFlags, (c, v) => c.EFlags = v));
        for (int i = 0; i < 8; i++) { int r = i; list.Add(new(Gpr16[i], 16, c => c.GetReg16(r), (c, v) => c.SetReg16(r, (ushort)v))); }
        list.Add(new("IP", 16, c => c.Eip & 0xFFFF, (c, v) => c.Eip = (c.Eip & 0xFFFF_0000) | (v & 0xFFFF)));
        list.Add(new("FLAGS", 16, c => c.EFlags & 0xFFFF, (c, v) => c.EFlags = (c.EFlags & 0xFFFF_0000) | (v & 0xFFFF)));
        for (int i = 0; i < 8; i++) { int r = i; list.Add(new(Gpr8[i], 8, c => c.GetReg8(r), (c, v) => c.SetReg8(r, (byte)v))); }
        foreach (var s in SegmentOrder)
        {
            var seg = s;
            list.Add(new(seg.ToString(), 16, c => c.GetSegment(seg).Selector, (c, v) =>
            {
                // Protected mode would need a descriptor load with its checks (SDM Vol. 3A 5.4): only real-mode loads are offered.
                if (c.ProtectedMode && !c.Virtual8086)
                    throw new InvalidOperationException($"{seg} can be set only in real or virtual-8086 mode: in protected mode a selector load reads a descriptor, which the guest must do itself.");
                c.LoadSegmentReal(seg, (ushort)v);
            }));
        }
        list.Add(new("CR0", 32, c => c.Cr0, (c, v) => c.WriteCr0(v)));
        list.Add(new("CR2", 32, c => c.Cr2, (c, v) => c.Cr2 = v));
        list.Add(new("CR3", 32, c => c.Cr3, null, "CR3 is read-only here: a new page-directory base needs a TLB flush the engine does only for the guest's own MOV CR3."));
        list.Add(new("CR4", 32, c => c.Cr4, (c, v) => c.WriteCr4(v)));
        for (int i = 0; i < 8; i++)
        {
            if (i is 4 or 5) continue; // DR4/DR5 alias DR6/DR7 (SDM Vol. 3A 18.2.2)
            int r = i;
            list.Add(new($"DR{i}", 32, c => c.Dr[r], null, "Debug registers are read-only here: the guest arms breakpoints with MOV DRn."));
        }
        list.Add(new("GDTR.BASE", 32, c => c.GdtrBase, null, "GDTR is read-only here: the guest loads it with LGDT."));
        list.Add(new("GDTR.LIMIT", 16, c => c.GdtrLimit, null, "GDTR is read-only here: the guest loads it with LGDT."));
        list.Add(new("IDTR.BASE", 32, c => c.IdtrBase, null, "IDTR is read-only here: the guest loads it with LIDT."));
        list.Add(new("IDTR.LIMIT", 16, c => c.IdtrLimit, null, "IDTR is read-only here: the guest loads it with LIDT."));
        return list;
    }

    /// <summary>True when <paramref name="name"/> (any case) is a register name.</summary>
    public static bool Exists(string name) => ByName.ContainsKey(name);

    /// <summary>The canonical (upper-case) name.</summary>
    public static string Canonical(string name) => ByName[name].Name;

    public static int Bits(string name) => ByName[name].Bits;

    public static uint Read(Cpu cpu, string name) => ByName[name].Get(cpu);

    /// <summary>Null when the register can be written, otherwise why not.</summary>
    public static string? WhyReadOnly(string name) => ByName[name] is { Set: null } e ? e.ReadOnlyReason : null;

    /// <summary>Writes a register; a value wider than the register is an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public static void Write(Cpu cpu, string name, uint value)
    {
        var e = ByName[name];
        if (e.Set is null) throw new InvalidOperationException(e.ReadOnlyReason);
        if (e.Bits < 32 && value >> e.Bits != 0)
            throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:X} does not fit in the {e.Bits}-bit register {e.Name}.");
        e.Set(cpu, value);
    }
}
