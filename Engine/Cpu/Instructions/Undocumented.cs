using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// Opcodes Intel long left undocumented but every Intel processor since the 8086/386 executes:
/// SALC (D6: AL = CF ? FFh : 00h, flags unchanged) and INT1/ICEBP (F1: a #DB trap, delivered
/// like a hardware debug exception, not a software interrupt; documented since 2018).
/// </summary>
internal static class Undocumented
{
    [Handles(Code.Salc)]
    static void Salc(Cpu c, DecodedInstruction d) => c.SetReg8(0, c.GetCF() ? (byte)0xFF : (byte)0);

    [Handles(Code.Int1)]
    static void Int1(Cpu c, DecodedInstruction d) => c.RaiseTrap(ExceptionVector.DB);
}
