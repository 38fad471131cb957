namespace VirtLab.Engine;

/// <summary>Classes of sensitive instructions a monitor may intercept. The CPU names the class; the monitor decides.</summary>
public enum SensitiveKind
{
    Cpuid, Hlt, Rdtsc, Rdmsr, Wrmsr, Rdpmc, Invd, Wbinvd, Invlpg,
    MovToCr, MovFromCr, MovToDr, MovFromDr, Clts, Lmsw, Smsw,
    Lgdt, Lidt, Lldt, Ltr, Sgdt, Sidt, Sldt, Str,
    Cli, Sti, Pushf, Popf, Iret, IntN, Int3, Into,
    MovFromSegment, MovToSegment, FarTransfer, Lar, Lsl, Verr, Verw,
    VmxInstruction, Monitor, Mwait, Pause, Xsetbv,
}

/// <summary>What the CPU does with an exception after asking the monitor.</summary>
public enum ExceptionDisposition
{
    /// <summary>Deliver it to the guest through its IVT/IDT (what hardware does).</summary>
    Deliver,
    /// <summary>The monitor dealt with it (emulated, reflected itself); continue at the current EIP.</summary>
    Handled,
    /// <summary>Stop the run.</summary>
    Stop,
}

/// <summary>
/// The narrow interface through which a monitor (hypervisor) sits beside the CPU. The core never
/// names a technique: it reports events with the CPL and the exact decoded instruction, and the
/// monitor decides to emulate, exit, reflect or stop. A null monitor means native execution.
/// </summary>
public interface ICpuMonitor
{
    /// <summary>
    /// Called before a sensitive instruction executes, with EIP at the instruction. Return true when
    /// the monitor has handled it (the CPU then does not execute it; the monitor set EIP and state).
    /// </summary>
    bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction instruction, SensitiveKind kind);

    /// <summary>Port input. Return true with <paramref name="value"/> when the monitor handled it.</summary>
    bool OnPortIn(Cpu cpu, ushort port, int size, out uint value);

    /// <summary>Port output. Return true when the monitor handled it.</summary>
    bool OnPortOut(Cpu cpu, ushort port, int size, uint value);

    /// <summary>An exception is about to be delivered (EIP at the faulting instruction for faults).</summary>
    ExceptionDisposition OnException(Cpu cpu, ExceptionVector vector, uint? errorCode);

    /// <summary>A guest write hit a physical page the monitor traces (<see cref="PhysicalMemory.TracePage"/>).</summary>
    void OnTracedWrite(Cpu cpu, uint physicalAddress, int size);
}
