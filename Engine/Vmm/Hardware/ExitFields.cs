namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The exit-information fields decoded by name for the run record (SDM Vol. 3C 27.2.1 tables 27-1 to
/// 27-8; Get-VmExit shows them and Group-Object can group by them).
/// </summary>
internal static class ExitFields
{
    private static readonly string[] Registers = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    private static readonly string[] CrAccessTypes = { "mov-to-cr", "mov-from-cr", "clts", "lmsw" };
    private static readonly string[] EventTypes = { "external-interrupt", "reserved", "nmi", "hardware-exception", "software-interrupt", "privileged-software-exception", "software-exception", "other" };

    internal static IReadOnlyDictionary<string, object> Decode(VmExitReason reason, in ExitSnapshot v)
    {
        ulong q = v.Qualification;
        var f = new Dictionary<string, object>();
        switch (reason)
        {
            case VmExitReason.IoInstruction:
                f["port"] = (ushort)(q >> 16);
                f["size"] = (int)(q & 7) + 1;
                f["direction"] = (q & 8) != 0 ? "in" : "out";
                f["string"] = (q & 0x10) != 0;
                f["rep"] = (q & 0x20) != 0;
                f["operand"] = (q & 0x40) != 0 ? "immediate" : "dx";
                if ((q & 0x10) != 0) f["linear-address"] = v.GuestLinear;
                break;
            case VmExitReason.CrAccess:
                f["cr"] = (int)(q & 0xF);
                f["access"] = CrAccessTypes[(q >> 4) & 3];
                if (((q >> 4) & 3) < 2) f["register"] = Registers[(q >> 8) & 7];
                if (((q >> 4) & 3) == 3) { f["lmsw-source"] = (ushort)(q >> 16); f["lmsw-operand"] = (q & 0x40) != 0 ? "memory" : "register"; }
                break;
            case VmExitReason.MovDr:
                f["dr"] = (int)(q & 7);
                f["direction"] = (q & 0x10) != 0 ? "mov-from-dr" : "mov-to-dr";
                f["register"] = Registers[(q >> 8) & 7];
                break;
            case VmExitReason.Cpuid:
                f["leaf"] = v.Eax;
                f["subleaf"] = v.Ecx;
                break;
            case VmExitReason.Rdmsr:
            case VmExitReason.Wrmsr:
                f["msr"] = v.Ecx;
                break;
            case VmExitReason.Vmcall:
                f["function"] = v.Eax;
                break;
            case VmExitReason.Invlpg:
                f["linear-address"] = (uint)q;
                break;
            case VmExitReason.ExceptionOrNmi:
            case VmExitReason.ExternalInterrupt:
            {
                uint info = v.InterruptionInfo;
                if ((info & 1u << 31) != 0)
                {
                    f["vector"] = (int)(info & 0xFF);
                    f["type"] = EventTypes[(info >> 8) & 7];
                    if (reason == VmExitReason.ExceptionOrNmi) f["exception"] = ExceptionNames.Name((int)(info & 0xFF));
                    if ((info & 0x800) != 0) f["error-code"] = v.InterruptionErrorCode;
                }
                if (reason == VmExitReason.ExceptionOrNmi && (info & 0xFF) == 14) f["linear-address"] = (uint)q;
                if (reason == VmExitReason.ExceptionOrNmi && (info & 0xFF) == 1) { f["breakpoints"] = (uint)(q & 0xF); f["single-step"] = (q & 0x4000) != 0; }
                break;
            }
            case VmExitReason.EptViolation:
                f["guest-physical"] = v.GuestPhysical;
                f["access"] = (q & 4) != 0 ? "fetch" : (q & 2) != 0 ? "write" : "read";
                f["readable"] = (q & 8) != 0; f["writable"] = (q & 0x10) != 0; f["executable"] = (q & 0x20) != 0;
                if ((q & 0x80) != 0) { f["linear-address"] = v.GuestLinear; f["paging-structure"] = (q & 0x100) == 0; }
                break;
            case VmExitReason.EptMisconfig:
                f["guest-physical"] = v.GuestPhysical;
                break;
            case VmExitReason.TaskSwitch:
                f["selector"] = (ushort)q;
                f["source"] = ((q >> 30) & 3) switch { 0 => "call", 1 => "iret", 2 => "jmp", _ => "task-gate" };
                break;
            case VmExitReason.GdtrIdtrAccess:
                f["instruction"] = ((v.InstructionInfo >> 28) & 3) switch { 0 => "sgdt", 1 => "sidt", 2 => "lgdt", _ => "lidt" };
                break;
            case VmExitReason.LdtrTrAccess:
                f["instruction"] = ((v.InstructionInfo >> 28) & 3) switch { 0 => "sldt", 1 => "str", 2 => "lldt", _ => "ltr" };
                break;
        }
        uint idt = v.IdtVectoringInfo;
        if ((idt & 1u << 31) != 0)
        {
            f["idt-vectoring-vector"] = (int)(idt & 0xFF);
            f["idt-vectoring-type"] = EventTypes[(idt >> 8) & 7];
        }
        return f;
    }
}
