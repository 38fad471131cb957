namespace VirtLab.Engine;

/// <summary>Why a run stopped.</summary>
public enum StopReason
{
    /// <summary>The run has not stopped (Step returned normally).</summary>
    None = 0,
    /// <summary>HLT executed and no interrupt can wake the CPU (IF=0, or no interrupt source).</summary>
    Halted,
    /// <summary>The guest wrote the exit port.</summary>
    ExitPort,
    /// <summary>The instruction budget was used up.</summary>
    BudgetExhausted,
    /// <summary>EIP reached a breakpoint address.</summary>
    Breakpoint,
    /// <summary>A fault while delivering a double fault: the CPU shuts down (SDM Vol. 3A 6.15, interrupt 8).</summary>
    TripleFault,
    /// <summary>The monitor (hypervisor) stopped the guest.</summary>
    MonitorStop,
}
