namespace VirtLab.Engine;

/// <summary>General-purpose register numbers as encoded in ModRM (SDM Vol. 2, table 2-2).</summary>
public enum Reg32 : byte { EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7 }

/// <summary>EFLAGS bits (SDM Vol. 1, 3.4.3).</summary>
[Flags]
public enum EFlags : uint
{
    CF = 1 << 0, Reserved1 = 1 << 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7,
    TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14,
    RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21,
}
