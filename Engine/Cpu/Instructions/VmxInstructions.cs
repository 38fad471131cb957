using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// Instructions that exist to be intercepted: the VMX instructions, MONITOR/MWAIT, XSETBV and RDPMC.
/// The monitor is asked first (in VMX non-root operation they cause VM exits); natively each does
/// what this CPU's CPUID says it has: no VMX outside VMX operation (CR4.VMXE cannot be set: #UD), no
/// MONITOR/MWAIT (CPUID.01H:ECX[3] = 0: #UD), no XSAVE (CR4.OSXSAVE = 0: #UD), and two performance
/// counters that count nothing.
/// </summary>
internal static class VmxInstructions
{
    private static bool Intercepted(Cpu c, DecodedInstruction d, SensitiveKind kind) =>
        c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, kind);

    [Handles(Code.Vmcall, Code.Vmlaunch, Code.Vmresume, Code.Vmxoff, Code.Vmxon_m64, Code.Vmclear_m64, Code.Vmptrld_m64,
        Code.Vmptrst_m64, Code.Vmread_rm32_r32, Code.Vmwrite_r32_rm32, Code.Invept_r32_m128, Code.Invvpid_r32_m128)]
    static void Vmx(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.VmxInstruction)) return;
        throw CpuException.UD(); // outside VMX operation (SDM Vol. 3C 31.3: #UD when not in VMX operation)
    }

    [Handles(Code.Monitorw, Code.Monitord)]
    static void Monitor(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Monitor)) return;
        throw CpuException.UD();
    }

    [Handles(Code.Mwait)]
    static void Mwait(Cpu c, DecodedInstruction d)
    {
        if (Intercepted(c, d, SensitiveKind.Mwait)) return;
        throw CpuException.UD();
    }

    /// <summary>XSETBV: #UD while CR4.OSXSAVE = 0, which is always here; that #UD comes before the unconditional VM exit (SDM XSETBV).</summary>
    [Handles(Code.Xsetbv)]
    static void Xsetbv(Cpu c, DecodedInstruction d)
    {
        if ((c.Cr4 & 0x4_0000) == 0) throw CpuException.UD();
        if (Intercepted(c, d, SensitiveKind.Xsetbv)) return;
        throw CpuException.UD();
    }

    /// <summary>RDPMC: counters 0 and 1 (P6) read 0, any other ECX is #GP(0); CPL &gt; 0 is #GP(0) because CR4.PCE is not supported.</summary>
    [Handles(Code.Rdpmc)]
    static void Rdpmc(Cpu c, DecodedInstruction d)
    {
        if (c.ProtectedMode && c.Cpl != 0) throw CpuException.GP(0);
        if (Intercepted(c, d, SensitiveKind.Rdpmc)) return;
        if (c.R[1] > 1) throw CpuException.GP(0);
        c.R[0] = 0; c.R[2] = 0;
    }
}
