using VirtLab.Engine.Labs;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>
/// The VM-entry checks a lab author can trip through the <c>hardware: vmcs:</c> section, each failing
/// the SDM's way: VM-instruction error 7 for controls, 8 for host state, exit reason 33 | bit 31 for
/// guest state (SDM Vol. 3C 26.2-26.3). Nothing of the guest runs.
/// </summary>
public class LabEntryFailureTests
{
    [Theory]
    [InlineData("pin_based_vm_exec_control: 0", 7, "pin-based")]                       // fixed-1 bits cleared
    [InlineData("cpu_based_vm_exec_control: 0x80000000", 7, "primary")]                 // fixed-1 bits cleared
    [InlineData("cr3_target_count: 5", 7, "CR3-target count")]
    [InlineData("vm_entry_intr_info_field: 0x80000102", 7, "interruption")]             // type 1 is reserved
    [InlineData("host_cr4: 0", 8, "CR4")]                                                // VMXE is fixed to 1
    [InlineData("host_cs_selector: 0", 8, "CS")]
    [InlineData("guest_cr0: 0x11", 33, "CR0")]                                           // NE is fixed to 1
    [InlineData("guest_cr4: 0", 33, "CR4")]                                              // VMXE is fixed to 1
    [InlineData("guest_cs_ar_bytes: 0x10093", 33, "CS")]                                 // CS unusable
    [InlineData("guest_ss_ar_bytes: 0xC0F3", 33, "SS")]                                  // SS.DPL 3 with CS.RPL 0
    [InlineData("guest_rflags: 0", 33, "RFLAGS")]                                        // bit 1 must be 1
    [InlineData("guest_activity_state: 3", 33, "activity")]                              // wait-for-SIPI not supported
    [InlineData("guest_interruptibility_info: 3", 33, "interruptibility")]              // STI and MOV SS blocking together
    public void A_vmcs_write_in_the_lab_fails_the_entry_the_sdm_way(string write, int expected, string field)
    {
        string yaml = $$"""
            name: bad
            guests:
              - name: g
                start: protected32
                mode: hardware
                hardware:
                  vmcs: { {{write}} }
                memory:
                  - {name: ram, base: 0, size: 1MiB, at: 0x10000, hex: F4}
            """;
        var guest = Lab.FromYaml(yaml).Guests[0];
        var run = guest.Run();
        Assert.Equal(StopReason.MonitorStop, run.StopReason);
        Assert.Equal(0, run.InstructionsRetired);
        var m = (HardwareMonitor)guest.Monitor!;
        var f = m.EntryFailure!;
        Assert.Contains(field, f.ToString(), StringComparison.OrdinalIgnoreCase);
        if (expected == 33)
        {
            Assert.Equal(VmEntryFailureKind.GuestState, f.Kind);
            Assert.Equal(33u | 1u << 31, (uint)m.Vmcs.Read(VmcsField.VmExitReason));
            Assert.Equal("EntryFailureGuestState", run.Exits.Single().Reason);
        }
        else
        {
            Assert.Equal((ulong)expected, m.Vmcs.Read(VmcsField.VmInstructionError));
            Assert.Equal("VmEntryFailure", run.Exits.Single().Reason);
            Assert.Equal(expected, (int)run.Exits.Single().Fields["error"]);
        }
    }
}
