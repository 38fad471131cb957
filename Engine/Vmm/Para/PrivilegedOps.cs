using Iced.Intel;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// What Xen emulates after a fault in the guest (xen/arch/x86/pv/emul-priv-op.c, emul-inv-op.c): IN
/// and OUT to ports the domain may use when its virtual IOPL covers the ring (physdev_op set_iopl),
/// CLI/STI as no-ops under the same condition, and CPUID behind the Xen prefix
/// <c>ud2; .ascii "xen"; cpuid</c> (the "forced emulation" the guest asks for, so that it sees
/// Xen's leaves 0x40000000 up). Any other privileged instruction is reflected to the guest.
/// </summary>
public sealed partial class ParaMonitor
{
    /// <summary>The Xen prefix before an emulated CPUID: ud2 (0F 0B), "xen".</summary>
    public static readonly byte[] XenCpuidPrefix = { 0x0F, 0x0B, 0x78, 0x65, 0x6E, 0x0F, 0xA2 };

    private bool TryEmulate(ref GuestFrame frame, ExceptionVector vector)
    {
        uint linear = SegmentBase(frame.Cs) + frame.Eip;
        if (vector == ExceptionVector.UD)
        {
            var raw = _guest.Read(linear, XenCpuidPrefix.Length);
            if (raw is null || !raw.AsSpan().SequenceEqual(XenCpuidPrefix)) return false;
            var cpu = Cpu;
            uint leaf = cpu.Eax;
            var (a, b, cx, d) = XenCpuid(leaf, cpu.Ecx);
            cpu.Eax = a; cpu.Ebx = b; cpu.Ecx = cx; cpu.Edx = d;
            Record(VmExitKind.Trap, TrapName(6), 6, frame, "ud2; .ascii \"xen\"; cpuid", new Dictionary<string, object> { ["vector"] = 6u, ["leaf"] = leaf },
                $"emulated cpuid leaf 0x{leaf:X} (Xen prefix)", ParaCosts.EmulatedInstruction, raw);
            frame.Eip += (uint)XenCpuidPrefix.Length;
            return true;
        }

        var (text, bytes) = InstructionAt(frame);
        if (bytes.Length == 0) return false;
        var decoder = Decoder.Create(32, bytes, frame.Eip);
        decoder.Decode(out var insn);
        if (insn.Code is Code.Cli or Code.Sti)
        {
            // Xen's emul-priv-op: with the virtual IOPL, CLI/STI are no-ops (too dangerous to map onto the mask).
            if (!IoplOk(frame.Ring)) return false;
            Record(VmExitKind.Trap, TrapName(13), 13, frame, text, new Dictionary<string, object> { ["vector"] = 13u },
                $"emulated {text} as a no-op (virtual IOPL {_virtualIopl})", ParaCosts.EmulatedInstruction, bytes);
            frame.Eip += (uint)insn.Length;
            return true;
        }
        bool isIn;
        int size;
        switch (insn.Code)
        {
            case Code.In_AL_imm8: case Code.In_AL_DX: isIn = true; size = 1; break;
            case Code.In_AX_imm8: case Code.In_AX_DX: isIn = true; size = 2; break;
            case Code.In_EAX_imm8: case Code.In_EAX_DX: isIn = true; size = 4; break;
            case Code.Out_imm8_AL: case Code.Out_DX_AL: isIn = false; size = 1; break;
            case Code.Out_imm8_AX: case Code.Out_DX_AX: isIn = false; size = 2; break;
            case Code.Out_imm8_EAX: case Code.Out_DX_EAX: isIn = false; size = 4; break;
            default: return false;
        }
        bool immediate = insn.Op0Kind == OpKind.Immediate8 || insn.Op1Kind == OpKind.Immediate8;
        ushort port = immediate ? (ushort)insn.Immediate8 : (ushort)Cpu.Edx;
        if (!IoplOk(frame.Ring)) return false; // guest_io_okay: the virtual IOPL must cover the ring
        for (int i = 0; i < size; i++)
            if (!Settings.MayAccessPort((ushort)(port + i))) return false; // admin_io_okay: not the domain's port, the guest gets its #GP
        var c = Cpu;
        c.SyncDevicesBeforeIo();
        if (isIn)
        {
            uint value = c.Io.Read(port, size);
            c.Eax = size == 4 ? value : (c.Eax & ~Cpu.SizeMask(size)) | (value & Cpu.SizeMask(size));
        }
        else c.Io.Write(port, size, c.Eax & Cpu.SizeMask(size));
        c.SyncDevicesAfterIo();
        var fields = new Dictionary<string, object> { ["vector"] = 13u, ["port"] = (uint)port, ["size"] = (uint)size, ["direction"] = isIn ? "in" : "out" };
        Record(VmExitKind.Trap, TrapName(13), 13, frame, text, fields, $"emulated {(isIn ? "in" : "out")} port 0x{port:X}", ParaCosts.EmulatedInstruction, bytes);
        frame.Eip += (uint)insn.Length;
        return true;
    }

    /// <summary>CPUID as a PV guest sees it through the Xen prefix: Xen's leaves 0x40000000-0x40000002, the VCPU's own otherwise.</summary>
    public static (uint Eax, uint Ebx, uint Ecx, uint Edx) XenCpuid(uint leaf, uint subleaf) => leaf switch
    {
        0x4000_0000 => (0x4000_0002, 0x566E_6558, 0x6558_4D4D, 0x4D4D_566E), // max leaf; "XenVMMXenVMM"
        0x4000_0001 => (0x0003_0000, 0, 0, 0),                               // Xen 3.0
        0x4000_0002 => (1, 0x4000_0000, 0, 0),                               // one hypercall page; its MSR
        _ => CpuidInfo.Query(leaf, subleaf),
    };
}
