namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// VM-instruction error numbers, the value of the VM-instruction error field (0x4400) after a VMX
/// instruction fails with VMfailValid (SDM Vol. 3C 31.4, table "VM-Instruction Error Numbers").
/// </summary>
public enum VmxInstructionError : uint
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>1: VMCALL executed in VMX root operation.</summary>
    VmcallInVmxRootOperation = 1,
    /// <summary>2: VMCLEAR with invalid physical address.</summary>
    VmclearInvalidAddress = 2,
    /// <summary>3: VMCLEAR with VMXON pointer.</summary>
    VmclearVmxonPointer = 3,
    /// <summary>4: VMLAUNCH with non-clear VMCS.</summary>
    VmlaunchNonClearVmcs = 4,
    /// <summary>5: VMRESUME with non-launched VMCS.</summary>
    VmresumeNonLaunchedVmcs = 5,
    /// <summary>6: VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME).</summary>
    VmresumeAfterVmxoff = 6,
    /// <summary>7: VM entry with invalid control field(s).</summary>
    EntryInvalidControlField = 7,
    /// <summary>8: VM entry with invalid host-state field(s).</summary>
    EntryInvalidHostStateField = 8,
    /// <summary>9: VMPTRLD with invalid physical address.</summary>
    VmptrldInvalidAddress = 9,
    /// <summary>10: VMPTRLD with VMXON pointer.</summary>
    VmptrldVmxonPointer = 10,
    /// <summary>11: VMPTRLD with incorrect VMCS revision identifier.</summary>
    VmptrldIncorrectVmcsRevisionId = 11,
    /// <summary>12: VMREAD/VMWRITE from/to unsupported VMCS component.</summary>
    UnsupportedVmcsComponent = 12,
    /// <summary>13: VMWRITE to read-only VMCS component.</summary>
    VmwriteReadOnlyVmcsComponent = 13,
    /// <summary>15: VMXON executed in VMX root operation.</summary>
    VmxonInVmxRootOperation = 15,
    /// <summary>16: VM entry with invalid executive-VMCS pointer.</summary>
    EntryInvalidExecutiveVmcsPointer = 16,
    /// <summary>17: VM entry with non-launched executive VMCS.</summary>
    EntryNonLaunchedExecutiveVmcs = 17,
    /// <summary>18: VM entry with executive-VMCS pointer not VMXON pointer.</summary>
    EntryExecutiveVmcsPointerNotVmxonPointer = 18,
    /// <summary>19: VMCALL with non-clear VMCS.</summary>
    VmcallNonClearVmcs = 19,
    /// <summary>20: VMCALL with invalid VM-exit control fields.</summary>
    VmcallInvalidVmExitControlFields = 20,
    /// <summary>22: VMCALL with incorrect MSEG revision identifier.</summary>
    VmcallIncorrectMsegRevisionId = 22,
    /// <summary>23: VMXOFF under dual-monitor treatment of SMIs and SMM.</summary>
    VmxoffUnderDualMonitorTreatment = 23,
    /// <summary>24: VMCALL with invalid SMM-monitor features.</summary>
    VmcallInvalidSmmMonitorFeatures = 24,
    /// <summary>25: VM entry with invalid VM-execution control fields in executive VMCS.</summary>
    EntryInvalidExecutionControlFieldsInExecutiveVmcs = 25,
    /// <summary>26: VM entry with events blocked by MOV SS.</summary>
    EntryEventsBlockedByMovSs = 26,
    /// <summary>28: invalid operand to INVEPT/INVVPID.</summary>
    InvalidOperandToInveptInvvpid = 28,
}
