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

    /// <summary>
    /// An I/O instruction (IN, OUT, INS, OUTS, with or without REP) passed its privilege checks (IOPL,
    /// TSS I/O bitmap) and is about to touch <paramref name="port"/>: the point where VT-x takes an I/O
    /// exit (SDM Vol. 3C 25.1.1: only privilege-based faults come first). Return true when the monitor
    /// handled the whole instruction (it set EIP and the registers); the CPU then does nothing more.
    /// For a REP string instruction this is asked before each call's first element.
    /// </summary>
    bool OnIoInstruction(Cpu cpu, DecodedInstruction instruction, ushort port, int size) => false;

    /// <summary>Delivering a double fault faulted: the processor is about to shut down. Return true when the monitor took it (a VM exit).</summary>
    bool OnTripleFault(Cpu cpu) => false;

    /// <summary>
    /// An external interrupt is pending at an instruction boundary (no STI/MOV SS blocking), whatever
    /// RFLAGS.IF says. Return true when the monitor took it (external-interrupt exiting); the CPU then
    /// neither acknowledges nor delivers it. Otherwise the CPU delivers it when IF = 1.
    /// </summary>
    bool OnExternalInterrupt(Cpu cpu, IInterruptSource source) => false;

    /// <summary>
    /// A task switch is about to start (after the checks on the gate or far pointer, before any check on the
    /// new TSS). Return true when the monitor took it: the CPU then does not switch (it continues from the
    /// state the monitor left).
    /// </summary>
    bool OnTaskSwitch(Cpu cpu, ushort selector, TaskSwitchSource source) => false;

    /// <summary>False while the guest may not run at all (VT-x: the processor is in VMX root operation after a failed VM entry or a VMM's stop): <see cref="Cpu.Run"/> and <see cref="Cpu.Step"/> then return <see cref="StopReason.MonitorStop"/> at once.</summary>
    bool Runnable => true;

    /// <summary>Instructions the CPU may run before the monitor's next timed event (a VT-x preemption timer): the run loop stops there for <see cref="OnInstructionBoundary"/>.</summary>
    long InstructionsUntilEvent => long.MaxValue;

    /// <summary>The CPU's state was just restored from a checkpoint: a monitor that keeps a copy of it (VT-x's guest-state area) takes it again.</summary>
    void OnStateRestored(Cpu cpu) { }

    /// <summary>True while the monitor wants a boundary after every instruction (monitor trap flag): the CPU then runs one instruction at a time.</summary>
    bool StepInstructions => false;

    /// <summary>True while the monitor wants <see cref="OnInstructionBoundary"/> calls (interrupt-window exiting, timers).</summary>
    bool WantsInstructionBoundaries => false;

    /// <summary>
    /// With <see cref="WantsInstructionBoundaries"/>: called at instruction boundaries where events are
    /// recognized (between blocks; a block ends on any change of IF or of the interrupt shadow), with
    /// <paramref name="interruptible"/> true when IF = 1 and nothing blocks interrupts.
    /// </summary>
    void OnInstructionBoundary(Cpu cpu, bool interruptible) { }
}
