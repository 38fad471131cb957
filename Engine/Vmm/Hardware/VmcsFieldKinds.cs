namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>Width of a VMCS field: encoding bits 14:13 (SDM Vol. 3C 24.11.2, table 24-20 "Structure of VMCS Component Encoding"; 25.11.2 in editions from 2023).</summary>
public enum VmcsFieldWidth
{
    /// <summary>16-bit field (width bits 0).</summary>
    Bits16 = 0,
    /// <summary>64-bit field (width bits 1); has a full and a high access encoding.</summary>
    Bits64 = 1,
    /// <summary>32-bit field (width bits 2).</summary>
    Bits32 = 2,
    /// <summary>Natural-width field (width bits 3): 32 bits on VirtLab's CPU, which does not support Intel 64.</summary>
    Natural = 3,
}

/// <summary>Type of a VMCS field: encoding bits 11:10.</summary>
public enum VmcsFieldType
{
    /// <summary>Control field (type 0).</summary>
    Control = 0,
    /// <summary>VM-exit information, read-only data field (type 1).</summary>
    ReadOnlyData = 1,
    /// <summary>Guest-state field (type 2).</summary>
    GuestState = 2,
    /// <summary>Host-state field (type 3).</summary>
    HostState = 3,
}

/// <summary>Access type of a VMCS encoding: bit 0. Only 64-bit fields have a high access.</summary>
public enum VmcsFieldAccess
{
    /// <summary>Full access (bit 0 = 0): the whole field.</summary>
    Full = 0,
    /// <summary>High access (bit 0 = 1): bits 63:32 of a 64-bit field.</summary>
    High = 1,
}
