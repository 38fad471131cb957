namespace VirtLab.Engine;

/// <summary>Exception vectors (SDM Vol. 3A, table 6-1).</summary>
public enum ExceptionVector : byte
{
    DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
    TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}

/// <summary>
/// Thrown inside the CPU when an instruction faults. Caught by the run loop, which restores EIP
/// to the faulting instruction and delivers the exception to the guest (or to the monitor).
/// Never escapes the engine.
/// </summary>
public sealed class CpuException : Exception
{
    public ExceptionVector Vector { get; }
    public uint? ErrorCode { get; }
    public CpuException(ExceptionVector vector, uint? errorCode = null)
        : base($"#{vector}" + (errorCode is { } e ? $"({e:X})" : "")) { Vector = vector; ErrorCode = errorCode; }

    public static CpuException UD() => new(ExceptionVector.UD);
    public static CpuException GP(uint code = 0) => new(ExceptionVector.GP, code);
    public static CpuException SS(uint code = 0) => new(ExceptionVector.SS, code);
    public static CpuException NP(uint code) => new(ExceptionVector.NP, code);
    public static CpuException DE() => new(ExceptionVector.DE);
    public static CpuException TS(uint code) => new(ExceptionVector.TS, code);
    public static CpuException PF(uint code) => new(ExceptionVector.PF, code);
}
