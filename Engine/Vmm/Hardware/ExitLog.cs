namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>The exit-information fields of one exit, kept for its record (SDM Vol. 3C 24.9).</summary>
/// <remarks><c>Eax</c> and <c>Ecx</c> are the guest's at the exit (not VMCS fields): the CPUID leaf, the MSR, the VMCALL function.</remarks>
internal readonly record struct ExitSnapshot(ulong Qualification, uint InterruptionInfo, uint InterruptionErrorCode, uint IdtVectoringInfo,
    uint IdtVectoringErrorCode, uint GuestPhysical, uint GuestLinear, uint InstructionInfo, uint Eax, uint Ecx)
{
    internal static ExitSnapshot From(Vmcs v, Cpu cpu) => new(v.Get(VmcsField.ExitQualification), (uint)v.Get(VmcsField.VmExitIntrInfo),
        (uint)v.Get(VmcsField.VmExitIntrErrorCode), (uint)v.Get(VmcsField.IdtVectoringInfoField), (uint)v.Get(VmcsField.IdtVectoringErrorCode),
        (uint)v.Get(VmcsField.GuestPhysicalAddress), (uint)v.Get(VmcsField.GuestLinearAddress), (uint)v.Get(VmcsField.VmxInstructionInfo), cpu.R[0], cpu.R[1]);
}

/// <summary>
/// The run's exits, kept compactly (an exit costs a few hundred nanoseconds; building its record and
/// decoding its fields would cost more), and turned into <see cref="VmExit"/> records when read.
/// </summary>
internal sealed class ExitLog : IReadOnlyList<VmExit>
{
    internal struct Entry
    {
        public VmExitReason Reason;
        public uint Rip;
        public ushort Cs;
        public byte Cpl;
        public VmExitAction Action;
        public ExitSnapshot Snapshot;
        public DecodedInstruction? Instruction;
        public byte[]? Bytes;
    }

    // Entries are small and copied as the list grows; notes and records built on reading live beside them.
    private readonly List<Entry> _entries = new();
    private readonly Dictionary<int, string> _notes = new();
    private readonly Dictionary<int, VmExit> _built = new();
    private readonly long _cycles;

    internal ExitLog(long cyclesPerExit) { _cycles = cyclesPerExit; }

    internal void Add(in Entry e, string? note)
    {
        if (note is not null) _notes[_entries.Count] = note;
        _entries.Add(e);
    }

    internal void Add(VmExit prebuilt)
    {
        _built[_entries.Count] = prebuilt with { Index = _entries.Count };
        _entries.Add(default);
    }

    public int Count => _entries.Count;

    public VmExit this[int index]
    {
        get
        {
            if (_built.TryGetValue(index, out var b)) return b;
            var e = _entries[index];
            _notes.TryGetValue(index, out var note);
            var built = new VmExit
            {
                Index = index, Mode = Labs.GuestMode.Hardware, Kind = VmExitKind.VmExit, Reason = e.Reason.ToString(), ReasonNumber = (int)e.Reason,
                GuestEip = e.Rip, GuestCs = e.Cs, Cpl = e.Cpl, InstructionText = e.Instruction?.Text ?? "", InstructionBytes = e.Bytes ?? Array.Empty<byte>(),
                Qualification = e.Snapshot.Qualification, Fields = ExitFields.Decode(e.Reason, e.Snapshot), Cycles = _cycles,
                Action = note ?? e.Action switch
                {
                    VmExitAction.Skip => "skipped", VmExitAction.Emulate => "emulated", VmExitAction.Inject => "injected",
                    VmExitAction.Stop => "stopped", _ => "resumed",
                },
            };
            _built[index] = built;
            return built;
        }
    }

    public IEnumerator<VmExit> GetEnumerator()
    {
        for (int i = 0; i < _entries.Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
