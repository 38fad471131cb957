namespace VirtLab.Engine.Vmm;

/// <summary>Simulated cycle costs (../shared/reference/costs.md).</summary>
public static class CostModel
{
    /// <summary>
    /// Cycles per natively executed guest instruction: 1. The Pentium 4 of Adams and Agesen (ASPLOS
    /// 2006) runs the call/ret pair in 11 cycles and SPECint close to one instruction per cycle; the
    /// techniques' costs (exits of hundreds to thousands of cycles) are added on top of this base.
    /// </summary>
    public const long NativeCyclesPerInstruction = 1;
}
