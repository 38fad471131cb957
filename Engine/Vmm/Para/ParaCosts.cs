namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Simulated cycles of the paravirtual monitor's interventions, from the published figures in
/// ../shared/reference/costs.md (Adams &amp; Agesen, ASPLOS 2006, 3.8 GHz Pentium 4). Guest instructions
/// cost <see cref="CostModel.NativeCyclesPerInstruction"/> each, as natively: a PV kernel runs
/// natively between hypercalls. Per-entry validation work inside mmu_update has no published
/// figure there and is not charged beyond the hypercall itself.
/// </summary>
public static class ParaCosts
{
    /// <summary>A hypercall: one trap into ring 0 and back, the path of the "syscall" nanobenchmark natively (242 cycles), which int 0x82 takes the same way.</summary>
    public const long Hypercall = 242;
    /// <summary>A fault reflected to the guest's handler: the "divzero" nanobenchmark natively (889 cycles, the fault path without MMU work) for the trip into the hypervisor.</summary>
    public const long Trap = 889;
    /// <summary>A page fault reflected to the guest: the "pgfault" nanobenchmark natively (1093 cycles).</summary>
    public const long PageFault = 1093;
    /// <summary>A privileged instruction the hypervisor emulates after its #GP: trap-and-emulate of one rdtsc on the P4 (2030 cycles).</summary>
    public const long EmulatedInstruction = 2030;
    /// <summary>An event delivered to the guest's callback: an interrupt into the hypervisor and a bounce, the fault path of <see cref="Trap"/>.</summary>
    public const long Event = Trap;
}
