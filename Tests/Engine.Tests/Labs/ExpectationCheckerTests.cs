using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>The expectation checker: every kind of expectation, passing and failing, with the expected and actual text it reports.</summary>
public class ExpectationCheckerTests
{
    private static GuestDefinition Guest(string expect) => LabLoader.Parse(
        "name: x\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: ram, base: 0, size: 4KiB, hex: F4}\n    expect:\n"
        + string.Join("\n", expect.Split('\n').Select(l => "      " + l))).Guests[0];

    private static GuestRun Run(StopReason stop = StopReason.ExitPort, int? exitCode = 0, string console = "", byte[]? post = null,
        IReadOnlyList<VmExit>? exits = null, Dictionary<string, uint>? registers = null, Dictionary<uint, byte[]>? memory = null, bool cancelled = false) => new()
    {
        Lab = "x", Guest = "g", StopReason = stop, ExitCode = exitCode, ConsoleText = console, PostCodes = post ?? Array.Empty<byte>(),
        Exits = exits ?? Array.Empty<VmExit>(), Registers = registers ?? new Dictionary<string, uint>(), MemorySnapshots = memory ?? new Dictionary<uint, byte[]>(),
        Cancelled = cancelled,
    };

    private static ExpectationResult One(string expect, GuestRun run) => Assert.Single(ExpectationChecker.Check(Guest(expect), run));

    [Fact]
    public void No_expect_section_no_results()
    {
        var g = LabLoader.Parse("name: x\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: ram, base: 0, size: 4KiB, hex: F4}").Guests[0];
        Assert.Empty(ExpectationChecker.Check(g, Run()));
    }

    [Fact]
    public void Stop()
    {
        Assert.Equal(new ExpectationResult("g", "stop", true, "exit-port", "exit-port"), One("stop: exit-port", Run()));
        Assert.Equal(new ExpectationResult("g", "stop", false, "halted", "triple-fault"), One("stop: halted", Run(StopReason.TripleFault)));
        Assert.Equal(new ExpectationResult("g", "stop", false, "budget-exhausted", "budget-exhausted (cancelled)"), One("stop: budget-exhausted", Run(StopReason.BudgetExhausted, cancelled: true)));
    }

    [Fact]
    public void Exit_code()
    {
        Assert.True(One("exit-code: 0x2A", Run(exitCode: 42)).Passed);
        Assert.Equal(new ExpectationResult("g", "exit-code", false, "0x2A", "0x2B"), One("exit-code: 0x2A", Run(exitCode: 43)));
        Assert.Equal(new ExpectationResult("g", "exit-code", false, "0x0", "none (the exit port was not written)"), One("exit-code: 0", Run(StopReason.Halted, null)));
    }

    [Fact]
    public void Console_exact_and_contains()
    {
        Assert.True(One("console: \"ab\\n\"", Run(console: "ab\n")).Passed);
        Assert.Equal(new ExpectationResult("g", "console", false, "\"ab\\n\"", "\"ab\""), One("console: \"ab\\n\"", Run(console: "ab")));
        Assert.True(One("console: {equals: ab}", Run(console: "ab")).Passed);
        Assert.True(One("console: {contains: b}", Run(console: "abc")).Passed);
        Assert.Equal(new ExpectationResult("g", "console contains", false, "contains \"z\"", "\"abc\""), One("console: {contains: z}", Run(console: "abc")));
    }

    [Fact]
    public void Post_codes()
    {
        Assert.True(One("post-codes: [1, 2, 0xFF]", Run(post: new byte[] { 1, 2, 0xFF })).Passed);
        Assert.Equal(new ExpectationResult("g", "post-codes", false, "[01 02]", "[01]"), One("post-codes: [1, 2]", Run(post: new byte[] { 1 })));
        Assert.True(One("post-codes: []", Run()).Passed);
    }

    [Fact]
    public void Registers_each_checked()
    {
        var results = ExpectationChecker.Check(Guest("registers: {eax: 1, cs: 0xF000}"), Run(registers: new() { ["eax"] = 1, ["cs"] = 0x1234 }));
        Assert.Equal(new[]
        {
            new ExpectationResult("g", "register eax", true, "0x00000001", "0x00000001"),
            new ExpectationResult("g", "register cs", false, "0x0000F000", "0x00001234"),
        }, results);
        Assert.Equal(new ExpectationResult("g", "register eax", false, "0x00000001", "not recorded"), One("registers: {eax: 1}", Run()));
    }

    [Fact]
    public void Memory_ranges()
    {
        const string expect = "memory: [{address: 0x500, bytes: \"DE AD\"}]";
        Assert.True(One(expect, Run(memory: new() { [0x500] = new byte[] { 0xDE, 0xAD } })).Passed);
        Assert.Equal(new ExpectationResult("g", "memory 0x00000500", false, "[DE AD]", "[DE AF]"), One(expect, Run(memory: new() { [0x500] = new byte[] { 0xDE, 0xAF } })));
        Assert.Equal("not recorded", One(expect, Run()).Actual);
    }

    [Fact]
    public void Memory_is_read_at_the_end_of_a_real_run()
    {
        var lab = Lab.FromYaml("name: m\nguests:\n  - name: g\n    start: real16\n    memory:\n      - {name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: \"mov word [0x500], 0xADDE\\nhlt\"}\n    expect:\n      memory: [{address: 0x500, bytes: DE AD}, {address: 0x4FF, bytes: 00 DE AD 00}]\n      stop: halted");
        var results = ExpectationChecker.Check(lab.Guests[0].Definition, lab.Guests[0].Run());
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, r.Name));
    }

    private static VmExit Exit(string reason, int index, params (string, object)[] fields) =>
        new() { Index = index, Mode = GuestMode.Hardware, Kind = VmExitKind.VmExit, Reason = reason, Fields = fields.ToDictionary(f => f.Item1, f => f.Item2), Qualification = 0x1F };

    private static readonly VmExit[] SomeExits =
    {
        Exit("IoInstruction", 0, ("port", (ushort)0xE9)),
        Exit("Hlt", 1),
        Exit("IoInstruction", 2, ("port", (ushort)0xE9)),
        Exit("ControlRegisterAccess", 3, ("cr", 3)),
        Exit("IoInstruction", 4, ("port", (ushort)0xF4)),
    };

    [Fact]
    public void Exits_by_reason_count_and_fields()
    {
        var run = Run(exits: SomeExits);
        Assert.Equal(new ExpectationResult("g", "exit IoInstruction", true, "at least once", "3 times"), One("exits: [{reason: IoInstruction}]", run));
        Assert.Equal(new ExpectationResult("g", "exit ioinstruction port=0xE9", true, "2 times", "2 times"), One("exits: [{reason: ioinstruction, count: 2, port: 0xE9}]", run));
        Assert.Equal(new ExpectationResult("g", "exit IoInstruction port=0xE9", false, "3 times", "2 times"), One("exits: [{reason: IoInstruction, count: 3, port: 0xE9}]", run));
        Assert.True(One("exits: [{reason: ControlRegisterAccess, cr: 3, count: 1}]", run).Passed);
        Assert.False(One("exits: [{reason: ControlRegisterAccess, cr: 0}]", run).Passed);
        Assert.False(One("exits: [{reason: Hlt, port: 0xE9}]", run).Passed); // the exit has no such field
        Assert.True(One("exits: [{reason: Hlt, qualification: 0x1F}]", run).Passed);
        Assert.True(One("exits: [{reason: Cpuid, count: 0}]", run).Passed);
        Assert.Equal(new ExpectationResult("g", "exit Cpuid", false, "at least once", "0 times"), One("exits: [{reason: Cpuid}]", run));
        Assert.Equal(new Dictionary<string, int> { ["IoInstruction"] = 3, ["Hlt"] = 1, ["ControlRegisterAccess"] = 1 }, run.ExitsByReason);
    }

    [Fact]
    public void Exits_in_order()
    {
        var run = Run(exits: SomeExits);
        var ok = ExpectationChecker.Check(Guest("exits:\n  - {reason: Hlt}\n  - {reason: ControlRegisterAccess}\n  - {reason: IoInstruction, port: 0xF4}\nexits-in-order: true"), run);
        Assert.Equal(4, ok.Count);
        Assert.All(ok, r => Assert.True(r.Passed, r.Name));
        Assert.Equal(new ExpectationResult("g", "exits in order", true, "Hlt, ControlRegisterAccess, IoInstruction port=0xF4", "in order"), ok[3]);

        var bad = ExpectationChecker.Check(Guest("exits:\n  - {reason: ControlRegisterAccess}\n  - {reason: Hlt}\nexits-in-order: true"), run);
        Assert.True(bad[0].Passed);
        Assert.True(bad[1].Passed); // each exit happened...
        Assert.Equal(new ExpectationResult("g", "exits in order", false, "ControlRegisterAccess, Hlt",
            "no 'Hlt' after the earlier ones; exits: IoInstruction, Hlt, IoInstruction, ControlRegisterAccess, IoInstruction"), bad[2]); // ...but not in this order

        var unordered = ExpectationChecker.Check(Guest("exits:\n  - {reason: ControlRegisterAccess}\n  - {reason: Hlt}\nexits-in-order: false"), run);
        Assert.Equal(2, unordered.Count);
    }

    [Fact]
    public void Results_come_in_schema_order()
    {
        var results = ExpectationChecker.Check(
            Guest("exits: [{reason: Hlt}]\nmemory: [{address: 0, bytes: F4}]\nregisters: {eax: 0}\npost-codes: []\nconsole: \"\"\nexit-code: 0\nstop: exit-port"),
            Run(exits: SomeExits, registers: new() { ["eax"] = 0 }, memory: new() { [0] = new byte[] { 0xF4 } }));
        Assert.Equal(new[] { "stop", "exit-code", "console", "post-codes", "register eax", "memory 0x00000000", "exit Hlt" }, results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed));
        Assert.Throws<ArgumentNullException>(() => ExpectationChecker.Check(null!, Run()));
        Assert.Throws<ArgumentNullException>(() => ExpectationChecker.Check(Guest("stop: halted"), null!));
    }
}
