namespace VirtLab.Engine.Vmm;

/// <summary>What kind of intervention of the monitor a <see cref="VmExit"/> records.</summary>
public enum VmExitKind
{
    /// <summary>A hardware VM exit (simulated VT-x): the SDM basic exit reason.</summary>
    VmExit,
    /// <summary>A paravirtual hypercall from the guest kernel.</summary>
    Hypercall,
    /// <summary>A trap into the monitor (trap-and-emulate of a privileged instruction).</summary>
    Trap,
    /// <summary>A callout from translated code into the binary translator's runtime.</summary>
    Callout,
    /// <summary>A page fault the monitor handles without the guest seeing it (shadow paging).</summary>
    HiddenPageFault,
    /// <summary>A write to a traced page (shadow page-table tracing).</summary>
    TracingFault,
}
