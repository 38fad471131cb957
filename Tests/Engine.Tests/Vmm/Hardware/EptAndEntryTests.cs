using VirtLab.Engine.Labs;
using VirtLab.Engine.Tests.Differential;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>EPT in the memory path (violations, misconfigurations, MMIO emulation) and failed VM entries through the monitor.</summary>
public class EptAndEntryTests
{
    private const uint C = HardwareGuest.Code;

    [Fact]
    public void An_mmio_region_is_emulated_by_handling_its_ept_violations()
    {
        const string yaml = """
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
                      mov byte [0x200000], 'o'
                      mov word [0x200000], 'k'
                      mov eax, [0x200000]
                      hlt
                  - name: console
                    base: 0x200000
                    size: 4KiB
                    kind: mmio
                    device: console
            """;
        var guest = Lab.FromYaml(yaml).Guests[0];
        var run = guest.Run(GuestMode.Hardware);
        Assert.Equal("ok\0", run.ConsoleText);
        var ept = run.Exits.Where(e => e.ReasonNumber == 48).ToList();
        Assert.Equal(3, ept.Count);
        // Table 27-7: write (bit 1), not readable/writable/executable (bits 5:3 = 0), linear address valid (7), to the translation (8).
        Assert.Equal(0x2ul | 1 << 7 | 1 << 8, ept[0].Qualification);
        Assert.Equal(0x1ul | 1 << 7 | 1 << 8, ept[2].Qualification);
        Assert.Equal(0x200000u, ept[0].Fields["guest-physical"]);
        Assert.Equal("write", ept[0].Fields["access"]);
        Assert.Equal(C, ept[0].GuestEip);
        Assert.Equal(0u, guest.Machine.Cpu.Eax); // the console reads 0
        Assert.Equal("emulated", ept[0].Action);
    }

    [Fact]
    public void A_write_to_a_read_only_ept_region_exits_with_the_permissions_of_the_walk()
    {
        var (g, m, r) = HardwareGuest.Run("mov dword [0x80000], 5\nmov eax, [0x80000]\nhlt", s =>
        {
            s.Ept = new List<EptRegion>
            {
                EptRegion.Identity(0, 0x80000, EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute),
                EptRegion.Identity(0x80000, 0x80000, EptPermissions.Read),
            };
        });
        var e = m.Exits.Single(x => x.ReasonNumber == 48);
        Assert.Equal(0x2ul | 0x8 | 1 << 7 | 1 << 8, e.Qualification); // write to a readable page
        Assert.Equal(5u, g.Machine.Cpu.Eax); // emulated: the write reached RAM, as natively
    }

    [Fact]
    public void A_guest_page_table_walk_through_a_hole_reports_a_paging_structure_access()
    {
        // paged32 keeps its page directory at 0x2000 (tables + 0x1000): leave that page out of the EPT.
        var (g, m, r) = HardwareGuest.Run("mov eax, [0x30000]\nhlt", s =>
        {
            s.Ept = new List<EptRegion>
            {
                EptRegion.Identity(0, 0x2000, EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute),
                EptRegion.Identity(0x3000, 0xFD000, EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute),
            };
        }, start: "paged32");
        var e = m.Exits.First(x => x.ReasonNumber == 48);
        Assert.Equal(0x2000u, (uint)e.Fields["guest-physical"] & ~0xFFFu);
        Assert.Equal(true, e.Fields["paging-structure"]);
        Assert.Equal(0ul, e.Qualification & (1 << 8)); // bit 8 clear: an access to a paging-structure entry
    }

    [Fact]
    public void An_instruction_fetch_the_ept_forbids_stops_the_run_with_its_violation()
    {
        var (_, m, r) = HardwareGuest.Run("jmp 0x80000", s =>
        {
            s.Ept = new List<EptRegion>
            {
                EptRegion.Identity(0, 0x80000, EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute),
                EptRegion.Identity(0x80000, 0x80000, EptPermissions.Read | EptPermissions.Write),
            };
        });
        var e = m.Exits.Single(x => x.ReasonNumber == 48);
        Assert.Equal(0x4ul | 0x8 | 0x10 | 1 << 7 | 1 << 8, e.Qualification); // fetch from a readable, writable page
        Assert.Equal(StopReason.MonitorStop, r.StopReason);
        Assert.Contains("instruction fetch", m.StopMessage);
    }

    [Fact]
    public void A_misconfigured_ept_entry_exits_with_reason_49()
    {
        var (_, m, r) = HardwareGuest.Run("nop\nmov eax, [0x80000]\nhlt", budget: 1);
        // Make the leaf for 0x80000 write-without-read (a misconfiguration), then continue.
        var walker = new EptWalker(m.HostMemory, EptPointer.Parse(m.Vmcs.Read(VmcsField.EptPointer)));
        var t = walker.Translate(0x80000, EptAccessKind.Read);
        uint entry = t.EntryAddress;
        m.HostMemory.WriteUInt32(entry, (m.HostMemory.ReadUInt32(entry) & ~7u) | 2u);
        m.InvalidateEpt();
        var machine = m.Machine;
        var r2 = machine.Run(100);
        var e = m.Exits.Single(x => x.ReasonNumber == 49);
        Assert.Equal(0x80000u, e.Fields["guest-physical"]);
        Assert.Equal(0ul, e.Qualification);
        Assert.Equal(StopReason.MonitorStop, r2.StopReason);
        Assert.Contains("misconfiguration", m.StopMessage);
    }

    [Fact]
    public void A_reserved_control_bit_fails_the_launch_with_error_7()
    {
        var (g, m, r) = HardwareGuest.Run("hlt", s => s.RawFields.Add((VmcsField.PinBasedVmExecControl, 0)));
        Assert.Equal(StopReason.MonitorStop, r.StopReason); // nothing ran
        Assert.Equal(0, r.InstructionsRetired);
        Assert.NotNull(m.EntryFailure);
        Assert.Equal(VmxInstructionError.EntryInvalidControlField, m.EntryFailure!.Error);
        Assert.Equal(7ul, m.Vmcs.Read(VmcsField.VmInstructionError));
        Assert.Contains("VMLAUNCH failed", m.StopMessage);
        Assert.False(m.PrepareToRun());
    }

    [Fact]
    public void A_bad_host_cr0_fails_the_launch_with_error_8()
    {
        var (_, m, _) = HardwareGuest.Run("hlt", s => s.RawFields.Add((VmcsField.HostCr0, 0x11)));
        Assert.Equal(VmxInstructionError.EntryInvalidHostStateField, m.EntryFailure!.Error);
        Assert.Equal(8ul, m.Vmcs.Read(VmcsField.VmInstructionError));
    }

    [Fact]
    public void A_bad_guest_state_fails_with_exit_reason_33_and_bit_31()
    {
        var (_, m, _) = HardwareGuest.Run("hlt", s => s.RawFields.Add((VmcsField.GuestCsArBytes, 0x10093))); // CS unusable
        Assert.Equal(VmEntryFailureKind.GuestState, m.EntryFailure!.Kind);
        Assert.Equal(33u | 1u << 31, (uint)m.Vmcs.Read(VmcsField.VmExitReason));
        var rec = m.Exits.Single();
        Assert.Equal("EntryFailureGuestState", rec.Reason);
        Assert.Equal(unchecked((int)(33u | 1u << 31)), rec.ReasonNumber);
    }

    [Fact]
    public void Without_unrestricted_guest_a_real_mode_guest_fails_on_cr0()
    {
        var (_, m, _) = HardwareGuest.Run("hlt", s => s.Secondary &= ~(uint)SecondaryProcessorControls.UnrestrictedGuest, start: "real16");
        Assert.Equal(VmEntryFailureKind.GuestState, m.EntryFailure!.Kind);
        Assert.Contains("CR0", m.EntryFailure.ToString());
    }

    [Fact]
    public void A_fixed_entry_can_be_resumed_after_editing_the_vmcs()
    {
        var (g, m, r) = HardwareGuest.Run("hlt", s => s.RawFields.Add((VmcsField.PinBasedVmExecControl, 0)));
        Assert.NotNull(m.EntryFailure);
        m.Vmcs.Write(VmcsField.PinBasedVmExecControl, VmxCapabilities.PinBasedDefault1 | (uint)PinBasedControls.ExternalInterruptExiting);
        Assert.True(m.PrepareToRun());
        Assert.Equal(StopReason.Halted, g.Machine.Run(10).StopReason);
    }

    [Fact]
    public void Task_switches_exit_with_reason_9_and_are_emulated()
    {
        var rom = ExternalTools.Assemble(Path.Combine(ProtectedModeRomQemuTests.RomDir, "tasks.asm"), ProtectedModeRomQemuTests.IncludeDir,
            Directory.CreateTempSubdirectory("virtlab-ts").FullName);
        var machine = new Machine();
        machine.LoadRom(rom);
        var monitor = new HardwareMonitor();
        monitor.Attach(machine);
        var r = machine.Run(10_000_000);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        var ts = monitor.Exits.Where(e => e.ReasonNumber == 9).ToList();
        Assert.NotEmpty(ts);
        Assert.Contains(ts, e => (string)e.Fields["source"] == "jmp");
        Assert.Contains(ts, e => (string)e.Fields["source"] == "call");
        Assert.Contains(ts, e => (string)e.Fields["source"] == "iret");
        Assert.All(ts, e => Assert.Equal((ushort)e.Qualification, (ushort)e.Fields["selector"]));
    }

    [Fact]
    public void Timer_interrupts_exit_as_external_interrupts_and_are_injected()
    {
        var rom = ExternalTools.Assemble(Path.Combine(ProtectedModeRomQemuTests.RomDir, "pit_pic.asm"), ProtectedModeRomQemuTests.IncludeDir,
            Directory.CreateTempSubdirectory("virtlab-pic").FullName);
        var machine = new Machine();
        machine.LoadRom(rom);
        var monitor = new HardwareMonitor();
        monitor.Attach(machine);
        var r = machine.Run(10_000_000);
        var ext = monitor.Exits.Where(e => e.ReasonNumber == 1).ToList();
        Assert.NotEmpty(ext);
        // Taken with IF = 1: acknowledged on exit and injected; with IF = 0: held until the interrupt window.
        var acked = ext.Where(e => e.Fields.ContainsKey("vector")).ToList();
        Assert.NotEmpty(acked);
        Assert.All(acked, e => Assert.Equal("external-interrupt", e.Fields["type"]));
        Assert.All(acked, e => Assert.StartsWith("injected interrupt 0x", e.Action));
        var held = ext.Except(acked).ToList();
        Assert.NotEmpty(held); // the ROM masks interrupts with CLI while the PIT runs
        Assert.All(held, e => Assert.Equal("the guest cannot take it yet: waiting for the interrupt window", e.Action));
        Assert.Equal(held.Count, monitor.Exits.Count(e => e.ReasonNumber == 7 && e.Action.StartsWith("injected interrupt 0x", StringComparison.Ordinal)));
        Assert.Equal(StopReason.ExitPort, r.StopReason);
    }
}
