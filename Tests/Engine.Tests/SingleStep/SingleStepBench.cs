using System.Text;

namespace VirtLab.Engine.Tests.SingleStep;

/// <summary>One failed test: what differed, and a readable account of it.</summary>
public sealed record TestFailure(SingleStepTest Test, IReadOnlyList<string> Differences, string Detail)
{
    /// <summary>The differing items without values ("ax", "flags[AF]", "ram", "stop", "fault"), for grouping failures by cause.</summary>
    public string Signature => string.Join(',', Differences);
}

/// <summary>
/// Runs single tests on one engine CPU: bare <see cref="Cpu"/> with 2 MiB of RAM and an empty port bus
/// (every port reads 0xFF/0xFFFF, as in the recording; <see cref="Machine"/> would put its debug
/// console, UART, exit and POST ports on the bus). All RAM pages are traced so every guest write is
/// seen; after a test only the bytes it loaded or wrote are cleared again. Not thread-safe: one per thread.
/// </summary>
public sealed class SingleStepBench : ICpuMonitor
{
    public const uint RamSize = 2u << 20;
    /// <summary>First slice of instructions; HLT stops the run well before it for every test.</summary>
    private const long FirstBudget = 64;
    /// <summary>Further slices only while the CPU is still on the test's instruction (a REP string instruction resumed): CX ≤ 65535 elements.</summary>
    private const long RepeatBudget = 70_000;

    private const int MaxFaults = 32;
    /// <summary>Wall-clock limit per test: the watchdog stops a run that takes longer (an engine hang).</summary>
    private static readonly long TimeoutTicks = System.Diagnostics.Stopwatch.Frequency * 5;
    private static readonly List<SingleStepBench> Live = new();
    private static readonly Timer Watchdog = new(_ => CheckTimeouts(), null, 1000, 1000);
    private long _runStart;
    private volatile bool _timedOut;

    private static void CheckTimeouts()
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (Live)
            foreach (var b in Live)
            {
                long start = Interlocked.Read(ref b._runStart);
                if (start != 0 && now - start > TimeoutTicks) { b._timedOut = true; b._cpu.RequestStop(StopReason.MonitorStop); }
            }
    }

    private readonly PhysicalMemory _memory;
    private readonly Cpu _cpu;
    private readonly List<uint> _written = new(64);
    private bool _logWrites;
    private readonly List<ExceptionVector> _faults = new(4);
    private readonly HashSet<uint> _touched = new();
    private readonly Dictionary<uint, byte> _expected = new();

    public SingleStepBench()
    {
        _memory = new PhysicalMemory(RamSize);
        _cpu = new Cpu(_memory, new IoBus());
        for (uint a = 0; a < RamSize; a += PhysicalMemory.PageSize) _memory.TracePage(a, true);
        _memory.TracedPageWritten = (address, size) =>
        {
            if (!_logWrites) return;
            for (int i = 0; i < size; i++) _written.Add(address + (uint)i);
        };
        _cpu.Monitor = this;
        lock (Live) Live.Add(this);
    }

    // ---- ICpuMonitor: a pass-through that only records the exceptions the CPU raises ----
    bool ICpuMonitor.OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind) => false;
    bool ICpuMonitor.OnPortIn(Cpu cpu, ushort port, int size, out uint value) { value = 0; return false; }
    bool ICpuMonitor.OnPortOut(Cpu cpu, ushort port, int size, uint value) => false;
    ExceptionDisposition ICpuMonitor.OnException(Cpu cpu, ExceptionVector vector, uint? errorCode)
    {
        _faults.Add(vector);
        // A fault in a handler that faults again retires nothing, so the run budget never ends it.
        return _faults.Count > MaxFaults ? ExceptionDisposition.Stop : ExceptionDisposition.Deliver;
    }
    void ICpuMonitor.OnTracedWrite(Cpu cpu, uint physicalAddress, int size) { }

    /// <summary>Runs one test; null when it passed.</summary>
    public TestFailure? Run(SingleStepTest t, ushort flagsMask, bool stackFaultAdjusted, bool stringFaultRestart = false)
    {
        var cpu = _cpu;
        cpu.Reset();
        _logWrites = false;
        _written.Clear();
        _faults.Clear();

        var initialRam = t.InitialRam;
        if (stackFaultAdjusted) initialRam = AdjustIvtForStackFault(initialRam);
        foreach (var (a, v) in initialRam) _memory.WriteByte(a, v);

        var init = t.Initial;
        cpu.R[0] = init[(int)Reg16.AX]; cpu.R[1] = init[(int)Reg16.CX]; cpu.R[2] = init[(int)Reg16.DX]; cpu.R[3] = init[(int)Reg16.BX];
        cpu.R[4] = init[(int)Reg16.SP]; cpu.R[5] = init[(int)Reg16.BP]; cpu.R[6] = init[(int)Reg16.SI]; cpu.R[7] = init[(int)Reg16.DI];
        cpu.LoadSegmentReal(SegmentRegister.ES, init[(int)Reg16.ES]);
        cpu.LoadSegmentReal(SegmentRegister.CS, init[(int)Reg16.CS]);
        cpu.LoadSegmentReal(SegmentRegister.SS, init[(int)Reg16.SS]);
        cpu.LoadSegmentReal(SegmentRegister.DS, init[(int)Reg16.DS]);
        cpu.LoadSegmentReal(SegmentRegister.FS, 0);
        cpu.LoadSegmentReal(SegmentRegister.GS, 0);
        cpu.Eip = init[(int)Reg16.IP];
        // README: IOPL and NT cannot be set in real mode on the 286; the recorded initial values are random.
        cpu.EFlags = init[(int)Reg16.FLAGS] & 0x0FFFu;

        uint startLinear = (uint)(init[(int)Reg16.CS] << 4) + init[(int)Reg16.IP];
        _logWrites = true;
        _timedOut = false;
        Interlocked.Exchange(ref _runStart, System.Diagnostics.Stopwatch.GetTimestamp());
        StopReason stop;
        string? crash = null;
        try
        {
            stop = cpu.Run(FirstBudget);
            // A REP string instruction yields after a slice of elements and restarts at its own address
            // (each restart retires as one instruction); while the CPU is still there, give it room up
            // to CX = 65535 elements even if each were retired separately. Anything else stuck fails.
            for (int slices = 0; stop == StopReason.BudgetExhausted && slices < 2 && cpu.Segments[(int)SegmentRegister.CS].Base + cpu.Eip == startLinear; slices++)
                stop = cpu.Run(RepeatBudget);
        }
        catch (Exception e)
        {
            stop = StopReason.None;
            crash = $"engine threw {e.GetType().Name}: {e.Message}";
        }
        Interlocked.Exchange(ref _runStart, 0);
        _logWrites = false;
        if (_timedOut) crash = "run did not end within 5 s (watchdog stopped it)";
        else if (_faults.Count > MaxFaults) crash = $"more than {MaxFaults} faults in one run (a fault loop); first: #{_faults[0]}";

        var expected = t.Final;
        if (stringFaultRestart)
        {
            expected = (ushort[])t.Final.Clone();
            foreach (var r in new[] { Reg16.SI, Reg16.DI, Reg16.CX }) expected[(int)r] = t.Initial[(int)r];
        }
        var failure = Compare(t, expected, flagsMask, stackFaultAdjusted, stringFaultRestart, initialRam, stop, crash);

        // Restore: every byte the test loaded or the engine wrote goes back to zero.
        foreach (var (a, _) in initialRam) _memory.WriteByte(a, 0);
        foreach (var a in _written) if (a < RamSize) _memory.WriteByte(a, 0);
        return failure;
    }

    /// <summary>IVT[12] (0x30-0x33) := the test's IVT[13] entry (0x34-0x37), so a 386's #SS reaches the recorded handler.</summary>
    private static (uint, byte)[] AdjustIvtForStackFault((uint Address, byte Value)[] ram)
    {
        var list = ram.ToList();
        for (uint i = 0; i < 4; i++)
        {
            int src = list.FindIndex(p => p.Address == 0x34 + i);
            if (src < 0) throw new InvalidDataException("INT 13 test without an IVT[13] entry in its initial RAM.");
            if (list.Exists(p => p.Address == 0x30 + i)) throw new InvalidDataException("INT 13 test that already uses IVT[12].");
            list.Add((0x30 + i, list[src].Value));
        }
        return list.ToArray();
    }

    private static readonly string[] FlagNames = { "CF", "b1", "PF", "b3", "AF", "b5", "ZF", "SF", "TF", "IF", "DF", "OF", "IOPL0", "IOPL1", "NT", "b15" };

    private TestFailure? Compare(SingleStepTest t, ushort[] final, ushort flagsMask, bool adjusted, bool restart, (uint Address, byte Value)[] initialRam, StopReason stop, string? crash)
    {
        var cpu = _cpu;
        List<string>? diffs = null;
        StringBuilder? sb = null;
        void Diff(string item, string text)
        {
            diffs ??= new List<string>();
            sb ??= new StringBuilder();
            diffs.Add(item);
            sb.Append("    ").Append(text).Append('\n');
        }

        if (crash != null) Diff("crash", crash);
        if (stop != StopReason.Halted) Diff("stop", $"run stopped with {stop}, not Halted (HLT not reached)");

        // General registers: the full 32 bits (the upper half must stay 0 in 16-bit code).
        static int Slot(int engine) => engine switch { 0 => 0, 1 => 2, 2 => 3, 3 => 1, 4 => 8, 5 => 9, 6 => 10, _ => 11 };
        for (int e = 0; e < 8; e++)
        {
            int slot = Slot(e);
            uint expected = final[slot], actual = cpu.R[e];
            if (actual != expected) Diff(SingleStepTest.RegName(slot), $"{SingleStepTest.RegName(slot)}: expected {expected:X4}, actual {(actual > 0xFFFF ? actual.ToString("X8") : actual.ToString("X4"))}");
        }
        (SegmentRegister Seg, Reg16 Slot)[] segs = { (SegmentRegister.CS, Reg16.CS), (SegmentRegister.SS, Reg16.SS), (SegmentRegister.DS, Reg16.DS), (SegmentRegister.ES, Reg16.ES) };
        foreach (var (seg, slot) in segs)
        {
            var cache = cpu.Segments[(int)seg];
            ushort expected = final[(int)slot];
            string name = SingleStepTest.RegName((int)slot);
            if (cache.Selector != expected) Diff(name, $"{name}: expected {expected:X4}, actual {cache.Selector:X4}");
            else if (cache.Base != (uint)expected << 4) Diff(name + ".base", $"{name}.base: expected {(uint)expected << 4:X5} (selector × 16), actual {cache.Base:X8}");
        }
        foreach (var seg in new[] { SegmentRegister.FS, SegmentRegister.GS })
            if (cpu.Segments[(int)seg].Selector != 0) Diff(seg.ToString().ToLowerInvariant(), $"{seg}: expected 0000 (untouched), actual {cpu.Segments[(int)seg].Selector:X4}");
        uint ip = final[(int)Reg16.IP];
        if (cpu.Eip != ip) Diff("ip", $"ip: expected {ip:X4}, actual {(cpu.Eip > 0xFFFF ? cpu.Eip.ToString("X8") : cpu.Eip.ToString("X4"))}");

        uint compareMask = flagsMask & 0x0FFFu;
        uint eflags = cpu.EFlags;
        uint expFlags = final[(int)Reg16.FLAGS] & compareMask, actFlags = eflags & compareMask;
        if (expFlags != actFlags || (eflags >> 16) != 0)
        {
            uint x = expFlags ^ actFlags;
            var names = Enumerable.Range(0, 16).Where(b => (x >> b & 1) != 0).Select(b => FlagNames[b]).ToList();
            if ((eflags >> 16) != 0) names.Add("upper");
            Diff($"flags[{string.Join(' ', names)}]", $"flags: expected {final[(int)Reg16.FLAGS]:X4}, actual {eflags:X4} (compared under mask {compareMask:X4}: expected {expFlags:X4} {FlagText(expFlags)}, actual {actFlags:X4} {FlagText(actFlags)}; differ in {string.Join(' ', names)})");
        }

        // RAM: every byte loaded, listed in final, or written by the engine.
        var expectedRam = _expected;
        expectedRam.Clear();
        _touched.Clear();
        foreach (var (a, v) in initialRam) { expectedRam[a] = v; _touched.Add(a); }
        foreach (var (a, v) in t.FinalRam) { expectedRam[a] = v; _touched.Add(a); }
        foreach (var a in _written) _touched.Add(a);
        // The FLAGS image an exception pushed is compared under the same mask. It lies at SS:SP+4 of
        // the handler's frame (IP, CS, FLAGS); the data's flag_address is one byte low when SP is odd.
        uint flagsLow = uint.MaxValue, flagsHigh = uint.MaxValue;
        if (t.Exception >= 0)
        {
            uint ssBase = (uint)final[(int)Reg16.SS] << 4, sp = final[(int)Reg16.SP];
            flagsLow = ssBase + ((sp + 4) & 0xFFFF);
            flagsHigh = ssBase + ((sp + 5) & 0xFFFF);
        }
        List<string>? ramDiffs = null;
        foreach (var a in _touched.Order())
        {
            byte expected = expectedRam.TryGetValue(a, out var v) ? v : (byte)0;
            byte actual = a < RamSize ? _memory.ReadByte(a) : (byte)0xFF;
            byte mask = 0xFF;
            if (a == flagsLow) mask = (byte)flagsMask;
            else if (a == flagsHigh) mask = (byte)((flagsMask >> 8) & 0x0F);
            if ((expected & mask) != (actual & mask))
            {
                ramDiffs ??= new List<string>();
                string tag = expectedRam.ContainsKey(a) ? "" : " (not in the test: an unexpected write)";
                ramDiffs.Add($"[{a:X5}] expected {expected:X2}, actual {actual:X2}{(mask != 0xFF ? $" (mask {mask:X2})" : "")}{tag}");
            }
        }
        if (ramDiffs != null) Diff("ram", "ram: " + string.Join("; ", ramDiffs.Take(12)) + (ramDiffs.Count > 12 ? $"; ... {ramDiffs.Count} bytes differ" : ""));

        if (adjusted && (_faults.Count == 0 || _faults[0] != ExceptionVector.SS))
            Diff("vector", $"expected #SS (12) for the SS access beyond offset FFFF (the 286 reports INT 13; IVT[12] was pointed at its handler), engine raised {(_faults.Count == 0 ? "no fault" : string.Join(", ", _faults.Select(f => "#" + f)))}");

        if (diffs == null) return null;
        var text = new StringBuilder();
        text.Append($"  {t.Name}  [{t.BytesHex}]  hash {t.Hash[..Math.Min(12, t.Hash.Length)]}\n");
        text.Append($"    initial: {t.InitialRegsText}\n");
        text.Append($"    286: {(t.Exception >= 0 ? $"exception {t.Exception} (FLAGS pushed at {flagsLow:X5})" : "no exception")}{(adjusted ? ", run as #SS (adjusted)" : "")}{(restart ? ", SI/DI/CX expected unchanged (string fault restart)" : "")}; engine faults: {(_faults.Count == 0 ? "none" : string.Join(", ", _faults.Select(f => $"#{f}({(int)f})")))}\n");
        text.Append(sb);
        return new TestFailure(t, diffs, text.ToString());
    }

    private static string FlagText(uint f)
    {
        var s = new StringBuilder(8);
        s.Append((f & 0x800) != 0 ? 'O' : 'o').Append((f & 0x400) != 0 ? 'D' : 'd').Append((f & 0x200) != 0 ? 'I' : 'i').Append((f & 0x100) != 0 ? 'T' : 't')
         .Append((f & 0x80) != 0 ? 'S' : 's').Append((f & 0x40) != 0 ? 'Z' : 'z').Append((f & 0x10) != 0 ? 'A' : 'a').Append((f & 4) != 0 ? 'P' : 'p').Append((f & 1) != 0 ? 'C' : 'c');
        return s.ToString();
    }
}
