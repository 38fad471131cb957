namespace VirtLab.Engine;

/// <summary>
/// The MSRs VirtLab models (SDM Vol. 4): TSC (0x10), APIC base (0x1B, read-only default),
/// SYSENTER_CS/ESP/EIP (0x174-0x176), and MISC_ENABLE (0x1A0). Others raise #GP(0) on RDMSR/WRMSR.
/// </summary>
public sealed class ModelSpecificRegisters
{
    public const uint Tsc = 0x10, ApicBase = 0x1B, SysenterCs = 0x174, SysenterEsp = 0x175, SysenterEip = 0x176, MiscEnable = 0x1A0;

    public ulong SysenterCsValue, SysenterEspValue, SysenterEipValue, MiscEnableValue;

    public void Reset() { SysenterCsValue = SysenterEspValue = SysenterEipValue = 0; MiscEnableValue = 1; }

    public static bool IsModelled(uint msr) => msr is Tsc or ApicBase or SysenterCs or SysenterEsp or SysenterEip or MiscEnable;
}
