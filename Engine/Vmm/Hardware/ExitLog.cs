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

    // Entries go in fixed chunks, never copied as the log grows (a million exits a second would spend
    // much of its time moving them); notes and records built on reading live beside them.
    private const int ChunkBits = 16, ChunkSize = 1 << ChunkBits;
    private readonly List<Entry[]> _chunks = new();
    private int _count;
    private readonly Dictionary<int, string> _notes = new();
    private readonly Dictionary<int, VmExit> _built = new();
    private readonly long _cycles;

    internal ExitLog(long cyclesPerExit) { _cycles = cyclesPerExit; }

    internal void Add(in Entry e, string? note)
    {
        if (note is not null) _notes[_count] = note;
        if ((_count & (ChunkSize - 1)) == 0) _chunks.Add(new Entry[ChunkSize]);
        _chunks[_count >> ChunkBits][_count & (ChunkSize - 1)] = e;
        _count++;
    }

    internal void Add(VmExit prebuilt)
    {
        _built[_count] = prebuilt with { Index = _count };
        Add(default(Entry), null);
    }

    public int Count => _count;

    public VmExit this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The log holds {_count} exits.");
            if (_built.TryGetValue(index, out var b)) return b;
            ref readonly var e = ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
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
        for (int i = 0; i < _count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
