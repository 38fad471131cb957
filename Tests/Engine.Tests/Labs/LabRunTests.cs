using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Labs;

/// <summary>Guests built from lab files run natively: each start state, the engine's ring tables, cancellation, the unavailable modes.</summary>
public class LabRunTests
{
    private const string Real16Hello = """
        name: hello
        guests:
          - name: hello
            start: real16
            memory:
              - name: ram
                base: 0
                size: 64KiB
                at: 0x7C00
                asm: |
                  start:
                      mov si, message
                      mov dx, 0xE9
                  next:
                      lodsb
                      test al, al
                      jz done
                      out dx, al
                      jmp next
                  done:
                      mov al, 7
                      out 0xF4, al
                      hlt
                  message:
                      db "hi from real mode", 10, 0
        """;

    [Fact]
    public void Devices_list_selects_the_machines_devices_and_their_ports()
    {
        // Only the console (moved to 0x402) and the exit device: port 0xE9 and the POST port decode nothing.
        var lab = Lab.FromYaml("""
            name: devices
            guests:
              - name: g
                start: real16
                devices:
                  - {type: console, port: 0x402}
                  - {type: exit}
                memory:
                  - name: ram
                    base: 0
                    size: 64KiB
                    at: 0x7C00
                    asm: |
                        mov dx, 0x402
                        mov al, 'A'
                        out dx, al
                        mov al, 'B'
                        out 0xE9, al
                        mov dx, 0x190
                        out dx, al
                        mov al, 3
                        out 0xF4, al
            """);
        var guest = lab.Guests[0];
        var run = guest.Run();
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("A", run.ConsoleText);
        Assert.Empty(run.PostCodes);
        Assert.Equal(MachineDevices.DebugConsole | MachineDevices.ExitPort, guest.Machine.Devices);
        Assert.Null(guest.Machine.Cpu.InterruptSource);
    }

    [Fact]
    public void Mmio_console_region_receives_whole_writes()
    {
        var lab = Lab.FromYaml("""
            name: mmio
            guests:
              - name: g
                start: protected32
                memory:
                  - name: ram
                    base: 0
                    size: 1MiB
                    at: 0x10000
                    asm: |
                        mov dword [0xE0000000], 0x4B4F2121   ; "!!OK" lowest byte first
                        mov byte [0xE0000FFF], 10
                        mov eax, [0xE0000000]                ; reads return 0
                        mov ebx, eax
                        mov al, 0
                        out 0xF4, al
                  - {name: console, base: 0xE0000000, size: 4KiB, kind: mmio, device: console}
            """);
        var guest = lab.Guests[0];
        var run = guest.Run();
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("!!OK\n", run.ConsoleText);
        Assert.Equal(0u, guest.Machine.Cpu.Ebx);
        Assert.Equal(3, guest.Machine.Memory.MmioAccesses);   // one dword write, one byte write, one dword read
    }

    [Fact]
    public void Real16_inline_guest_prints_and_exits()
    {
        var lab = Lab.FromYaml(Real16Hello);
        var guest = lab.GetGuest("hello");
        Assert.Equal(GuestStartState.Real16, guest.Definition.Start);
        Assert.Equal(0x7C00u, guest.Definition.Entry);
        var run = guest.Run();
        Assert.Equal(StopReason.ExitPort, run.StopReason);
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("hi from real mode\n", run.ConsoleText);
        Assert.Empty(run.Exits);
        Assert.Empty(run.ExitsByReason);
        Assert.Equal(GuestMode.Native, run.Mode);
        Assert.Equal("hello", run.Lab);
        Assert.Equal("hello", run.Guest);
        Assert.False(run.Cancelled);
        Assert.Equal(run.InstructionsRetired, run.SimulatedCycles); // native: one cycle per instruction
        Assert.Same(run, guest.LastRun);
        Assert.Equal(0u, run.Registers["cs"]);
    }

    [Fact]
    public void Inline_asm_assembles_as_nasm_does()
    {
        var lab = LabLoader.Parse(Real16Hello);
        var region = lab.Guests[0].Memory[0];
        string source = "org 0x7C00\nbits 16\n" + string.Join("\n", Real16Hello.Split('\n').SkipWhile(l => !l.Contains("asm: |")).Skip(1).Select(l => l.Trim()));
        Assert.Equal(Nasm.Assemble(source), region.Contents[0].Bytes);
        Assert.Equal(0x7C00u, region.Contents[0].Address);
        Assert.Equal(0x7C00u + (uint)region.Contents[0].Bytes.Length - 19, lab.Guests[0].Symbols["message"]); // "hi from real mode\n\0" ends the code
    }

    [Fact]
    public void Reset_rom_from_a_file_runs_from_the_reset_vector()
    {
        string dir = Path.Combine(Path.GetTempPath(), "virtlab-labs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var rom = Nasm.Assemble(File.ReadAllText(Path.Combine(SampleLabTests.LabDir, "samples", "hello.asm")));
            Assert.Equal(0x10000, rom.Length);
            File.WriteAllBytes(Path.Combine(dir, "hello.bin"), rom);
            File.WriteAllText(Path.Combine(dir, "rom.yaml"), """
                name: rom
                guests:
                  - name: bios
                    start: reset
                    memory:
                      - {name: low, base: 0, size: 64KiB}
                      - {name: bios, base: 0xF0000, size: 64KiB, kind: rom, file: hello.bin}
                    expect:
                      stop: exit-port
                      exit-code: 0
                      console: "Hello from VirtLab\n"
                """);
            var lab = Lab.Load(Path.Combine(dir, "rom.yaml"));
            Assert.Equal(Path.Combine(dir, "rom.yaml"), lab.Definition.SourcePath);
            var guest = lab.Guests[0];
            Assert.Equal(Path.Combine(dir, "hello.bin"), guest.Definition.Memory[1].FilePath);
            Assert.Equal(0xFFFF_0000u, guest.Machine.Cpu.Segments[(int)SegmentRegister.CS].Base);
            Assert.Equal(0xFFF0u, guest.Machine.Cpu.Eip);
            Assert.Equal(0xEA, guest.Machine.Memory.ReadByte(0xFFFF_FFF0)); // the alias below 4 GiB: jmp far
            var run = guest.Run();
            Assert.All(ExpectationChecker.Check(guest.Definition, run), r => Assert.True(r.Passed, $"{r.Name}: {r.Expected} vs {r.Actual}"));

            // The same ROM through Lab.FromRom and straight on a Machine.
            var m = new Machine();
            m.LoadRom(rom);
            var direct = m.Run(1000);
            var fromRom = Lab.FromRom(rom).Guests[0].Run();
            Assert.Equal(direct.ConsoleText, fromRom.ConsoleText);
            Assert.Equal(direct.InstructionsRetired, fromRom.InstructionsRetired);
            Assert.Equal(direct.InstructionsRetired, run.InstructionsRetired);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Protected32_guest_runs_flat_with_the_engine_gdt()
    {
        var lab = Lab.FromYaml("""
            name: pm
            guests:
              - name: flat
                start: protected32
                registers: {ebx: 0x1234}
                memory:
                  - name: ram
                    base: 0
                    size: 1MiB
                    at: 0x10000
                    asm: |
                      start:
                        mov eax, 0x11223344
                        mov [0x20000], eax
                        mov esi, text
                        mov edx, 0xE9
                      .p:
                        lodsb
                        test al, al
                        jz .x
                        out dx, al
                        jmp .p
                      .x:
                        mov eax, cr0
                        mov ecx, cs
                        mov eax, 0x2A
                        out 0xF4, eax
                      text: db "32-bit", 0
                expect:
                  stop: exit-port
                  exit-code: 0x2A
                  console: "32-bit"
                  registers: {ebx: 0x1234, ecx: 0x08, cs: 0x08, ds: 0x10, ss: 0x10, esp: 0x1000, cr0: 0x11}
                  memory:
                    - {address: 0x20000, bytes: 44 33 22 11}
                    - {address: 0x1008, bytes: FF FF 00 00 00 9B CF 00}
            """);
        var guest = lab.Guests[0];
        Assert.Equal(0x10000u, guest.Definition.Entry);
        Assert.Equal(0x1000u, guest.Definition.Rings!.Tables);
        var run = guest.Run();
        var results = ExpectationChecker.Check(guest.Definition, run);
        Assert.Equal(12, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Expected} vs {r.Actual}"));
    }

    private const string Ring3Syscall = """
        name: syscall
        guests:
          - name: user
            start: paged32
            registers: {esp: 0x9000}
            rings:
              entry-ring: 3
              kernel-stack: 0x8000
              interrupts:
                0x80: syscall
                13: gp_fault
            memory:
              - name: ram
                base: 0
                size: 1MiB
                at: 0x10000
                asm: |
                  user:
                    mov eax, 'R'
                    int 0x80            ; ring 3 -> ring 0 through the DPL-3 gate and TSS.ESP0
                    cli                 ; CPL 3 > IOPL 0: #GP
                  syscall:
                    mov ebx, esp        ; the ring-0 stack
                    mov ecx, [esp+4]    ; the user CS pushed by the gate
                    mov dx, 0xE9
                    out dx, al
                    iretd
                  gp_fault:
                    mov edi, [esp+8]    ; CS of the faulting instruction
                    mov eax, cr0
                    mov esi, eax
                    mov al, 3
                    out 0xF4, al
            expect:
              stop: exit-port
              exit-code: 3
              console: "R"
              registers: {ebx: 0x7FEC, ecx: 0x2B, edi: 0x2B, esi: 0x80000011}
        """;

    [Fact]
    public void Paged32_ring3_guest_calls_ring0_through_the_idt_and_tss()
    {
        var lab = Lab.FromYaml(Ring3Syscall);
        var guest = lab.Guests[0];
        Assert.Equal(3, guest.Machine.Cpu.Cpl);
        Assert.Equal(0x2Bu, (uint)guest.Machine.Cpu.Segments[(int)SegmentRegister.CS].Selector);
        Assert.Equal(0x2000u, guest.Machine.Cpu.Cr3);
        var run = guest.Run();
        Assert.All(ExpectationChecker.Check(guest.Definition, run), r => Assert.True(r.Passed, $"{r.Name}: {r.Expected} vs {r.Actual}"));
    }

    [Fact]
    public void Paged32_maps_only_the_regions()
    {
        var lab = Lab.FromYaml("""
            name: holes
            guests:
              - name: g
                start: paged32
                memory:
                  - name: ram
                    base: 0
                    size: 64KiB
                    at: 0x8000
                    asm: |
                      mov eax, [0x10000]      ; no region there: not present, #PF, no IDT entry: shutdown
                      hlt
            """);
        var run = lab.Guests[0].Run();
        Assert.Equal(StopReason.TripleFault, run.StopReason);
        Assert.Equal(0x10000u, run.Registers["cr2"]);
    }

    [Fact]
    public void Holes_in_the_map_read_as_unmapped()
    {
        var lab = Lab.FromYaml("""
            name: holes
            guests:
              - name: g
                start: real16
                memory:
                  - {name: low, base: 0, size: 4KiB}
                  - {name: code, base: 0x7000, size: 4KiB, at: 0x7C00, asm: "mov ax, [0x2000]\nmov bx, [0x3000]\nhlt"}
                  - {name: gap, base: 0x3000, size: 4KiB, kind: unmapped}
                  - {name: table, base: 0x2000, size: 4KiB, fill: 0x5A}
                  - {name: bios, base: 0xF0000, size: 64KiB, kind: rom, hex: "AA BB"}
            """);
        var guest = lab.Guests[0];
        var mem = guest.Machine.Memory;
        Assert.Equal(MemoryRegionKind.Unmapped, mem.KindAt(0x1000));
        Assert.Equal(MemoryRegionKind.Unmapped, mem.KindAt(0x3000));
        Assert.Equal(MemoryRegionKind.Ram, mem.KindAt(0x2000));
        Assert.Equal(MemoryRegionKind.Rom, mem.KindAt(0xF0000));
        Assert.Equal(MemoryRegionKind.Rom, mem.KindAt(0xFFFF_0000)); // a ROM ending at 1 MiB is aliased
        Assert.Equal(0xAA, mem.ReadByte(0xF0000));
        Assert.Equal(0xFF, mem.ReadByte(0xF0002));
        var run = guest.Run();
        Assert.Equal(StopReason.Halted, run.StopReason);
        Assert.Equal(0x5A5Au, run.Registers["eax"] & 0xFFFF);
        Assert.Equal(0xFFFFu, run.Registers["ebx"] & 0xFFFF);
    }

    private const string Endless = """
        name: spin
        guests:
          - name: spin
            start: real16
            max-instructions: 1_000_000_000
            memory:
              - {name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: "l: inc eax\njmp l"}
        """;

    [Fact]
    public void Cancellation_returns_the_partial_run()
    {
        var guest = Lab.FromYaml(Endless).Guests[0];
        using var cts = new CancellationTokenSource();
        var reports = new List<RunProgress>();
        var progress = new SynchronousProgress(p => { reports.Add(p); if (reports.Count == 3) cts.Cancel(); });
        var run = guest.Run(cancellationToken: cts.Token, progress: progress);
        Assert.True(run.Cancelled);
        Assert.Equal(StopReason.BudgetExhausted, run.StopReason);
        Assert.Equal(3 * GuestInstance.SliceInstructions, run.InstructionsRetired);
        Assert.Equal(3, reports.Count);
        Assert.Equal(new[] { 1L, 2, 3 }.Select(n => n * GuestInstance.SliceInstructions), reports.Select(r => r.InstructionsRetired));
        Assert.All(reports, r => Assert.Equal(1_000_000_000, r.MaxInstructions));
        Assert.Equal(run.InstructionsRetired / 2, (long)run.Registers["eax"]);
        var check = ExpectationChecker.Check(new GuestDefinition { Name = "spin", Location = new("x", 1, 1), Expect = new ExpectDefinition { Stop = StopReason.BudgetExhausted } }, run);
        Assert.False(check.Single().Passed); // a cancelled run did not stop by itself
    }

    [Fact]
    public void Budget_and_continue()
    {
        var guest = Lab.FromYaml(Endless).Guests[0];
        var run = guest.Run(maxInstructions: 1001);
        Assert.Equal(StopReason.BudgetExhausted, run.StopReason);
        Assert.Equal(1001, run.InstructionsRetired);
        Assert.Equal(501u, run.Registers["eax"]);
        var more = guest.Continue(999);
        Assert.Equal(999, more.InstructionsRetired);
        Assert.Equal(1000u, more.Registers["eax"]);
        Assert.Same(more, guest.LastRun);
        var again = guest.Run(maxInstructions: 10); // Run starts over
        Assert.Equal(5u, again.Registers["eax"]);
        guest.Machine.Cpu.Eax = 99;
        guest.Reset();
        Assert.Equal(0u, guest.Machine.Cpu.Eax);
        Assert.Throws<ArgumentOutOfRangeException>(() => guest.Run(maxInstructions: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => guest.Continue(0));
    }

    [Theory]
    [InlineData(GuestMode.Full, "binary-translation")]
    public void Modes_without_a_technique_are_refused_by_name(GuestMode mode, string where)
    {
        var guest = Lab.FromYaml(Real16Hello).Guests[0];
        var ex = Assert.Throws<ModeNotAvailableException>(() => guest.Run(mode));
        Assert.Equal(mode, ex.Mode);
        Assert.Contains($"Mode {mode} is not available yet", ex.Message);
        Assert.Contains(where, ex.Message);
        Assert.IsAssignableFrom<NotSupportedException>(ex);
        Assert.Null(guest.LastRun);
    }

    [Fact]
    public void The_lab_default_mode_is_used_and_refused_when_unavailable()
    {
        var lab = Lab.FromYaml(Real16Hello.Replace("start: real16", "start: real16\n    mode: full"));
        Assert.Equal(GuestMode.Full, lab.Guests[0].Definition.Mode);
        Assert.Throws<ModeNotAvailableException>(() => lab.Guests[0].Run());
        Assert.Equal(StopReason.ExitPort, lab.Guests[0].Run(GuestMode.Native).StopReason);
        var hardware = Lab.FromYaml(Real16Hello.Replace("start: real16", "start: real16\n    mode: hardware"));
        Assert.Equal(GuestMode.Hardware, hardware.Guests[0].Run().Mode);
    }

    [Fact]
    public void GetGuest_names_the_valid_guests()
    {
        var lab = Lab.FromYaml(Real16Hello);
        Assert.Same(lab.Guests[0], lab.GetGuest("HELLO"));
        var ex = Assert.Throws<KeyNotFoundException>(() => lab.GetGuest("nope"));
        Assert.Equal("Lab 'hello' has no guest 'nope' (its guests: hello).", ex.Message);
    }

    [Fact]
    public void FromImage_enters_a_boot_sector_in_real_mode()
    {
        var image = Nasm.Assemble(File.ReadAllText(Path.Combine(SampleLabTests.LabDir, "samples", "primes.asm")));
        var run = Lab.FromImage(image).Guests[0].Run();
        var m = new Machine();
        m.LoadFlatImage(image);
        var direct = m.Run(100_000_000);
        Assert.Equal(direct.ConsoleText, run.ConsoleText);
        Assert.Equal(direct.InstructionsRetired, run.InstructionsRetired);
        Assert.Throws<ArgumentException>(() => Lab.FromImage(Array.Empty<byte>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lab.FromImage(new byte[1], 0x10_0000));
        Assert.Throws<ArgumentException>(() => Lab.FromRom(new byte[70_000]));
        Assert.Throws<ArgumentException>(() => Lab.FromRom(Array.Empty<byte>()));
    }

    [Fact]
    public void A_missing_lab_file_is_file_not_found()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => Lab.Load("/no/such/lab.yaml"));
        Assert.Contains("/no/such/lab.yaml", ex.Message);
    }

    /// <summary>Progress reported on the running thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
