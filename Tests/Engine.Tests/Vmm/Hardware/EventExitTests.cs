using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>
/// Exits on events (SDM Vol. 3C 25.2, 27.2.2-27.2.4): exceptions by the exception bitmap and the #PF
/// error-code mask/match, triple fault, external interrupts, the interrupt and NMI windows, task
/// switches, the monitor trap flag and the preemption timer; and event injection at VM entry.
/// </summary>
public class EventExitTests
{
    private const uint C = HardwareGuest.Code;
    private const uint Valid = 1u << 31;

    private const string Handlers = """
            rings:
              interrupts:
                3: bp_handler
                6: ud_handler
                11: np_handler
                13: gp_handler
                14: pf_handler
                0x40: int40_handler
        """;

    /// <summary>Handlers that report their vector through the exit port (and the error code in EDX).</summary>
    private const string HandlerCode = """
            bp_handler:
            mov al, 3
            jmp report
            ud_handler:
            mov al, 6
            jmp report
            np_handler:
            pop edx
            mov al, 11
            jmp report
            gp_handler:
            pop edx
            mov al, 13
            jmp report
            pf_handler:
            pop edx
            mov al, 14
            jmp report
            int40_handler:
            mov al, 0x40
            report:
            pop ebx
            out 0xF4, al
            hlt
            """;

    [Fact]
    public void An_exception_in_the_bitmap_exits_with_its_interruption_information_and_is_reflected()
    {
        uint info = 0;
        var (g, m, r) = HardwareGuest.Run("ud2\n" + HandlerCode, s => s.ExceptionBitmap = 1 << 6, extraGuestYaml: Handlers,
            beforeRun: mon => mon.Handlers[VmExitReason.ExceptionOrNmi] = x => info = (uint)x.Vmcs.Read(VmcsField.VmExitIntrInfo));
        var e = m.Exits.First();
        Assert.Equal(0, e.ReasonNumber);
        Assert.Equal(C, e.GuestEip);
        Assert.Equal(6u | 3u << 8 | Valid, info); // vector 6, hardware exception, no error code, valid
        Assert.Equal("hardware-exception", e.Fields["type"]);
        Assert.Equal("ud", e.Fields["exception"]);
        Assert.Equal("injected #UD", e.Action);
        Assert.Equal(6, r.ExitCode);
        Assert.Equal(C, g.Machine.Cpu.Ebx); // the handler saw the faulting EIP
    }

    [Fact]
    public void An_exception_not_in_the_bitmap_does_not_exit()
    {
        var (_, m, r) = HardwareGuest.Run("ud2\n" + HandlerCode, extraGuestYaml: Handlers);
        Assert.DoesNotContain(m.Exits, e => e.ReasonNumber == 0);
        Assert.Equal(6, r.ExitCode);
    }

    [Fact]
    public void A_general_protection_fault_exits_with_its_error_code()
    {
        uint info = 0, code = 0;
        var (g, m, r) = HardwareGuest.Run("mov ax, 0x53\nmov ds, ax\n" + HandlerCode, s => s.ExceptionBitmap = 1 << 13, extraGuestYaml: Handlers,
            beforeRun: mon => mon.Handlers[VmExitReason.ExceptionOrNmi] = x =>
            {
                info = (uint)x.Vmcs.Read(VmcsField.VmExitIntrInfo);
                code = (uint)x.Vmcs.Read(VmcsField.VmExitIntrErrorCode);
            });
        var e = m.Exits.First(x => x.ReasonNumber == 0);
        Assert.Equal(0x50u, e.Fields["error-code"]);
        Assert.Equal(13u | 3u << 8 | 1u << 11 | Valid, info); // error code valid (bit 11)
        Assert.Equal(0x50u, code);
        Assert.Equal(13, r.ExitCode);
        Assert.Equal(0x50u, g.Machine.Cpu.Edx);
    }

    private const string PagedFault = "mov eax, [0x300000]\n";

    [Theory]
    [InlineData(0u, 0u, true)]     // mask 0 = match 0: every #PF matches; bit 14 set: exit
    [InlineData(2u, 2u, false)]    // only writes match; a read does not: no exit with bit 14 set
    [InlineData(2u, 0u, true)]     // reads match
    public void Page_faults_exit_by_error_code_mask_and_match(uint mask, uint match, bool exits)
    {
        var (g, m, r) = HardwareGuest.Run(PagedFault + HandlerCode, s =>
        {
            s.ExceptionBitmap = 1 << 14; s.PageFaultErrorCodeMask = mask; s.PageFaultErrorCodeMatch = match;
        }, start: "paged32", extraGuestYaml: Handlers);
        var pf = m.Exits.Where(e => e.ReasonNumber == 0).ToList();
        Assert.Equal(exits ? 1 : 0, pf.Count);
        if (exits)
        {
            Assert.Equal(0x300000ul, pf[0].Qualification); // the linear address, not yet in CR2
            Assert.Equal(0u, pf[0].Fields["error-code"]);
        }
        Assert.Equal(14, r.ExitCode);
        Assert.Equal(0x300000u, g.Machine.Cpu.Cr2); // the reflected #PF wrote CR2
    }

    [Fact]
    public void With_bit_14_clear_a_matching_page_fault_does_not_exit_and_a_non_matching_one_does()
    {
        var (_, m, _) = HardwareGuest.Run(PagedFault + HandlerCode, s =>
        {
            s.ExceptionBitmap = 0; s.PageFaultErrorCodeMask = 2; s.PageFaultErrorCodeMatch = 2;
        }, start: "paged32", extraGuestYaml: Handlers);
        Assert.Single(m.Exits, e => e.ReasonNumber == 0); // a read: (0 & 2) != 2, so it exits
    }

    [Fact]
    public void Int3_exits_as_a_software_exception_with_its_instruction_length()
    {
        var (g, m, r) = HardwareGuest.Run("nop\nint3\n" + HandlerCode, s => s.ExceptionBitmap = 1 << 3, extraGuestYaml: Handlers);
        var e = m.Exits.First(x => x.ReasonNumber == 0);
        Assert.Equal(C + 1, e.GuestEip);
        Assert.Equal("software-exception", e.Fields["type"]);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal(C + 2, g.Machine.Cpu.Ebx); // reinjected: the return address is after INT3
    }

    [Fact]
    public void A_fault_during_event_delivery_reports_the_event_as_idt_vectoring_information()
    {
        // INT 0x41 has no gate: delivery raises #GP(0x41*8+2), which the bitmap catches.
        var (_, m, r) = HardwareGuest.Run("int 0x41\n" + HandlerCode, s => s.ExceptionBitmap = 1 << 13, extraGuestYaml: Handlers);
        var e = m.Exits.First(x => x.ReasonNumber == 0);
        Assert.Equal(0x41 * 8 + 2u, e.Fields["error-code"]);
        Assert.Equal(0x41, e.Fields["idt-vectoring-vector"]);
        Assert.Equal("software-interrupt", e.Fields["idt-vectoring-type"]);
        Assert.Equal(13, r.ExitCode);
    }

    [Fact]
    public void A_triple_fault_exits_with_reason_2_and_stops_the_run()
    {
        var (_, m, r) = HardwareGuest.Run("lidt [idt]\nud2\nidt: dw 0\ndd 0");
        var e = m.Exits.Last();
        Assert.Equal(2, e.ReasonNumber);
        Assert.Equal(StopReason.TripleFault, r.StopReason);
        Assert.Equal(C + 7, e.GuestEip);
    }

    [Fact]
    public void The_interrupt_window_exits_when_the_guest_can_take_interrupts()
    {
        var (g, m, _) = HardwareGuest.Run("cli\nnop\nsti\nnop\nnop\nnop\nhlt",
            s => s.Primary |= (uint)PrimaryProcessorControls.InterruptWindowExiting);
        var e = m.Exits.First();
        Assert.Equal(7, e.ReasonNumber);
        Assert.Equal(C + 4, e.GuestEip); // after STI and the instruction its shadow covers
        Assert.Equal(0ul, m.Vmcs.Read(VmcsField.CpuBasedVmExecControl) & (ulong)PrimaryProcessorControls.InterruptWindowExiting);
    }

    [Fact]
    public void The_nmi_window_exits_at_once_without_virtual_nmi_blocking()
    {
        var (_, m, _) = HardwareGuest.Run("nop\nhlt", s =>
        {
            s.PinBased |= (uint)(PinBasedControls.NmiExiting | PinBasedControls.VirtualNmis);
            s.Primary |= (uint)PrimaryProcessorControls.NmiWindowExiting;
        });
        Assert.Equal(8, m.Exits.First().ReasonNumber);
    }

    [Fact]
    public void The_monitor_trap_flag_exits_after_each_instruction()
    {
        var (_, m, _) = HardwareGuest.Run("nop\nnop\nnop\nhlt", s => s.Primary |= (uint)PrimaryProcessorControls.MonitorTrapFlag);
        var mtf = m.Exits.Where(e => e.ReasonNumber == 37).Select(e => e.GuestEip).ToList();
        Assert.Equal(new[] { C + 1, C + 2, C + 3 }, mtf.Take(3));
    }

    [Fact]
    public void The_preemption_timer_exits_when_it_counts_down()
    {
        var (_, m, _) = HardwareGuest.Run("l: inc eax\njmp l", s =>
        {
            s.PinBased |= (uint)PinBasedControls.ActivateVmxPreemptionTimer;
            s.PreemptionTimer = 10; // 10 << 5 = 320 instructions
        }, budget: 1000);
        var t = m.Exits.Where(e => e.ReasonNumber == 52).ToList();
        Assert.InRange(t.Count, 2, 3);
    }

    [Fact]
    public void An_injected_exception_reaches_the_guest_handler_with_its_error_code()
    {
        var (g, m, r) = HardwareGuest.Run("cpuid\n" + HandlerCode, extraGuestYaml: Handlers, beforeRun: mon =>
            mon.Handlers[VmExitReason.Cpuid] = x => x.Inject("gp", 0x1234));
        Assert.Equal("injected #GP(1234)", m.Exits.First().Action);
        Assert.Equal(13, r.ExitCode);
        Assert.Equal(0x1234u, g.Machine.Cpu.Edx);
        Assert.Equal(C, g.Machine.Cpu.Ebx); // a fault: the return address is the instruction
    }

    [Fact]
    public void An_injected_software_interrupt_returns_after_the_instruction()
    {
        var (g, m, r) = HardwareGuest.Run("cpuid\n" + HandlerCode, extraGuestYaml: Handlers, beforeRun: mon =>
            mon.Handlers[VmExitReason.Cpuid] = x => x.Inject(0x40, EventType.SoftwareInterrupt));
        Assert.Equal(0x40, r.ExitCode);
        Assert.Equal(C + 2, g.Machine.Cpu.Ebx);
    }

    [Fact]
    public void An_injected_external_interrupt_is_delivered_through_the_idt()
    {
        var (g, m, r) = HardwareGuest.Run("sti\ncpuid\n" + HandlerCode, extraGuestYaml: Handlers, beforeRun: mon =>
            mon.Handlers[VmExitReason.Cpuid] = x => { x.Skip(); x.Inject(0x40, EventType.ExternalInterrupt); });
        Assert.Equal(0x40, r.ExitCode);
        Assert.Equal(C + 3, g.Machine.Cpu.Ebx); // the VMM skipped CPUID first
    }

    [Fact]
    public void Injecting_an_external_interrupt_while_the_guest_has_if_clear_fails_the_entry()
    {
        var (g, m, r) = HardwareGuest.Run("cpuid\nhlt", beforeRun: mon =>
            mon.Handlers[VmExitReason.Cpuid] = x => { x.Skip(); x.Inject(0x40, EventType.ExternalInterrupt); });
        Assert.Equal(StopReason.MonitorStop, r.StopReason);
        Assert.NotNull(m.EntryFailure);
        Assert.Equal(VmEntryFailureKind.GuestState, m.EntryFailure!.Kind);
        Assert.Equal(33u | 1u << 31, (uint)m.Vmcs.Read(VmcsField.VmExitReason));
        Assert.Contains("VMRESUME failed", m.StopMessage);
        Assert.Equal("EntryFailureGuestState", m.Exits.Last().Reason);
    }

    [Fact]
    public void A_scripted_handler_can_stop_the_run()
    {
        var (g, m, r) = HardwareGuest.Run("cpuid\nhlt", beforeRun: mon => mon.Handlers[VmExitReason.Cpuid] = x => x.Stop("enough"));
        Assert.Equal(StopReason.MonitorStop, r.StopReason);
        Assert.Equal("The VMM stopped the run at a Cpuid exit.".Length > 0 ? "enough" : "", m.StopMessage);
        Assert.Equal(C, g.Machine.Cpu.Eip);
    }

    [Fact]
    public void A_handler_that_only_looks_leaves_the_exit_to_the_builtin_vmm()
    {
        int seen = 0;
        var (g, m, r) = HardwareGuest.Run("xor eax, eax\ncpuid\nhlt", beforeRun: mon => mon.Handlers[VmExitReason.Cpuid] = x => seen++);
        Assert.Equal(1, seen);
        Assert.Equal(0x7472_6956u, g.Machine.Cpu.Ebx);
        Assert.Equal("skipped", m.Exits.First().Action);
    }

    [Fact]
    public void An_injected_nmi_blocks_the_nmi_window_until_the_guest_irets()
    {
        const string yaml = """
                rings:
                  interrupts:
                    2: nmi_handler
            """;
        var (g, m, r) = HardwareGuest.Run("""
            cpuid
            nop
            hlt
            nmi_handler:
            inc ebx
            nop
            iretd
            """, s => s.PinBased |= (uint)(PinBasedControls.NmiExiting | PinBasedControls.VirtualNmis), extraGuestYaml: yaml, beforeRun: mon =>
            mon.Handlers[VmExitReason.Cpuid] = x =>
            {
                x.Skip();
                x.Inject(2, EventType.Nmi);
                x.Vmcs.Write(VmcsField.CpuBasedVmExecControl, x.Vmcs.Read(VmcsField.CpuBasedVmExecControl) | (uint)PrimaryProcessorControls.NmiWindowExiting);
            });
        Assert.Equal(1u, g.Machine.Cpu.Ebx); // the NMI handler ran once
        var window = m.Exits.Single(e => e.ReasonNumber == 8);
        Assert.Equal(C + 2, window.GuestEip); // after the handler's IRET, back at the NOP after CPUID
        Assert.Equal(StopReason.Halted, r.StopReason);
    }

    [Fact]
    public void A_single_step_debug_exception_exits_with_bs_in_the_qualification_and_dr6_untouched()
    {
        const string yaml = """
                rings:
                  interrupts:
                    1: db_handler
            """;
        uint dr6AtExit = 0;
        var (g, m, r) = HardwareGuest.Run("""
            pushfd
            or dword [esp], 0x100
            popfd
            nop
            hlt
            db_handler:
            mov ebx, dr6
            mov al, 1
            out 0xF4, al
            """, s => s.ExceptionBitmap = 1 << 1, extraGuestYaml: yaml, beforeRun: mon =>
            mon.Handlers[VmExitReason.ExceptionOrNmi] = x => dr6AtExit = x.Cpu.Dr[6]);
        var e = m.Exits.First(x => x.ReasonNumber == 0);
        Assert.Equal(0x4000ul, e.Qualification);          // table 27-1: BS
        Assert.Equal(true, e.Fields["single-step"]);
        Assert.Equal(0u, dr6AtExit & 0x4000);             // the exit left DR6 alone
        Assert.Equal(0x4000u, g.Machine.Cpu.Ebx & 0x4000); // the reflected #DB set BS for the guest
        Assert.Equal(1, r.ExitCode);
    }

    [Fact]
    public void An_ept_violation_while_delivering_int_n_saves_the_state_before_the_delivery()
    {
        const string yaml = """
                rings:
                  interrupts:
                    0x40: int40_handler
            """;
        var seen = new List<(ulong Rip, ulong Rsp, ulong Length, ulong Vectoring)>();
        var (g, m, r) = HardwareGuest.Run("""
            mov esp, 0x81000
            int 0x40
            hlt
            int40_handler:
            mov ebx, [esp]
            mov al, 0x40
            out 0xF4, al
            """, s => s.Ept = new List<EptRegion>
            {
                EptRegion.Identity(0, 0x80000, EptPermissions.Read | EptPermissions.Write | EptPermissions.Execute),
                EptRegion.Identity(0x80000, 0x80000, EptPermissions.Read),   // the stack page: writes exit
            }, extraGuestYaml: yaml, beforeRun: mon =>
                mon.Handlers[VmExitReason.EptViolation] = x =>
                {
                    seen.Add((x.Vmcs.Read(VmcsField.GuestRip), x.Vmcs.Read(VmcsField.GuestRsp), x.Vmcs.Read(VmcsField.VmExitInstructionLen),
                        x.Vmcs.Read(VmcsField.IdtVectoringInfoField)));
                    x.Emulate();
                });
        Assert.Equal(3, seen.Count); // EFLAGS, CS, EIP: each push is a write the EPT refuses
        Assert.All(seen, s =>
        {
            Assert.Equal((ulong)C + 5, s.Rip);                   // the INT instruction
            Assert.Equal(0x81000ul, s.Rsp);                      // the stack before the delivery
            Assert.Equal(2ul, s.Length);                         // its length, to inject it again
            Assert.Equal(0x40u | 4u << 8 | Valid, (uint)s.Vectoring); // software interrupt 0x40
        });
        Assert.Equal(0x40, r.ExitCode);                          // emulated: the delivery went on
        Assert.Equal(C + 7, g.Machine.Cpu.Ebx);                  // the handler's return address
    }
}
