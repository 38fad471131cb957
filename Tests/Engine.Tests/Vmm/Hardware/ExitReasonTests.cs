using VirtLab.Engine.Vmm;
using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm.Hardware;

/// <summary>
/// One test per exit reason a 32-bit guest can cause: the guest code that causes it, the basic reason
/// number (SDM appendix C), the qualification bits (tables 27-1 to 27-6), the instruction length and
/// information, and where the guest resumes.
/// </summary>
public class ExitReasonTests
{
    private const uint C = HardwareGuest.Code;

    private static VmExit Single(HardwareMonitor m, VmExitReason reason)
    {
        var list = m.Exits.Where(e => e.ReasonNumber == (int)reason).ToList();
        Assert.True(list.Count == 1, $"expected one {reason} exit, found {list.Count}: {string.Join(", ", m.Exits.Select(e => e.Reason))}");
        return list[0];
    }

    private static readonly string UdHandler = """
            rings:
              interrupts:
                6: ud_handler
                13: gp_handler
                14: pf_handler
        """;

    [Fact]
    public void Cpuid_exits_with_reason_10_and_resumes_after_the_instruction()
    {
        var (g, m, r) = HardwareGuest.Run("xor eax, eax\ncpuid\nhlt");
        var e = Single(m, VmExitReason.Cpuid);
        Assert.Equal(10, e.ReasonNumber);
        Assert.Equal(C + 2, e.GuestEip);
        Assert.Equal(new byte[] { 0x0F, 0xA2 }, e.InstructionBytes);
        Assert.Equal("cpuid", e.InstructionText);
        Assert.Equal(0ul, e.Qualification);
        Assert.Equal(0x7472_6956u, g.Machine.Cpu.Ebx); // "VirtLab VCPU": EBX = "Virt", little-endian
        Assert.Equal(StopReason.Halted, r.StopReason);
        Assert.Equal(C + 5, g.Machine.Cpu.Eip); // after the HLT
    }

    [Fact]
    public void Cpuid_answers_from_the_configured_leaf_table()
    {
        var (g, m, _) = HardwareGuest.Run("mov eax, 0x40000000\ncpuid\nhlt",
            s => s.CpuidLeaves[0x4000_0000] = (0x4000_0001, 0x4C747269, 0x7362614C, 0x00000000));
        Assert.Equal(0x4000_0001u, g.Machine.Cpu.Eax);
        Assert.Equal(0x4C74_7269u, g.Machine.Cpu.Ebx);
        Assert.Equal(0x7362_614Cu, g.Machine.Cpu.Ecx);
    }

    [Fact]
    public void Hlt_exits_with_reason_12_and_the_guest_waits_in_the_hlt_activity_state()
    {
        var (g, m, r) = HardwareGuest.Run("nop\nhlt\nnop");
        var e = Single(m, VmExitReason.Hlt);
        Assert.Equal(12, e.ReasonNumber);
        Assert.Equal(C + 1, e.GuestEip);
        Assert.Equal(1ul, m.Vmcs.Read(VmcsField.VmExitInstructionLen));
        Assert.Equal(StopReason.Halted, r.StopReason); // IF = 0: nothing can wake it, as natively
        Assert.Equal(1ul, m.Vmcs.Read(VmcsField.GuestActivityState));
        Assert.True(g.Machine.Cpu.Halted);
        Assert.Equal(C + 2, g.Machine.Cpu.Eip);
    }

    [Fact]
    public void Hlt_without_hlt_exiting_does_not_exit()
    {
        var (_, m, r) = HardwareGuest.Run("hlt", s => s.Primary &= ~(uint)PrimaryProcessorControls.HltExiting);
        Assert.Empty(m.Exits);
        Assert.Equal(StopReason.Halted, r.StopReason);
    }

    [Fact]
    public void Invd_always_exits_with_reason_13()
    {
        var (_, m, _) = HardwareGuest.Run("invd\nhlt");
        var e = Single(m, VmExitReason.Invd);
        Assert.Equal(13, e.ReasonNumber);
        Assert.Equal(C, e.GuestEip);
        Assert.Equal("emulated", e.Action);
    }

    [Fact]
    public void Invlpg_exits_with_the_linear_address_as_qualification()
    {
        var (_, m, _) = HardwareGuest.Run("mov ebx, 0x1000\ninvlpg [ebx+0x234]\nhlt", s => s.Primary |= (uint)PrimaryProcessorControls.InvlpgExiting);
        var e = Single(m, VmExitReason.Invlpg);
        Assert.Equal(14, e.ReasonNumber);
        Assert.Equal(0x1234ul, e.Qualification);
        Assert.Equal(0x1234u, e.Fields["linear-address"]);
        Assert.Equal(C + 5, e.GuestEip);
    }

    [Fact]
    public void Rdpmc_exits_with_reason_15_under_rdpmc_exiting()
    {
        var (g, m, _) = HardwareGuest.Run("xor ecx, ecx\nmov eax, -1\nrdpmc\nhlt", s => s.Primary |= (uint)PrimaryProcessorControls.RdpmcExiting);
        Assert.Equal(15, Single(m, VmExitReason.Rdpmc).ReasonNumber);
        Assert.Equal(0u, g.Machine.Cpu.Eax); // emulated: counter 0 reads 0
    }

    [Fact]
    public void Rdtsc_exits_with_reason_16_and_otherwise_adds_the_tsc_offset()
    {
        var (_, m, _) = HardwareGuest.Run("rdtsc\nhlt", s => s.Primary |= (uint)PrimaryProcessorControls.RdtscExiting);
        Assert.Equal(16, Single(m, VmExitReason.Rdtsc).ReasonNumber);

        var (g, m2, _) = HardwareGuest.Run("nop\nnop\nrdtsc\nhlt", s => { s.Primary |= (uint)PrimaryProcessorControls.UseTscOffsetting; s.TscOffset = 0x1_0000_0000; });
        Assert.DoesNotContain(m2.Exits, e => e.ReasonNumber == 16);
        Assert.Equal(1u, g.Machine.Cpu.Edx); // 2 + 0x100000000: the offset reaches EDX
        Assert.Equal(2u, g.Machine.Cpu.Eax);
    }

    [Fact]
    public void Vmcall_is_the_service_interface()
    {
        var (g, m, r) = HardwareGuest.Run("""
            xor eax, eax
            vmcall
            mov esi, eax
            mov eax, 1
            mov ebx, msg
            mov ecx, 3
            vmcall
            mov edi, eax
            mov eax, 77
            vmcall
            mov ebp, eax
            mov eax, 2
            mov ebx, 5
            vmcall
            hlt
            msg: db "hi!"
            """);
        var calls = m.Exits.Where(e => e.ReasonNumber == 18).ToList();
        Assert.Equal(4, calls.Count);
        Assert.All(calls, e => Assert.Equal(new byte[] { 0x0F, 0x01, 0xC1 }, e.InstructionBytes));
        Assert.Equal(0x0001_0000u, g.Machine.Cpu.Esi);
        Assert.Equal(3u, g.Machine.Cpu.Edi);
        Assert.Equal(BuiltInVmm.UnknownCall, g.Machine.Cpu.Ebp);
        Assert.Equal("hi!", r.ConsoleText);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(5, r.ExitCode);
    }

    [Theory]
    [InlineData("vmlaunch", 20)]
    [InlineData("vmresume", 24)]
    [InlineData("vmxoff", 26)]
    [InlineData("vmxon [0x2000]", 27)]
    [InlineData("vmclear [0x2000]", 19)]
    [InlineData("vmptrld [0x2000]", 21)]
    [InlineData("vmptrst [0x2000]", 22)]
    [InlineData("vmread eax, ebx", 23)]
    [InlineData("vmwrite ebx, [0x2000]", 25)]
    [InlineData("invept eax, [0x2000]", 50)]
    [InlineData("invvpid eax, [0x2000]", 53)]
    public void Vmx_instructions_exit_and_the_builtin_vmm_injects_ud(string instruction, int reason)
    {
        var (g, m, r) = HardwareGuest.Run($"""
            {instruction}
            hlt
            ud_handler:
            mov al, 6
            out 0xF4, al
            gp_handler:
            pf_handler:
            hlt
            """, extraGuestYaml: UdHandler);
        var e = m.Exits.First();
        Assert.Equal(reason, e.ReasonNumber);
        Assert.Equal(C, e.GuestEip);
        Assert.Equal("injected #UD", e.Action);
        Assert.Equal(6, r.ExitCode);
    }

    [Fact]
    public void Vmread_and_vmwrite_instruction_information_names_the_registers()
    {
        var (_, m, _) = HardwareGuest.Run("vmread ecx, edx\nhlt");
        Assert.Equal(23, m.Exits.First().ReasonNumber);
        // Table 27-13: bit 10 = register operand, bits 6:3 reg1 (ECX = 1), bits 31:28 reg2 (EDX = 2).
        uint seen = 0;
        var (_, m2, _) = HardwareGuest.Run("vmread ecx, edx\nhlt", beforeRun: mon => mon.Handlers[VmExitReason.Vmread] = x =>
        {
            seen = (uint)x.Vmcs.Read(VmcsField.VmxInstructionInfo);
            x.Skip();
        });
        Assert.Single(m2.Exits, x => x.ReasonNumber == 23);
        Assert.Equal(1u << 10 | 1u << 3 | 2u << 28, seen);
    }

    [Fact]
    public void Mov_to_cr0_exits_when_a_masked_bit_differs_from_the_shadow()
    {
        // TS (bit 3) owned by the VMM: the guest's write of TS = 1 against a shadow of 0 exits.
        var (g, m, _) = HardwareGuest.Run("""
            mov eax, cr0
            or eax, 8
            mov cr0, eax
            mov ebx, cr0
            hlt
            """, s => s.Cr0Mask = 8);
        var e = Single(m, VmExitReason.CrAccess);
        Assert.Equal(28, e.ReasonNumber);
        Assert.Equal(0ul | 0 << 4 | 0 << 8, e.Qualification); // CR0, MOV to CR, EAX
        Assert.Equal("mov-to-cr", e.Fields["access"]);
        Assert.Equal("eax", e.Fields["register"]);
        Assert.Equal(3ul, m.Vmcs.Read(VmcsField.VmExitInstructionLen) == 1 ? 3ul : 0ul);
        Assert.Equal(g.Machine.Cpu.Eax, g.Machine.Cpu.Ebx); // the guest reads back what it wrote, through the shadow
        Assert.Equal(8u, (uint)m.Vmcs.Read(VmcsField.Cr0ReadShadow) & 8);
        Assert.Equal(0x20u, g.Machine.Cpu.Cr0 & 0x20); // NE is the VMM's: set in the CPU
        Assert.Equal(0u, g.Machine.Cpu.Ebx & 0x20);      // and hidden from the guest
    }

    [Fact]
    public void Mov_to_cr0_of_an_unmasked_bit_does_not_exit()
    {
        var (g, m, _) = HardwareGuest.Run("mov eax, cr0\nor eax, 8\nmov cr0, eax\nhlt");
        Assert.DoesNotContain(m.Exits, e => e.ReasonNumber == 28);
        Assert.Equal(8u, g.Machine.Cpu.Cr0 & 8);
    }

    [Fact]
    public void Cr3_load_and_store_exiting_with_targets()
    {
        var (g, m, _) = HardwareGuest.Run("""
            mov eax, 0x5000
            mov cr3, eax
            mov edx, 0x6000
            mov cr3, edx
            mov esi, cr3
            hlt
            """, s => { s.Primary |= (uint)(PrimaryProcessorControls.Cr3LoadExiting | PrimaryProcessorControls.Cr3StoreExiting); s.Cr3Targets.Add(0x5000); });
        var cr = m.Exits.Where(e => e.ReasonNumber == 28).ToList();
        Assert.Equal(2, cr.Count); // the load of a target value does not exit
        Assert.Equal(3ul | 2 << 8, cr[0].Qualification);            // CR3, MOV to CR, EDX
        Assert.Equal(3ul | 1 << 4 | 6 << 8, cr[1].Qualification);   // CR3, MOV from CR, ESI
        Assert.Equal(0x6000u, g.Machine.Cpu.Cr3);
        Assert.Equal(0x6000u, g.Machine.Cpu.Esi);
    }

    [Fact]
    public void Clts_exits_when_ts_is_masked_and_set_in_the_shadow()
    {
        var (g, m, _) = HardwareGuest.Run("mov eax, cr0\nor eax, 8\nmov cr0, eax\nclts\nhlt", s => s.Cr0Mask = 8);
        var cr = m.Exits.Where(e => e.ReasonNumber == 28).ToList();
        Assert.Equal(2, cr.Count);
        Assert.Equal(0ul | 2 << 4, cr[1].Qualification); // CR0, CLTS
        Assert.Equal("clts", cr[1].Fields["access"]);
    }

    [Fact]
    public void Lmsw_exits_with_its_source_operand_in_bits_31_16()
    {
        var (_, m, _) = HardwareGuest.Run("mov eax, cr0\nor ax, 8\nmov bx, ax\nlmsw bx\nhlt", s => s.Cr0Mask = 8);
        var e = Single(m, VmExitReason.CrAccess);
        ulong q = e.Qualification;
        Assert.Equal(3ul, (q >> 4) & 3);      // LMSW
        Assert.Equal(0ul, (q >> 6) & 1);      // register operand
        Assert.Equal(3ul, (q >> 8) & 0xF);    // EBX
        Assert.Equal(8ul, (q >> 16) & 8);     // source data has TS
    }

    [Fact]
    public void Mov_dr_exits_with_reason_29()
    {
        var (g, m, _) = HardwareGuest.Run("mov ecx, 0x400\nmov dr7, ecx\nmov edx, dr7\nhlt", s => s.Primary |= (uint)PrimaryProcessorControls.MovDrExiting);
        var dr = m.Exits.Where(e => e.ReasonNumber == 29).ToList();
        Assert.Equal(2, dr.Count);
        Assert.Equal(7ul | 1 << 8, dr[0].Qualification);             // DR7, MOV to DR, ECX
        Assert.Equal(7ul | 0x10 | 2 << 8, dr[1].Qualification);      // DR7, MOV from DR, EDX
        Assert.Equal(0x400u, g.Machine.Cpu.Edx);
    }

    [Fact]
    public void Io_exits_carry_size_direction_operand_and_port()
    {
        var (_, m, r) = HardwareGuest.Run("""
            in al, 0x80
            mov dx, 0xE9
            mov ax, 0x4241
            out dx, ax
            hlt
            """);
        var io = m.Exits.Where(e => e.ReasonNumber == 30).ToList();
        Assert.Equal(2, io.Count);
        Assert.Equal(0ul | 8 | 0x40 | 0x80ul << 16, io[0].Qualification); // 1 byte, IN, immediate, port 0x80
        Assert.Equal(2, io[0].Fields["size"] is int s0 ? s0 + 1 : 0);
        Assert.Equal(1ul | 0xE9ul << 16, io[1].Qualification);             // 2 bytes, OUT, DX, port 0xE9
        Assert.Equal((ushort)0xE9, io[1].Fields["port"]);
        Assert.Equal("A", r.ConsoleText); // the debug console takes the low byte of a word write, natively too
    }

    [Fact]
    public void Rep_outs_exits_once_with_string_and_rep_bits_and_the_linear_address()
    {
        var (g, m, r) = HardwareGuest.Run("""
            mov esi, msg
            mov ecx, 5
            mov dx, 0xE9
            rep outsb
            hlt
            msg: db "hello"
            """);
        var e = Single(m, VmExitReason.IoInstruction);
        Assert.Equal(0ul | 0x10 | 0x20 | 0xE9ul << 16, e.Qualification);
        Assert.Equal(C + 17, (uint)(uint)e.Fields["linear-address"]);
        Assert.Equal("hello", r.ConsoleText);
        Assert.Equal(0u, g.Machine.Cpu.Ecx);
    }

    [Fact]
    public void The_io_bitmap_passes_unlisted_ports_through()
    {
        var (_, m, r) = HardwareGuest.Run("mov dx, 0xE9\nmov al, 'x'\nout dx, al\nout 0x80, al\nout 0x81, al\nhlt", s =>
        {
            s.Primary |= (uint)PrimaryProcessorControls.UseIoBitmaps;
            s.IoBitmapPorts.Add(0x80);
        });
        var io = m.Exits.Where(e => e.ReasonNumber == 30).ToList();
        Assert.Single(io);
        Assert.Equal((ushort)0x80, io[0].Fields["port"]);
        Assert.Equal("x", r.ConsoleText);
    }

    [Fact]
    public void A_word_access_exits_when_any_of_its_ports_is_in_the_bitmap()
    {
        var (_, m, _) = HardwareGuest.Run("mov dx, 0x7F\nout dx, ax\nhlt", s =>
        {
            s.Primary |= (uint)PrimaryProcessorControls.UseIoBitmaps;
            s.IoBitmapPorts.Add(0x80);
        });
        Assert.Single(m.Exits, e => e.ReasonNumber == 30);
    }

    [Fact]
    public void Rdmsr_and_wrmsr_exit_without_bitmaps_and_by_bitmap_bit()
    {
        var (g, m, _) = HardwareGuest.Run("mov ecx, 0x174\nmov eax, 0x08\nxor edx, edx\nwrmsr\nrdmsr\nhlt");
        Assert.Equal(32, m.Exits.First(e => e.ReasonNumber is 31 or 32).ReasonNumber);
        Assert.Single(m.Exits, e => e.ReasonNumber == 31);
        Assert.Equal(8u, g.Machine.Cpu.Eax);

        var (_, m2, _) = HardwareGuest.Run("mov ecx, 0x174\nxor eax, eax\nxor edx, edx\nwrmsr\nrdmsr\nhlt", s =>
        {
            s.Primary |= (uint)PrimaryProcessorControls.UseMsrBitmaps;
            s.MsrWriteExits.Add(0x174);
        });
        Assert.Single(m2.Exits, e => e.ReasonNumber == 32);
        Assert.DoesNotContain(m2.Exits, e => e.ReasonNumber == 31);
    }

    [Fact]
    public void Msrs_outside_both_bitmap_ranges_always_exit()
    {
        var (_, m, _) = HardwareGuest.Run("mov ecx, 0x40000000\nrdmsr\nhlt\ngp_handler:\nud_handler:\npf_handler:\nhlt",
            s => s.Primary |= (uint)PrimaryProcessorControls.UseMsrBitmaps, extraGuestYaml: UdHandler);
        Assert.Single(m.Exits, e => e.ReasonNumber == 31);
    }

    [Theory]
    [InlineData("monitor", PrimaryProcessorControls.MonitorExiting, 39)]
    [InlineData("mwait", PrimaryProcessorControls.MwaitExiting, 36)]
    [InlineData("pause", PrimaryProcessorControls.PauseExiting, 40)]
    public void Monitor_mwait_and_pause_exit_under_their_controls(string instruction, PrimaryProcessorControls control, int reason)
    {
        var (_, m, r) = HardwareGuest.Run($"{instruction}\nhlt", s => s.Primary |= (uint)control);
        var e = m.Exits.First();
        Assert.Equal(reason, e.ReasonNumber);
        Assert.Equal("skipped", e.Action);
        Assert.Equal(StopReason.Halted, r.StopReason);
    }

    [Fact]
    public void Wbinvd_exits_with_reason_54_under_wbinvd_exiting()
    {
        var (_, m, _) = HardwareGuest.Run("wbinvd\nhlt", s => s.Secondary |= (uint)SecondaryProcessorControls.WbinvdExiting);
        Assert.Equal(54, Single(m, VmExitReason.Wbinvd).ReasonNumber);
        var (_, m2, _) = HardwareGuest.Run("wbinvd\nhlt");
        Assert.DoesNotContain(m2.Exits, e => e.ReasonNumber == 54);
    }

    [Fact]
    public void Xsetbv_faults_with_ud_before_its_exit_because_cr4_osxsave_is_clear()
    {
        var (_, m, r) = HardwareGuest.Run("xsetbv\nhlt\nud_handler:\nmov al, 6\nout 0xF4, al\ngp_handler:\npf_handler:\nhlt", extraGuestYaml: UdHandler);
        Assert.DoesNotContain(m.Exits, e => e.ReasonNumber == 55);
        Assert.Equal(6, r.ExitCode);
    }

    [Fact]
    public void Descriptor_table_exits_report_the_operand_in_the_instruction_information()
    {
        var (_, m, _) = HardwareGuest.Run("mov ebx, 0x2000\nmov esi, 2\nsgdt [ebx+esi*4+0x10]\nsldt ax\nhlt",
            s => s.Secondary |= (uint)SecondaryProcessorControls.DescriptorTableExiting);
        var gdt = Single(m, VmExitReason.GdtrIdtrAccess);
        Assert.Equal(46, gdt.ReasonNumber);
        Assert.Equal(0x10ul, gdt.Qualification); // the displacement
        Assert.Equal("sgdt", gdt.Fields["instruction"]);
        var ldt = Single(m, VmExitReason.LdtrTrAccess);
        Assert.Equal(47, ldt.ReasonNumber);
        Assert.Equal("sldt", ldt.Fields["instruction"]);
    }

    [Fact]
    public void Descriptor_table_instruction_information_layout()
    {
        uint gdtInfo = 0, ldtInfo = 0;
        HardwareGuest.Run("mov ebx, 0x2000\nmov esi, 2\nsgdt [ebx+esi*4+0x10]\nsldt ax\nhlt",
            s => s.Secondary |= (uint)SecondaryProcessorControls.DescriptorTableExiting,
            beforeRun: mon =>
            {
                mon.Handlers[VmExitReason.GdtrIdtrAccess] = x => { gdtInfo = (uint)x.Vmcs.Read(VmcsField.VmxInstructionInfo); x.Emulate(); };
                mon.Handlers[VmExitReason.LdtrTrAccess] = x => { ldtInfo = (uint)x.Vmcs.Read(VmcsField.VmxInstructionInfo); x.Emulate(); };
            });
        // Table 27-10: scaling 2 (x4), 32-bit address, 32-bit operand, DS (3), index ESI (6), base EBX (3), SGDT (0).
        Assert.Equal(2u | 1u << 7 | 1u << 11 | 3u << 15 | 6u << 18 | 3u << 23 | 0u << 28, gdtInfo);
        // Table 27-11: register operand (bit 10), reg1 EAX (0), SLDT (0); the memory-operand bits are undefined (0 here).
        Assert.Equal(1u << 10, ldtInfo);
    }
}
