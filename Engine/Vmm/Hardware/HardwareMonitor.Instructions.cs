namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// Instructions in VMX non-root operation (SDM Vol. 3C 25.1-25.3): which cause VM exits under the
/// current controls, with what qualification and instruction information, and how the others behave
/// differently (CR0/CR4 reads through the read shadows, masked writes, TSC offsetting). Faults based on
/// privilege level come before the exit (25.1.1), so an instruction that would #GP at the guest's CPL
/// runs natively and faults.
/// </summary>
public sealed partial class HardwareMonitor
{
    private const uint Cr0TS = 8;

    private uint Primary => (uint)Vmcs.Get(VmcsField.CpuBasedVmExecControl);
    private uint Secondary => (Primary & (uint)PrimaryProcessorControls.ActivateSecondaryControls) != 0 ? (uint)Vmcs.Get(VmcsField.SecondaryVmExecControl) : 0;
    private bool Has(PrimaryProcessorControls c) => (Primary & (uint)c) != 0;
    private bool Has(SecondaryProcessorControls c) => (Secondary & (uint)c) != 0;

    private static bool Privileged(Cpu c) => c.ProtectedMode && (c.Cpl != 0 || c.Virtual8086);

    /// <inheritdoc/>
    public bool OnSensitiveInstruction(Cpu cpu, DecodedInstruction d, SensitiveKind kind)
    {
        if (!_inVmxNonRoot) return false;
        switch (kind)
        {
            case SensitiveKind.Cpuid: return InstructionExit(d, VmExitReason.Cpuid);
            case SensitiveKind.Invd: return !Privileged(cpu) && InstructionExit(d, VmExitReason.Invd);
            case SensitiveKind.Hlt: return !Privileged(cpu) && Has(PrimaryProcessorControls.HltExiting) && InstructionExit(d, VmExitReason.Hlt);
            case SensitiveKind.Rdpmc: return Has(PrimaryProcessorControls.RdpmcExiting) && InstructionExit(d, VmExitReason.Rdpmc);
            case SensitiveKind.Pause: return Has(PrimaryProcessorControls.PauseExiting) && InstructionExit(d, VmExitReason.Pause);
            case SensitiveKind.Monitor: return Has(PrimaryProcessorControls.MonitorExiting) && InstructionExit(d, VmExitReason.Monitor);
            case SensitiveKind.Mwait: return Has(PrimaryProcessorControls.MwaitExiting) && InstructionExit(d, VmExitReason.Mwait);
            case SensitiveKind.Xsetbv: return InstructionExit(d, VmExitReason.Xsetbv);
            case SensitiveKind.Wbinvd: return !Privileged(cpu) && Has(SecondaryProcessorControls.WbinvdExiting) && InstructionExit(d, VmExitReason.Wbinvd);
            case SensitiveKind.Rdtsc: return Rdtsc(cpu, d);
            case SensitiveKind.Rdmsr: return !Privileged(cpu) && MsrExits(cpu.R[1], write: false) && InstructionExit(d, VmExitReason.Rdmsr);
            case SensitiveKind.Wrmsr: return !Privileged(cpu) && MsrExits(cpu.R[1], write: true) && InstructionExit(d, VmExitReason.Wrmsr);
            case SensitiveKind.Invlpg:
                return !Privileged(cpu) && Has(PrimaryProcessorControls.InvlpgExiting)
                    && InstructionExit(d, VmExitReason.Invlpg, qualification: cpu.Segments[(int)d.Segment].Base + cpu.EffectiveAddress(d));
            case SensitiveKind.MovToCr: return !Privileged(cpu) && MovToCr(cpu, d);
            case SensitiveKind.MovFromCr: return !Privileged(cpu) && MovFromCr(cpu, d);
            case SensitiveKind.Clts: return !Privileged(cpu) && Clts(cpu, d);
            case SensitiveKind.Lmsw: return !Privileged(cpu) && Lmsw(cpu, d);
            case SensitiveKind.Smsw: return Smsw(cpu, d);
            case SensitiveKind.MovToDr:
            case SensitiveKind.MovFromDr:
                if (Privileged(cpu) || !Has(PrimaryProcessorControls.MovDrExiting)) return false;
                bool from = kind == SensitiveKind.MovFromDr;
                int dr = from ? d.Reg1 : d.Reg0, gpr = from ? d.Reg0 : d.Reg1;
                return InstructionExit(d, VmExitReason.MovDr, qualification: (uint)(dr & 7) | (from ? 0x10u : 0) | (uint)gpr << 8);
            case SensitiveKind.Lgdt: case SensitiveKind.Lidt:
                return !Privileged(cpu) && DescriptorTableExit(cpu, d, kind);
            case SensitiveKind.Sgdt: case SensitiveKind.Sidt:
                return DescriptorTableExit(cpu, d, kind);
            case SensitiveKind.Lldt: case SensitiveKind.Ltr:
                return cpu.ProtectedMode && !Privileged(cpu) && DescriptorTableExit(cpu, d, kind);
            case SensitiveKind.Sldt: case SensitiveKind.Str:
                return cpu.ProtectedMode && !cpu.Virtual8086 && DescriptorTableExit(cpu, d, kind);
            case SensitiveKind.VmxInstruction: return VmxInstructionExit(cpu, d);
            case SensitiveKind.Int3:
                return ExceptionBitmapHas(3) && InstructionExit(d, VmExitReason.ExceptionOrNmi, interruptionInfo: 3 | (uint)EventType.SoftwareException << 8 | Valid);
            case SensitiveKind.Into:
                return cpu.GetOF() && ExceptionBitmapHas(4) && InstructionExit(d, VmExitReason.ExceptionOrNmi, interruptionInfo: 4 | (uint)EventType.SoftwareException << 8 | Valid);
            case SensitiveKind.Iret:
                // IRET ends virtual-NMI blocking (25.3); an open NMI window is then looked at right after it.
                if (_nmiBlocked && Has(PrimaryProcessorControls.NmiWindowExiting)) cpu.EndBlockAfterCurrentInstruction();
                _nmiBlocked = false;
                return false;
            default: return false;
        }
    }

    /// <summary>An exit caused by instruction <paramref name="d"/>: guest RIP is the instruction; after the handler the CPU skips it unless the handler chose to emulate it.</summary>
    private bool InstructionExit(DecodedInstruction d, VmExitReason reason, ulong qualification = 0, uint instructionInfo = 0, uint guestLinear = 0, uint interruptionInfo = 0)
    {
        var info = new ExitInfo
        {
            Reason = reason, Rip = d.Ip, Qualification = qualification, InstructionLength = d.Length, InstructionInfo = instructionInfo,
            GuestLinear = guestLinear, InterruptionInfo = interruptionInfo, Instruction = d,
        };
        var action = TakeExit(info);
        var cpu = Machine.Cpu;
        cpu.EndBlockAfterCurrentInstruction();
        if (action == VmExitAction.Emulate)
        {
            cpu.Eip = d.NextIp; // the instruction runs now, as the CPU decoded it
            return false;
        }
        return true;
    }

    private bool ExceptionBitmapHas(int vector) => (Vmcs.Get(VmcsField.ExceptionBitmap) & (1u << vector)) != 0;

    private bool Rdtsc(Cpu cpu, DecodedInstruction d)
    {
        if ((cpu.Cr4 & Cpu.Cr4TSD) != 0 && cpu.ProtectedMode && cpu.Cpl != 0) return false; // #GP first
        if (Has(PrimaryProcessorControls.RdtscExiting)) return InstructionExit(d, VmExitReason.Rdtsc);
        if (!Has(PrimaryProcessorControls.UseTscOffsetting)) return false;
        ulong tsc = (ulong)cpu.VirtualTime + cpu.TscOffset + Vmcs.Get(VmcsField.TscOffset); // 25.3: the offset is added
        cpu.R[0] = (uint)tsc; cpu.R[2] = (uint)(tsc >> 32);
        return true;
    }

    /// <summary>RDMSR/WRMSR exit unless the MSR bitmaps are used and the MSR's bit is clear (25.1.3); MSRs outside both ranges always exit.</summary>
    private bool MsrExits(uint msr, bool write)
    {
        if (!Has(PrimaryProcessorControls.UseMsrBitmaps)) return true;
        uint low;
        uint half;
        if (msr <= 0x1FFF) { low = msr; half = 0; }
        else if (msr is >= 0xC000_0000 and <= 0xC000_1FFF) { low = msr - 0xC000_0000; half = 1024; }
        else return true;
        uint a = (uint)Vmcs.Get(VmcsField.MsrBitmap) + (write ? 2048u : 0) + half + (low >> 3);
        return (ReadHost(a) & (1 << (int)(low & 7))) != 0;
    }

    private byte ReadHost(uint address) => address < HostMemorySize ? HostMemory.ReadByte(address) : (byte)0xFF;

    private bool MovToCr(Cpu cpu, DecodedInstruction d)
    {
        int cr = d.Reg0, gpr = d.Reg1;
        uint value = cpu.R[gpr];
        ulong qualification = (uint)cr | (uint)gpr << 8;
        switch (cr)
        {
            case 0:
            case 4:
            {
                uint mask = (uint)Vmcs.Get(cr == 0 ? VmcsField.Cr0GuestHostMask : VmcsField.Cr4GuestHostMask);
                uint shadow = (uint)Vmcs.Get(cr == 0 ? VmcsField.Cr0ReadShadow : VmcsField.Cr4ReadShadow);
                // 25.1.3: exits when a bit set in the mask differs from the read shadow.
                if (((value ^ shadow) & mask) != 0) return InstructionExit(d, VmExitReason.CrAccess, qualification);
                // 25.3: the guest changes only the bits it owns.
                if (cr == 0) cpu.WriteCr0((value & ~mask) | (cpu.Cr0 & mask));
                else
                {
                    uint owned = cpu.Cr4 & mask;
                    cpu.WriteCr4(((value & ~mask) | owned) & ~0x2000u);
                    cpu.Cr4 |= owned & 0x2000u;
                }
                return true;
            }
            case 3:
                if (!Has(PrimaryProcessorControls.Cr3LoadExiting)) return false;
                uint count = (uint)Vmcs.Get(VmcsField.Cr3TargetCount);
                for (int i = 0; i < Math.Min(count, 4u); i++)
                    if ((uint)Vmcs.Get(VmcsSetup.Cr3TargetFields[i]) == value) return false;
                return InstructionExit(d, VmExitReason.CrAccess, qualification);
            default: return false;
        }
    }

    private bool MovFromCr(Cpu cpu, DecodedInstruction d)
    {
        int cr = d.Reg1, gpr = d.Reg0;
        switch (cr)
        {
            case 3:
                return Has(PrimaryProcessorControls.Cr3StoreExiting) && InstructionExit(d, VmExitReason.CrAccess, (uint)cr | 0x10u | (uint)gpr << 8);
            case 0:
                cpu.R[gpr] = Shadowed(cpu.Cr0, VmcsField.Cr0GuestHostMask, VmcsField.Cr0ReadShadow);
                return true;
            case 4:
                cpu.R[gpr] = Shadowed(cpu.Cr4, VmcsField.Cr4GuestHostMask, VmcsField.Cr4ReadShadow);
                return true;
            default: return false;
        }
    }

    /// <summary>25.3: a read of CR0/CR4 returns the read shadow for the bits the VMM owns.</summary>
    private uint Shadowed(uint value, VmcsField mask, VmcsField shadow)
    {
        uint m = (uint)Vmcs.Get(mask);
        return (value & ~m) | ((uint)Vmcs.Get(shadow) & m);
    }

    private bool Clts(Cpu cpu, DecodedInstruction d)
    {
        uint mask = (uint)Vmcs.Get(VmcsField.Cr0GuestHostMask), shadow = (uint)Vmcs.Get(VmcsField.Cr0ReadShadow);
        if ((mask & shadow & Cr0TS) != 0) return InstructionExit(d, VmExitReason.CrAccess, 2u << 4);
        if ((mask & Cr0TS) != 0) return true; // TS owned by the VMM and clear in the shadow: CLTS changes nothing (25.3)
        return false;
    }

    private bool Lmsw(Cpu cpu, DecodedInstruction d)
    {
        uint mask = (uint)Vmcs.Get(VmcsField.Cr0GuestHostMask), shadow = (uint)Vmcs.Get(VmcsField.Cr0ReadShadow);
        bool memory = d.Kind0 != OperandKind.Register;
        uint source = memory ? cpu.ReadMem16(d.Segment, cpu.EffectiveAddress(d)) : cpu.GetReg16(d.Reg0);
        // 25.1.3: LMSW exits when it would set PE owned by the VMM and clear in the shadow, or change MP/EM/TS owned by the VMM against the shadow.
        bool exits = (mask & 1) != 0 && (shadow & 1) == 0 && (source & 1) != 0 || ((source ^ shadow) & mask & 0xE) != 0;
        if (exits)
        {
            ulong q = 0u | 3u << 4 | (memory ? 0x40u : 0) | (memory ? 0 : (uint)d.Reg0 << 8) | (ulong)(ushort)source << 16;
            return InstructionExit(d, VmExitReason.CrAccess, q, guestLinear: memory ? cpu.Segments[(int)d.Segment].Base + cpu.EffectiveAddress(d) : 0);
        }
        if ((mask & 0xF) == 0) return false;
        uint cr0 = cpu.Cr0;
        uint wanted = (cr0 & ~0xEu) | (source & 0xE) | (cr0 & 1) | (source & 1);
        cpu.WriteCr0((wanted & ~mask) | (cr0 & mask));
        return true;
    }

    private bool Smsw(Cpu cpu, DecodedInstruction d)
    {
        uint m = (uint)Vmcs.Get(VmcsField.Cr0GuestHostMask);
        if (m == 0) return false;
        uint value = Shadowed(cpu.Cr0, VmcsField.Cr0GuestHostMask, VmcsField.Cr0ReadShadow);
        if (d.Kind0 == OperandKind.Register)
        {
            if (d.Code == Iced.Intel.Code.Smsw_r32m16) cpu.R[d.Reg0] = value; else cpu.SetReg16(d.Reg0, (ushort)value);
        }
        else cpu.WriteMem16(d.Segment, cpu.EffectiveAddress(d), (ushort)value);
        return true;
    }

    /// <summary>LGDT/LIDT/SGDT/SIDT (reason 46) and LLDT/LTR/SLDT/STR (47) with descriptor-table exiting: qualification = displacement, instruction information per tables 27-10 and 27-11.</summary>
    private bool DescriptorTableExit(Cpu cpu, DecodedInstruction d, SensitiveKind kind)
    {
        if (!Has(SecondaryProcessorControls.DescriptorTableExiting)) return false;
        bool ldtrTr = kind is SensitiveKind.Lldt or SensitiveKind.Ltr or SensitiveKind.Sldt or SensitiveKind.Str;
        uint identity = kind switch
        {
            SensitiveKind.Sgdt or SensitiveKind.Sldt => 0u, SensitiveKind.Sidt or SensitiveKind.Str => 1u,
            SensitiveKind.Lgdt or SensitiveKind.Lldt => 2u, _ => 3u,
        };
        bool register = d.Kind0 == OperandKind.Register;
        uint info = MemoryOperandInfo(d, register) | identity << 28;
        if (ldtrTr && register) info |= 1u << 10 | (uint)d.Reg0 << 3;
        if (!ldtrTr && d.OperandSize == 4) info |= 1u << 11;
        return InstructionExit(d, ldtrTr ? VmExitReason.LdtrTrAccess : VmExitReason.GdtrIdtrAccess,
            qualification: register ? 0 : d.Displacement, instructionInfo: info);
    }

    /// <summary>The memory-operand part of VM-exit instruction information (27.2.5): scaling, address size, segment, index and base (with their invalid bits); all undefined for a register operand.</summary>
    private static uint MemoryOperandInfo(DecodedInstruction d, bool register)
    {
        if (register) return 0; // scaling, address size, segment, index and base are undefined: VirtLab writes 0
        uint info = (d.AddressMask == 0xFFFF_FFFF ? 1u : 0u) << 7;
        info |= d.Scale & 3u;
        info |= (uint)d.Segment << 15;
        info |= d.Index == DecodedInstruction.NoRegister ? 1u << 22 : (uint)d.Index << 18;
        info |= d.Base == DecodedInstruction.NoRegister ? 1u << 27 : (uint)d.Base << 23;
        return info;
    }

    /// <summary>Every VMX instruction exits in non-root operation (25.1.2), reason by instruction, with instruction information (table 27-13).</summary>
    private bool VmxInstructionExit(Cpu cpu, DecodedInstruction d)
    {
        var reason = d.Code switch
        {
            Iced.Intel.Code.Vmcall => VmExitReason.Vmcall, Iced.Intel.Code.Vmlaunch => VmExitReason.Vmlaunch, Iced.Intel.Code.Vmresume => VmExitReason.Vmresume,
            Iced.Intel.Code.Vmxoff => VmExitReason.Vmxoff, Iced.Intel.Code.Vmxon_m64 => VmExitReason.Vmxon, Iced.Intel.Code.Vmclear_m64 => VmExitReason.Vmclear,
            Iced.Intel.Code.Vmptrld_m64 => VmExitReason.Vmptrld, Iced.Intel.Code.Vmptrst_m64 => VmExitReason.Vmptrst, Iced.Intel.Code.Vmread_rm32_r32 => VmExitReason.Vmread,
            Iced.Intel.Code.Vmwrite_r32_rm32 => VmExitReason.Vmwrite, Iced.Intel.Code.Invept_r32_m128 => VmExitReason.Invept, _ => VmExitReason.Invvpid,
        };
        uint info = 0;
        ulong qualification = 0;
        if (reason is VmExitReason.Vmread or VmExitReason.Vmwrite)
        {
            // VMREAD r/m32, r32: reg1 is the r/m when a register, reg2 the other register; VMWRITE r32, r/m32 the same with operands swapped.
            bool rmFirst = reason == VmExitReason.Vmread;
            var rmKind = rmFirst ? d.Kind0 : d.Kind1;
            bool register = rmKind == OperandKind.Register;
            info = MemoryOperandInfo(d, register) | (uint)(rmFirst ? d.Reg1 : d.Reg0) << 28;
            if (register) info |= 1u << 10 | (uint)(rmFirst ? d.Reg0 : d.Reg1) << 3;
            else qualification = d.Displacement;
        }
        else if (reason is VmExitReason.Invept or VmExitReason.Invvpid)
        {
            info = MemoryOperandInfo(d, false) | (uint)d.Reg0 << 28;
            qualification = d.Displacement;
        }
        else if (reason is VmExitReason.Vmxon or VmExitReason.Vmclear or VmExitReason.Vmptrld or VmExitReason.Vmptrst)
        {
            info = MemoryOperandInfo(d, false);
            qualification = d.Displacement;
        }
        return InstructionExit(d, reason, qualification, info);
    }
}
