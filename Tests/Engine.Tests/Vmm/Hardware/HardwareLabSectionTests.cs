using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>The lab's <c>hardware:</c> section: every setting read and applied to the VMCS the run uses.</summary>
public class HardwareLabSectionTests
{
    private const string Yaml = """
        name: hw
        guests:
          - name: g
            start: protected32
            mode: hardware
            hardware:
              hlt-exiting: false
              use-io-bitmaps:
              rdtsc-exiting: true
              io-bitmap: [0x80, 0x3f8-0x3ff]
              msr-bitmap: {read: [0x174], write: [0x10, 0xC0000080]}
              exception-bitmap: [ud, "#GP", 14]
              pf-error-code-mask: 2
              pf-error-code-match: 2
              cr0-mask: 0x8
              cr4-mask: 0x10
              cr3-targets: [0x5000]
              tsc-offset: 0x100
              preemption-timer: 1000
              exit-cycles: 1000
              cpuid: {0x40000000: [1, 2, 3, 4]}
              ept:
                - {guest: 0, size: 1MiB, access: rwx}
                - {guest: 0x200000, size: 4KiB, host: 0x100000, access: r}
              vmcs: {tsc_offset: 0x200}
            memory:
              - name: ram
                base: 0
                size: 2MiB
                at: 0x10000
                asm: |
                  out 0x80, al
                  out 0x81, al
                  mov eax, 0x40000000
                  cpuid
                  mov byte [0x100000], 0x5A
                  mov esi, [0x200000]
                  rdtsc
                  hlt
        """;

    [Fact]
    public void Every_setting_is_read()
    {
        var h = Lab.FromYaml(Yaml).Guests[0].Definition.Hardware!;
        Assert.False(h.Controls[VmxControls.Find("hlt-exiting")]);
        Assert.True(h.Controls[VmxControls.Find("use-io-bitmaps")]);
        Assert.Equal(new ushort[] { 0x80, 0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC, 0x3FD, 0x3FE, 0x3FF }, h.IoBitmapPorts);
        Assert.Equal(new uint[] { 0x174 }, h.MsrReadExits);
        Assert.Equal(new uint[] { 0x10, 0xC000_0080 }, h.MsrWriteExits);
        Assert.Equal(1u << 6 | 1u << 13 | 1u << 14, h.ExceptionBitmap);
        Assert.Equal(2u, h.PageFaultErrorCodeMask);
        Assert.Equal(2u, h.PageFaultErrorCodeMatch);
        Assert.Equal(8u, h.Cr0Mask);
        Assert.Equal(0x10u, h.Cr4Mask);
        Assert.Equal(new uint[] { 0x5000 }, h.Cr3Targets);
        Assert.Equal(0x100ul, h.TscOffset);
        Assert.Equal(1000u, h.PreemptionTimer);
        Assert.Equal(1000, h.ExitCycles);
        Assert.Equal((1u, 2u, 3u, 4u), h.CpuidLeaves[0x4000_0000]);
        Assert.Equal(2, h.Ept!.Count);
        Assert.Equal(0x100000u, h.Ept[1].HostBase);
        Assert.Equal(EptPermissions.Read, h.Ept[1].Permissions);
        Assert.Equal((VmcsField.TscOffset, 0x200ul), h.RawFields.Single());
    }

    [Fact]
    public void The_run_uses_the_settings()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        var run = guest.Run();
        Assert.Equal(GuestMode.Hardware, run.Mode);
        var monitor = (HardwareMonitor)guest.Monitor!;
        Assert.Single(run.Exits, e => e.ReasonNumber == 30);              // only port 0x80 is in the bitmap
        Assert.Equal((ushort)0x80, run.Exits.First(e => e.ReasonNumber == 30).Fields["port"]);
        Assert.Single(run.Exits, e => e.ReasonNumber == 48);              // 0x100000 is outside this EPT: emulated
        Assert.Single(run.Exits, e => e.ReasonNumber == 16);              // rdtsc-exiting
        Assert.DoesNotContain(run.Exits, e => e.ReasonNumber == 12);      // hlt-exiting off
        Assert.Equal(0x5Au, guest.Machine.Cpu.Esi & 0xFF);                // guest-physical 0x200000 reads host 0x100000
        Assert.Equal(0x200ul, monitor.Vmcs.Read(VmcsField.TscOffset));   // the raw write came last
        Assert.Equal(8ul | 0x20, monitor.Vmcs.Read(VmcsField.Cr0GuestHostMask));
        Assert.All(run.Exits, e => Assert.Equal(1000, e.Cycles));
        Assert.Equal(run.InstructionsRetired + 1000L * run.Exits.Count, run.SimulatedCycles);
    }

    [Fact]
    public void A_native_run_after_a_hardware_run_has_no_ept_left()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        guest.Run();
        Assert.NotNull(guest.Machine.Cpu.SecondLevel);
        var native = guest.Run(GuestMode.Native);
        Assert.Null(guest.Machine.Cpu.SecondLevel);
        Assert.Null(guest.Machine.Cpu.Monitor);
        Assert.Equal(0xFFu, guest.Machine.Cpu.Esi & 0xFF); // natively 0x200000 is past the 2 MiB of RAM: unmapped, it reads 0xFF
        Assert.Empty(native.Exits);
    }
}

public class HardwareContinuationTests
{
    private const string Yaml = """
        name: cont
        guests:
          - name: g
            start: protected32
            mode: hardware
            memory:
              - name: ram
                base: 0
                size: 1MiB
                at: 0x10000
                asm: |
                  start:
                      xor eax, eax
                      cpuid
                      inc esi
                      cpuid
                      inc esi
                      hlt
        """;

    [Fact]
    public void A_run_cut_by_its_budget_continues_under_the_same_vmcs()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        var first = guest.Run(maxInstructions: 3);
        Assert.Equal(StopReason.BudgetExhausted, first.StopReason);
        var monitor = guest.Monitor;
        var rest = guest.Continue(100);
        Assert.Same(monitor, guest.Monitor);
        Assert.Equal(StopReason.Halted, rest.StopReason);
        Assert.Equal(2u, guest.Machine.Cpu.Esi);
        Assert.Equal(first.Exits.Count + rest.Exits.Count, monitor!.Exits.Count);
        Assert.Equal(new[] { "Cpuid", "Hlt" }, rest.Exits.Select(e => e.Reason));
    }

    [Fact]
    public void A_run_stopped_by_a_handler_continues_with_vmresume()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        int calls = 0;
        guest.ExitHandlers[VmExitReason.Cpuid] = x => { if (calls++ == 0) { x.Skip(); x.Stop("first CPUID"); } };
        var first = guest.Run();
        Assert.Equal(StopReason.MonitorStop, first.StopReason);
        Assert.Equal("first CPUID", first.StopMessage);
        var monitor = (HardwareMonitor)guest.Monitor!;
        Assert.False(monitor.InNonRootOperation);
        Assert.Equal(StopReason.MonitorStop, guest.Machine.Run(10).StopReason); // nothing runs in root operation
        var rest = guest.Continue(100);
        Assert.Equal(StopReason.Halted, rest.StopReason);
        Assert.Equal(2u, guest.Machine.Cpu.Esi);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Stepping_a_hardware_guest_takes_its_exits()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        guest.Run(maxInstructions: 1);
        var machine = guest.Machine;
        machine.Step(); // CPUID: an exit, emulated by the built-in VMM
        Assert.Equal(HardwareGuest.Code + 4, machine.Cpu.Eip);
        Assert.Equal("Cpuid", guest.Monitor!.Exits[^1].Reason);
    }

    [Fact]
    public void A_run_with_many_exits_reads_its_records_on_demand()
    {
        var guest = Lab.FromYaml("""
            name: many
            guests:
              - name: g
                start: protected32
                mode: hardware
                memory:
                  - name: ram
                    base: 0
                    size: 1MiB
                    at: 0x10000
                    asm: |
                      start:
                          xor eax, eax
                          cpuid
                          mov ecx, 30000
                      again:
                          out 0x80, al
                          loop again
                          hlt
            """).Guests[0];
        var run = guest.Run();
        Assert.True(run.Exits.Count > 10_000, $"{run.Exits.Count} exits");
        Assert.Equal("Cpuid", run.Exits[0].Reason);
        Assert.Equal("Hlt", run.Exits[^1].Reason);
        Assert.Equal(run.Exits.Count, run.Exits.Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => run.Exits[run.Exits.Count]);
    }

    [Fact]
    public void Restoring_a_checkpoint_after_a_vmm_stop_resumes_from_the_checkpoint()
    {
        var guest = Lab.FromYaml(Yaml).Guests[0];
        guest.ExitHandlers[VmExitReason.Hlt] = x => x.Stop("halt");
        guest.Run(maxInstructions: 2);                     // xor, cpuid: non-root, at the first INC
        var checkpoint = guest.Machine.CreateCheckpoint();
        var stopped = guest.Continue(100);                 // to the HLT, where the VMM stops in root operation
        Assert.Equal(StopReason.MonitorStop, stopped.StopReason);
        Assert.Equal(2u, guest.Machine.Cpu.Esi);
        guest.Machine.RestoreCheckpoint(checkpoint);       // ESI = 0 again, at the first INC
        var again = guest.Continue(100);                   // VMRESUME enters the restored state
        Assert.Equal(2u, guest.Machine.Cpu.Esi);
        Assert.Equal(new[] { "Cpuid", "Hlt" }, again.Exits.Select(e => e.Reason));
    }
}
