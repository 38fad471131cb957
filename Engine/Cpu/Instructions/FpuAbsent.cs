using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// VirtLab's CPU has no x87 (CPUID.1:EDX.FPU = 0). An FPU escape (D8-DF) raises #NM when CR0.EM
/// or CR0.TS is set, as the SDM specifies (the way an OS without a coprocessor emulates it); with
/// EM = 0 there is no coprocessor to answer, and VirtLab raises #UD (a documented choice: a real
/// 386 without a 387 would hang or read bus noise). WAIT/FWAIT raises #NM when CR0.MP and CR0.TS
/// are both set, and is otherwise a no-op.
/// </summary>
internal static class FpuAbsent
{
    internal static void Escape(Cpu c, DecodedInstruction d)
    {
        if ((c.Cr0 & (Cpu.Cr0EM | Cpu.Cr0TS)) != 0) throw new CpuException(ExceptionVector.NM);
        throw CpuException.UD();
    }

    [Handles(Code.Wait)]
    static void Wait(Cpu c, DecodedInstruction d)
    {
        if ((c.Cr0 & (Cpu.Cr0MP | Cpu.Cr0TS)) == (Cpu.Cr0MP | Cpu.Cr0TS)) throw new CpuException(ExceptionVector.NM);
    }
}
