using static VirtLab.Engine.Vmm.Para.XenErrno;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// Traps (xen/arch/x86/pv/traps.c, callback.c, iret.c, misc-hypercalls.c): the guest's trap table,
/// the bounce frame Xen builds on the guest's ring-1 stack, set_trap_table, stack_switch,
/// fpu_taskswitch and the iret hypercall.
/// </summary>
public sealed partial class ParaMonitor
{
    private struct TrapInfo { public byte Flags; public ushort Cs; public uint Address; }

    private readonly TrapInfo[] _traps = new TrapInfo[256];
    private ushort _kernelSs;
    private uint _kernelEsp;

    /// <summary>Xen's names of the exceptions (trapstr).</summary>
    public static string TrapName(int vector) => vector switch
    {
        0 => "divide_error", 1 => "debug", 2 => "nmi", 3 => "int3", 4 => "overflow", 5 => "bounds", 6 => "invalid_op",
        7 => "device_not_available", 8 => "double_fault", 9 => "coprocessor_segment_overrun", 10 => "invalid_TSS",
        11 => "segment_not_present", 12 => "stack_segment", 13 => "general_protection", 14 => "page_fault",
        15 => "spurious_interrupt_bug", 16 => "coprocessor_error", 17 => "alignment_check", 18 => "machine_check",
        19 => "simd_coprocessor_error", _ => $"vector_{vector}",
    };

    /// <summary>
    /// A fault from the guest: Xen's handlers. #GP from an INT n the guest's trap table allows goes to
    /// that handler with EIP past the INT; a #GP or #UD Xen can emulate (I/O to a permitted port,
    /// CPUID behind the Xen prefix) is emulated; everything else is reflected to the guest's handler
    /// (with cr2 in vcpu_info for a page fault), or kills the domain when it has none.
    /// </summary>
    private bool HandleException(ref GuestFrame frame, ExceptionVector vector, uint? errorCode)
    {
        if (vector == ExceptionVector.GP && errorCode is { } e && (e & 3) == 2)
        {
            // The IDT refused an INT n (error = vector*8+2): a software interrupt the guest's trap table may allow.
            int v = (int)(e >> 3);
            var ti = _traps[v];
            if (ti.Address != 0 && (ti.Flags & 3) >= frame.Ring)
            {
                frame.Eip += 2;
                return ReflectTrap(ref frame, (ExceptionVector)v, null, softwareInterrupt: true);
            }
        }
        if (vector is ExceptionVector.GP or ExceptionVector.UD && TryEmulate(ref frame, vector)) return true;
        if (vector == ExceptionVector.PF) Memory.WriteUInt32(VcpuInfo + VcpuCr2, Cpu.Cr2);
        bool ok = ReflectTrap(ref frame, vector, errorCode);
        if (ok && vector == ExceptionVector.NM) Cpu.WriteCr0(Cpu.Cr0 & ~Cpu.Cr0TS); // the guest saw its #NM: Xen clears its virtual TS
        return ok;
    }

    /// <summary>do_guest_trap: bounce to the trap table's handler, or crash the domain when there is none.</summary>
    /// <param name="frame">The guest state; for a trap, EIP is already past the instruction.</param>
    /// <param name="vector">The exception.</param>
    /// <param name="errorCode">Its error code, if it has one.</param>
    /// <param name="softwareInterrupt">An INT n the trap table allowed (reported as software_interrupt).</param>
    /// <param name="trapLength">For a trap, the length of the instruction before EIP (INT n 2, INT3 and INTO 1), so the record names it.</param>
    private bool ReflectTrap(ref GuestFrame frame, ExceptionVector vector, uint? errorCode, bool softwareInterrupt = false, uint trapLength = 0)
    {
        int v = (int)vector;
        var ti = _traps[v];
        var at = frame;
        if (softwareInterrupt) trapLength = 2;
        var (text, bytes) = InstructionAt(new GuestFrame { Eip = frame.Eip - trapLength, Cs = frame.Cs });
        var fields = new Dictionary<string, object> { ["vector"] = (uint)v };
        if (errorCode is { } e) fields["error-code"] = e;
        if (vector == ExceptionVector.PF) fields["cr2"] = Cpu.Cr2;
        string name = softwareInterrupt ? $"int 0x{v:X2}" : TrapName(v);
        if (ti.Address == 0)
        {
            Crash($"{name} at {frame.Cs:X4}:{frame.Eip:X8} ({(text.Length > 0 ? text : "instruction unreadable")}) and the guest's trap table has no handler for vector {v}", frame, text);
            return false;
        }
        if (!Bounce(ref frame, ti.Cs, ti.Address, errorCode, maskEvents: (ti.Flags & 4) != 0, $"the handler of vector {v}")) return false;
        long cost = vector == ExceptionVector.PF ? ParaCosts.PageFault : ParaCosts.Trap;
        Record(VmExitKind.Trap, softwareInterrupt ? "software_interrupt" : TrapName(v), v, at, text, fields, $"reflected to the guest's handler at {ti.Cs:X4}:{ti.Address:X8}", cost, bytes);
        return true;
    }

    /// <summary>
    /// create_bounce_frame: on the guest kernel's stack (SS1:ESP1 from ring 3, else the current one),
    /// [SS, ESP from ring 3,] EFLAGS (IF = !upcall_mask), CS (bits 16-23 = upcall_mask), EIP [, error
    /// code]; the frame then resumes at <paramref name="cs"/>:<paramref name="eip"/>. An event, or a
    /// trap whose flags ask for it, sets upcall_mask.
    /// </summary>
    private bool Bounce(ref GuestFrame frame, ushort cs, uint eip, uint? errorCode, bool maskEvents, string target)
    {
        byte mask = Memory.ReadByte(VcpuInfo + VcpuUpcallMask);
        bool fromUser = frame.Ring == 3;
        ushort ss = fromUser ? _kernelSs : frame.Ss;
        uint esp = fromUser ? _kernelEsp : frame.Esp;
        var words = new List<uint>();
        if (errorCode is { } e) words.Add(e);
        words.Add(frame.Eip);
        words.Add(frame.Cs | (uint)mask << 16);
        words.Add((frame.EFlags & ~Cpu.IF) | (mask == 0 ? Cpu.IF : 0));
        if (fromUser) { words.Add(frame.Esp); words.Add(frame.Ss); }
        var bytes = new byte[words.Count * 4];
        for (int i = 0; i < words.Count; i++) BitConverter.GetBytes(words[i]).CopyTo(bytes, i * 4);
        uint newEsp = esp - (uint)bytes.Length;
        if (!_guest.Write(SegmentBase(ss) + newEsp, bytes))
        {
            Crash($"cannot write the frame for {target} on the guest's stack at {ss:X4}:{newEsp:X8} (not mapped writable)", frame, "");
            return false;
        }
        if (maskEvents) Memory.WriteByte(VcpuInfo + VcpuUpcallMask, 1);
        frame = new GuestFrame { Eip = eip, Cs = cs, Ss = ss, Esp = newEsp, EFlags = frame.EFlags & ~(Cpu.TF | Cpu.NT | Cpu.VM | Cpu.RF) };
        return true;
    }

    /// <summary>The base of a GDT selector's descriptor (0 for an LDT selector or one outside the table: VirtLab's guests have no LDT).</summary>
    private uint SegmentBase(ushort selector)
    {
        if ((selector & 4) != 0 || (selector | 7u) > GdtLimit) return 0;
        if (!Cpu.TryTranslateForDebugger(GdtVirt + (uint)(selector & ~7), out uint p)) return 0;
        uint lo = Memory.ReadUInt32(p), hi = Memory.ReadUInt32(p + 4);
        return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000);
    }

    private void SetKernelStack(ushort ss, uint esp)
    {
        _kernelSs = ss; _kernelEsp = esp;
        Memory.WriteUInt32(_tss + 12, esp);   // TSS.ESP1
        Memory.WriteUInt32(_tss + 16, ss);    // TSS.SS1
    }

    /// <summary>set_trap_table (0): trap_info { u8 vector; u8 flags; u16 cs; u32 address; } entries up to one with address 0; NULL clears the table.</summary>
    private int SetTrapTable(HypercallCall c)
    {
        if (c.Ebx == 0) { Array.Clear(_traps); c.Fields["entries"] = 0u; return 0; }
        var table = new List<(byte Vector, TrapInfo Info)>();
        for (uint p = c.Ebx; ; p += 8)
        {
            var raw = _guest.Read(p, 8);
            if (raw is null) return -EFAULT;
            uint address = BitConverter.ToUInt32(raw, 4);
            if (address == 0) break;
            table.Add((raw[0], new TrapInfo { Flags = raw[1], Cs = GuestSelector(BitConverter.ToUInt16(raw, 2)), Address = address }));
            if (table.Count > 256) return -EINVAL;
        }
        foreach (var (vector, info) in table) _traps[vector] = info;
        c.Fields["entries"] = (uint)table.Count;
        return 0;
    }

    /// <summary>stack_switch (3): the guest kernel's stack (SS1:ESP1 in the TSS), used for frames from ring 3.</summary>
    private int StackSwitch(HypercallCall c)
    {
        SetKernelStack(GuestSelector(c.Ebx), c.Ecx);
        c.Fields["ss"] = (uint)_kernelSs; c.Fields["esp"] = _kernelEsp;
        return 0;
    }

    /// <summary>fpu_taskswitch (5): 1 sets CR0.TS (the next FPU instruction raises #NM to the guest), 0 clears it.</summary>
    private int FpuTaskswitch(HypercallCall c)
    {
        Cpu.WriteCr0(c.Ebx != 0 ? Cpu.Cr0 | Cpu.Cr0TS : Cpu.Cr0 & ~Cpu.Cr0TS);
        return 0;
    }

    /// <summary>
    /// iret (23), compat_iret: [EAX, EIP, CS, EFLAGS, ESP, SS] at the guest's ESP (ESP and SS only for
    /// a return to ring 2/3). Restores EAX, sets upcall_mask = !EFLAGS.IF, forces IF on and IOPL 0. A
    /// return to ring 0 kills the domain; a return to VM86 is a #GP for the guest.
    /// </summary>
    private int IretHypercall(HypercallCall c)
    {
        var f = c.Frame;
        uint sp = SegmentBase(f.Ss) + f.Esp;
        var raw = _guest.Read(sp, 16);
        if (raw is null) { Crash($"iret hypercall: its frame at {f.Ss:X4}:{f.Esp:X8} is unreadable", f, "int 0x82"); c.Stop = true; return -EFAULT; }
        uint eax = BitConverter.ToUInt32(raw, 0), eip = BitConverter.ToUInt32(raw, 4), cs = BitConverter.ToUInt32(raw, 8), eflags = BitConverter.ToUInt32(raw, 12);
        c.Fields["eip"] = eip; c.Fields["cs"] = cs; c.Fields["eflags"] = eflags;
        c.KeepEax = true;
        if ((eflags & Cpu.VM) != 0)
        {
            Cpu.Eax = eax;
            c.Action = "a return to virtual-8086 mode: #GP for the guest";
            var frame = c.Frame;
            frame.Eip -= 2;
            if (!ReflectTrap(ref frame, ExceptionVector.GP, 0)) { c.Stop = true; return 0; }
            c.Frame = frame;
            return 0;
        }
        if ((cs & 3) == 0) { Crash($"iret hypercall to ring 0 ({cs:X4}:{eip:X8})", f, "int 0x82"); c.Stop = true; return 0; }
        var next = new GuestFrame { Eip = eip, Cs = (ushort)cs, EFlags = (eflags | Cpu.IF) & ~Cpu.IoplMask };
        if ((cs & 3) >= 2)
        {
            var outer = _guest.Read(sp + 16, 8);
            if (outer is null) { Crash($"iret hypercall: its frame at {f.Ss:X4}:{f.Esp + 16:X8} is unreadable", f, "int 0x82"); c.Stop = true; return 0; }
            next.Esp = BitConverter.ToUInt32(outer, 0); next.Ss = (ushort)BitConverter.ToUInt32(outer, 4);
        }
        else { next.Esp = f.Esp + 16; next.Ss = f.Ss; }
        Memory.WriteByte(VcpuInfo + VcpuUpcallMask, (byte)((eflags & Cpu.IF) != 0 ? 0 : 1));
        Cpu.Eax = eax;
        c.Frame = next;
        c.Action = $"returned to {next.Cs:X4}:{next.Eip:X8}";
        return 0;
    }
}
