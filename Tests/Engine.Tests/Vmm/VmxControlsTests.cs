using VirtLab.Engine.Vmm.Hardware;
using Xunit;

namespace VirtLab.Engine.Tests.Vmm;

/// <summary>
/// Control names and bits against SDM Vol. 3C 24.6.1 (pin-based), 24.6.2 (primary and secondary),
/// 24.7.1 (exit) and 24.8.1 (entry) (chapter 25 in editions from 2023); bit numbers cross-checked with Linux arch/x86/include/asm/vmxfeatures.h
/// and the VM_EXIT_* / VM_ENTRY_* constants of arch/x86/include/asm/vmx.h.
/// </summary>
public class VmxControlsTests
{
    private static readonly (VmxControlKind Kind, string Name, int Bit)[] Sdm =
    [
        (VmxControlKind.PinBased, "external-interrupt-exiting", 0),
        (VmxControlKind.PinBased, "nmi-exiting", 3),
        (VmxControlKind.PinBased, "virtual-nmis", 5),
        (VmxControlKind.PinBased, "activate-vmx-preemption-timer", 6),
        (VmxControlKind.PinBased, "process-posted-interrupts", 7),
        (VmxControlKind.PrimaryProcessorBased, "interrupt-window-exiting", 2),
        (VmxControlKind.PrimaryProcessorBased, "use-tsc-offsetting", 3),
        (VmxControlKind.PrimaryProcessorBased, "hlt-exiting", 7),
        (VmxControlKind.PrimaryProcessorBased, "invlpg-exiting", 9),
        (VmxControlKind.PrimaryProcessorBased, "mwait-exiting", 10),
        (VmxControlKind.PrimaryProcessorBased, "rdpmc-exiting", 11),
        (VmxControlKind.PrimaryProcessorBased, "rdtsc-exiting", 12),
        (VmxControlKind.PrimaryProcessorBased, "cr3-load-exiting", 15),
        (VmxControlKind.PrimaryProcessorBased, "cr3-store-exiting", 16),
        (VmxControlKind.PrimaryProcessorBased, "activate-tertiary-controls", 17),
        (VmxControlKind.PrimaryProcessorBased, "cr8-load-exiting", 19),
        (VmxControlKind.PrimaryProcessorBased, "cr8-store-exiting", 20),
        (VmxControlKind.PrimaryProcessorBased, "use-tpr-shadow", 21),
        (VmxControlKind.PrimaryProcessorBased, "nmi-window-exiting", 22),
        (VmxControlKind.PrimaryProcessorBased, "mov-dr-exiting", 23),
        (VmxControlKind.PrimaryProcessorBased, "unconditional-io-exiting", 24),
        (VmxControlKind.PrimaryProcessorBased, "use-io-bitmaps", 25),
        (VmxControlKind.PrimaryProcessorBased, "monitor-trap-flag", 27),
        (VmxControlKind.PrimaryProcessorBased, "use-msr-bitmaps", 28),
        (VmxControlKind.PrimaryProcessorBased, "monitor-exiting", 29),
        (VmxControlKind.PrimaryProcessorBased, "pause-exiting", 30),
        (VmxControlKind.PrimaryProcessorBased, "activate-secondary-controls", 31),
        (VmxControlKind.SecondaryProcessorBased, "virtualize-apic-accesses", 0),
        (VmxControlKind.SecondaryProcessorBased, "enable-ept", 1),
        (VmxControlKind.SecondaryProcessorBased, "descriptor-table-exiting", 2),
        (VmxControlKind.SecondaryProcessorBased, "enable-rdtscp", 3),
        (VmxControlKind.SecondaryProcessorBased, "virtualize-x2apic-mode", 4),
        (VmxControlKind.SecondaryProcessorBased, "enable-vpid", 5),
        (VmxControlKind.SecondaryProcessorBased, "wbinvd-exiting", 6),
        (VmxControlKind.SecondaryProcessorBased, "unrestricted-guest", 7),
        (VmxControlKind.SecondaryProcessorBased, "apic-register-virtualization", 8),
        (VmxControlKind.SecondaryProcessorBased, "virtual-interrupt-delivery", 9),
        (VmxControlKind.SecondaryProcessorBased, "pause-loop-exiting", 10),
        (VmxControlKind.SecondaryProcessorBased, "rdrand-exiting", 11),
        (VmxControlKind.SecondaryProcessorBased, "enable-invpcid", 12),
        (VmxControlKind.SecondaryProcessorBased, "enable-vm-functions", 13),
        (VmxControlKind.SecondaryProcessorBased, "vmcs-shadowing", 14),
        (VmxControlKind.SecondaryProcessorBased, "encls-exiting", 15),
        (VmxControlKind.SecondaryProcessorBased, "rdseed-exiting", 16),
        (VmxControlKind.SecondaryProcessorBased, "enable-pml", 17),
        (VmxControlKind.SecondaryProcessorBased, "ept-violation-ve", 18),
        (VmxControlKind.SecondaryProcessorBased, "conceal-vmx-from-pt", 19),
        (VmxControlKind.SecondaryProcessorBased, "enable-xsaves-xrstors", 20),
        (VmxControlKind.SecondaryProcessorBased, "mode-based-execute-control-for-ept", 22),
        (VmxControlKind.SecondaryProcessorBased, "pt-uses-guest-physical-addresses", 24),
        (VmxControlKind.SecondaryProcessorBased, "use-tsc-scaling", 25),
        (VmxControlKind.SecondaryProcessorBased, "enable-user-wait-and-pause", 26),
        (VmxControlKind.SecondaryProcessorBased, "enclv-exiting", 28),
        (VmxControlKind.VmExit, "save-debug-controls", 2),
        (VmxControlKind.VmExit, "host-address-space-size", 9),
        (VmxControlKind.VmExit, "load-ia32-perf-global-ctrl", 12),
        (VmxControlKind.VmExit, "acknowledge-interrupt-on-exit", 15),
        (VmxControlKind.VmExit, "save-ia32-pat", 18),
        (VmxControlKind.VmExit, "load-ia32-pat", 19),
        (VmxControlKind.VmExit, "save-ia32-efer", 20),
        (VmxControlKind.VmExit, "load-ia32-efer", 21),
        (VmxControlKind.VmExit, "save-vmx-preemption-timer-value", 22),
        (VmxControlKind.VmExit, "clear-ia32-bndcfgs", 23),
        (VmxControlKind.VmExit, "conceal-vmx-from-pt", 24),
        (VmxControlKind.VmExit, "clear-ia32-rtit-ctl", 25),
        (VmxControlKind.VmExit, "activate-secondary-controls", 31),
        (VmxControlKind.VmEntry, "load-debug-controls", 2),
        (VmxControlKind.VmEntry, "ia32e-mode-guest", 9),
        (VmxControlKind.VmEntry, "entry-to-smm", 10),
        (VmxControlKind.VmEntry, "deactivate-dual-monitor-treatment", 11),
        (VmxControlKind.VmEntry, "load-ia32-perf-global-ctrl", 13),
        (VmxControlKind.VmEntry, "load-ia32-pat", 14),
        (VmxControlKind.VmEntry, "load-ia32-efer", 15),
        (VmxControlKind.VmEntry, "load-ia32-bndcfgs", 16),
        (VmxControlKind.VmEntry, "conceal-vmx-from-pt", 17),
        (VmxControlKind.VmEntry, "load-ia32-rtit-ctl", 18),
    ];

    public static TheoryData<VmxControlKind, string, int> SdmRows()
    {
        var d = new TheoryData<VmxControlKind, string, int>();
        foreach (var (k, n, b) in Sdm) d.Add(k, n, b);
        return d;
    }

    [Theory]
    [MemberData(nameof(SdmRows))]
    public void Every_control_name_resolves_to_its_SDM_bit(VmxControlKind kind, string name, int bit)
    {
        var c = VmxControls.Find(kind, name);
        Assert.Equal(bit, c.Bit);
        Assert.Equal(1u << bit, c.Mask);
        Assert.Equal(kind, c.Kind);
        Assert.Equal(c, VmxControls.Find(kind, name.ToUpperInvariant()));
        var q = VmxControls.Find($"{VmxControls.Prefix(kind)}:{name}");
        Assert.Equal(c, q);
        if (Sdm.Count(r => r.Name == name) == 1) Assert.Equal(c, VmxControls.Find(name));
    }

    [Fact]
    public void The_table_covers_every_named_control()
    {
        Assert.Equal(Sdm.Length, VmxControls.All.Count);
        Assert.Equal(Sdm.OrderBy(r => r.Kind).ThenBy(r => r.Bit).Select(r => (r.Kind, r.Name, r.Bit)),
            VmxControls.All.OrderBy(c => c.Kind).ThenBy(c => c.Bit).Select(c => (c.Kind, c.Name, c.Bit)));
    }

    [Fact]
    public void No_named_control_is_a_default1_reserved_bit()
    {
        foreach (var c in VmxControls.All)
        {
            uint default1 = c.Kind switch
            {
                VmxControlKind.PinBased => VmxCapabilities.PinBasedDefault1,
                VmxControlKind.PrimaryProcessorBased => VmxCapabilities.PrimaryDefault1 & ~((1u << 15) | (1u << 16)), // CR3 exiting is named and default1
                VmxControlKind.VmExit => VmxCapabilities.ExitDefault1 & ~(1u << 2),  // save debug controls likewise
                VmxControlKind.VmEntry => VmxCapabilities.EntryDefault1 & ~(1u << 2), // load debug controls likewise
                _ => 0u,
            };
            Assert.True((default1 & c.Mask) == 0, $"{c} is a reserved default1 bit");
        }
    }

    [Theory]
    [InlineData("hlt-exiting", VmcsField.CpuBasedVmExecControl)]
    [InlineData("unrestricted-guest", VmcsField.SecondaryVmExecControl)]
    [InlineData("nmi-exiting", VmcsField.PinBasedVmExecControl)]
    [InlineData("save-ia32-efer", VmcsField.VmExitControls)]
    [InlineData("ia32e-mode-guest", VmcsField.VmEntryControls)]
    public void Each_control_names_its_vmcs_field(string name, VmcsField field)
    {
        Assert.Equal(field, VmxControls.FieldOf(VmxControls.Find(name).Kind));
    }

    [Fact]
    public void A_typo_names_the_nearest_valid_control()
    {
        var e = Assert.Throws<ArgumentException>(() => VmxControls.Find("hlt-exitting"));
        Assert.Contains("did you mean 'hlt-exiting'", e.Message);
        e = Assert.Throws<ArgumentException>(() => VmxControls.Find("use-io-bitmap"));
        Assert.Contains("did you mean 'use-io-bitmaps'", e.Message);
        e = Assert.Throws<ArgumentException>(() => VmxControls.Find(VmxControlKind.SecondaryProcessorBased, "unrestricted-gest"));
        Assert.Contains("secondary processor-based", e.Message);
        Assert.Contains("did you mean 'unrestricted-guest'", e.Message);
        Assert.False(VmxControls.TryFind("hlt-exitting", out _));
    }

    [Fact]
    public void A_control_of_another_field_is_not_found_in_the_wrong_field()
    {
        var e = Assert.Throws<ArgumentException>(() => VmxControls.Find(VmxControlKind.PinBased, "hlt-exiting"));
        Assert.Contains("'hlt-exiting' is not a pin-based VM-execution control", e.Message);
    }

    [Theory]
    [InlineData("load-ia32-pat", "exit:load-ia32-pat", "entry:load-ia32-pat")]
    [InlineData("activate-secondary-controls", "primary:activate-secondary-controls", "exit:activate-secondary-controls")]
    [InlineData("conceal-vmx-from-pt", "secondary:conceal-vmx-from-pt", "exit:conceal-vmx-from-pt")]
    public void A_name_of_several_fields_must_be_qualified(string name, string q1, string q2)
    {
        var e = Assert.Throws<ArgumentException>(() => VmxControls.Find(name));
        Assert.Contains(q1, e.Message);
        Assert.Contains(q2, e.Message);
        Assert.Equal(q1, VmxControls.Find(q1).QualifiedName);
        Assert.Equal(q2, VmxControls.Find(q2).QualifiedName);
    }

    [Fact]
    public void A_wrong_prefix_or_name_in_a_qualified_name_is_reported()
    {
        var e = Assert.Throws<ArgumentException>(() => VmxControls.Find("exti:load-ia32-pat"));
        Assert.Contains("did you mean 'exit'", e.Message);
        e = Assert.Throws<ArgumentException>(() => VmxControls.Find("entry:hlt-exiting"));
        Assert.Contains("not a VM-entry control", e.Message);
        Assert.Equal(7, VmxControls.Find(" Primary : HLT-Exiting ").Bit);
    }

    [Fact]
    public void Control_bits_of_the_flag_enums_are_the_SDMs()
    {
        Assert.Equal(1u << 7, (uint)PrimaryProcessorControls.HltExiting);
        Assert.Equal(1u << 25, (uint)PrimaryProcessorControls.UseIoBitmaps);
        Assert.Equal(1u << 28, (uint)PrimaryProcessorControls.UseMsrBitmaps);
        Assert.Equal(1u << 31, (uint)PrimaryProcessorControls.ActivateSecondaryControls);
        Assert.Equal(1u << 1, (uint)SecondaryProcessorControls.EnableEpt);
        Assert.Equal(1u << 7, (uint)SecondaryProcessorControls.UnrestrictedGuest);
        Assert.Equal("exit:load-ia32-pat (bit 19)", VmxControls.Find("exit:load-ia32-pat").ToString());
    }

    [Fact]
    public void A_name_near_nothing_lists_the_valid_names()
    {
        var e = Assert.Throws<ArgumentException>(() => VmxControls.Find(VmxControlKind.PinBased, "zzzzzzzzzzzzzzzzzz"));
        Assert.Contains("expected one of: external-interrupt-exiting, nmi-exiting", e.Message);
    }

    [Fact]
    public void An_undefined_control_kind_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VmxControls.FieldOf((VmxControlKind)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => VmxControls.Prefix((VmxControlKind)42));
    }
}
