using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// JMP (near indirect, far), CALL, RET, RETF, INT n, INT3, INTO, IRET/IRETD, BOUND, HLT, PAUSE, UD2
/// (SDM Vol. 2). JMP rel is in <see cref="ConditionalBranch"/>. Near targets beyond the CS limit
/// raise #GP(0). Far transfers read and check everything (far pointer, stack room, descriptor)
/// before changing state, so a fault leaves the registers as they were.
/// Not yet here (later issue, with call gates, task gates, TSS and virtual-8086 support): far
/// transfers through gates, RETF/IRET to an outer privilege level, IRET with NT=1 (task return) and
/// IRET to virtual-8086 mode; they raise #GP as noted at each place.
/// </summary>
internal static class ControlTransfer
{
    private static uint CsLimit(Cpu c) => c.Segments[(int)SegmentRegister.CS].Limit;

    /// <summary>Real mode or virtual-8086 mode: far transfers load CS the real-mode way.</summary>
    private static bool RealOrV86(Cpu c) => !c.ProtectedMode || c.Virtual8086;

    private static void CheckNearTarget(Cpu c, uint target)
    {
        if (target > CsLimit(c)) throw CpuException.GP(0);
    }

    /// <summary>
    /// Reads an m16:16 or m16:32 far pointer (offset, then selector). The whole operand must lie in
    /// the segment: the 386 raises #GP/#SS "if any part of the operand would lie outside" the
    /// segment (a pointer at FFFEh with 16-bit addressing faults rather than wrapping to 0).
    /// A register operand is #UD.
    /// </summary>
    private static (ushort Selector, uint Offset) ReadFarPointer(Cpu c, DecodedInstruction d, int size)
    {
        if (d.Kind0 != OperandKind.Memory) throw CpuException.UD();
        uint ea = c.EffectiveAddress(d);
        c.CheckAccess(d.Segment, ea, size + 2);
        uint offset = c.ReadMem(d.Segment, ea, size);
        ushort selector = c.ReadMem16(d.Segment, ea + (uint)size);
        return (selector, offset);
    }

    // ---- JMP ----------------------------------------------------------------------------------

    [Handles(Code.Jmp_rm16)]
    static void JmpRm16(Cpu c, DecodedInstruction d)
    {
        uint target = c.ReadOp0(d, 2);
        CheckNearTarget(c, target);
        c.Eip = target;
    }

    [Handles(Code.Jmp_rm32)]
    static void JmpRm32(Cpu c, DecodedInstruction d)
    {
        uint target = c.ReadOp0(d, 4);
        CheckNearTarget(c, target);
        c.Eip = target;
    }

    /// <summary>JMP ptr16:16 / ptr16:32. In real mode a 32-bit offset beyond the CS limit is #GP(0) (SDM JMP).</summary>
    [Handles(Code.Jmp_ptr1616, Code.Jmp_ptr1632)]
    static void JmpFarDirect(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        FarJump(c, (ushort)d.Immediate2, d.Immediate);
    }

    [Handles(Code.Jmp_m1616)]
    static void JmpFarIndirect16(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        var (selector, offset) = ReadFarPointer(c, d, 2);
        FarJump(c, selector, offset);
    }

    [Handles(Code.Jmp_m1632)]
    static void JmpFarIndirect32(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        var (selector, offset) = ReadFarPointer(c, d, 4);
        FarJump(c, selector, offset);
    }

    private static void FarJump(Cpu c, ushort selector, uint offset)
    {
        if (!RealOrV86(c)) { c.FarJumpProtected(selector, offset); return; }
        if (offset > CsLimit(c)) throw CpuException.GP(0);
        c.LoadCodeSegmentFar(selector, offset);
    }

    // ---- CALL ---------------------------------------------------------------------------------

    /// <summary>CALL near: target limit check (#GP(0)), then push (E)IP of the operand size (#SS(0)), then jump.</summary>
    private static void CallNear(Cpu c, uint target, int size)
    {
        CheckNearTarget(c, target);
        c.Push(size, c.Eip);
        c.Eip = target;
    }

    [Handles(Code.Call_rel16)] static void CallRel16(Cpu c, DecodedInstruction d) => CallNear(c, d.Immediate, 2);
    [Handles(Code.Call_rel32_32)] static void CallRel32(Cpu c, DecodedInstruction d) => CallNear(c, d.Immediate, 4);
    /// <summary>CALL r/m: the target is read before the push (CALL [ESP] and CALL SP use the old stack pointer).</summary>
    [Handles(Code.Call_rm16)] static void CallRm16(Cpu c, DecodedInstruction d) => CallNear(c, c.ReadOp0(d, 2), 2);
    [Handles(Code.Call_rm32)] static void CallRm32(Cpu c, DecodedInstruction d) => CallNear(c, c.ReadOp0(d, 4), 4);

    [Handles(Code.Call_ptr1616)]
    static void CallFarDirect16(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        CallFar(c, (ushort)d.Immediate2, d.Immediate, 2);
    }

    [Handles(Code.Call_ptr1632)]
    static void CallFarDirect32(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        CallFar(c, (ushort)d.Immediate2, d.Immediate, 4);
    }

    [Handles(Code.Call_m1616)]
    static void CallFarIndirect16(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        var (selector, offset) = ReadFarPointer(c, d, 2);
        CallFar(c, selector, offset, 2);
    }

    [Handles(Code.Call_m1632)]
    static void CallFarIndirect32(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        var (selector, offset) = ReadFarPointer(c, d, 4);
        CallFar(c, selector, offset, 4);
    }

    /// <summary>
    /// CALL far (SDM CALL): real mode checks the stack room for CS and (E)IP (#SS(0)) and the offset
    /// against the CS limit (#GP(0)); protected mode checks the target descriptor first, then the
    /// stack, then the offset. Only then does CS:EIP change and the return address get pushed (the
    /// pushes cannot fault any more). With a 32-bit operand size CS is pushed zero-extended to 4
    /// bytes (as Bochs does; the SDM says "padded").
    /// </summary>
    private static void CallFar(Cpu c, ushort selector, uint offset, int size)
    {
        if (!RealOrV86(c)) { c.FarCallProtected(selector, offset, size); return; }
        ushort oldCs = c.Segments[(int)SegmentRegister.CS].Selector;
        uint oldEip = c.Eip;
        Stack.CheckPush(c, size, 2);
        if (offset > CsLimit(c)) throw CpuException.GP(0);
        c.LoadCodeSegmentFar(selector, offset);
        c.Push(size, oldCs);
        c.Push(size, oldEip);
    }

    // ---- RET ----------------------------------------------------------------------------------

    /// <summary>RET near: the return address is read (#SS(0)) and checked against the CS limit (#GP(0)) before the stack pointer moves by its size plus imm16.</summary>
    private static void RetNear(Cpu c, int size, uint release)
    {
        uint sp = c.StackPointer;
        uint target = c.PeekStack(size, 0);
        CheckNearTarget(c, target);
        c.SetStackPointer(sp + (uint)size + release);
        c.Eip = target;
    }

    [Handles(Code.Retnw)] static void RetNear16(Cpu c, DecodedInstruction d) => RetNear(c, 2, 0);
    [Handles(Code.Retnd)] static void RetNear32(Cpu c, DecodedInstruction d) => RetNear(c, 4, 0);
    [Handles(Code.Retnw_imm16)] static void RetNear16Imm(Cpu c, DecodedInstruction d) => RetNear(c, 2, d.Immediate & 0xFFFF);
    [Handles(Code.Retnd_imm16)] static void RetNear32Imm(Cpu c, DecodedInstruction d) => RetNear(c, 4, d.Immediate & 0xFFFF);

    [Handles(Code.Retfw)] static void RetFar16(Cpu c, DecodedInstruction d) => RetFar(c, d, 2, 0);
    [Handles(Code.Retfd)] static void RetFar32(Cpu c, DecodedInstruction d) => RetFar(c, d, 4, 0);
    [Handles(Code.Retfw_imm16)] static void RetFar16Imm(Cpu c, DecodedInstruction d) => RetFar(c, d, 2, d.Immediate & 0xFFFF);
    [Handles(Code.Retfd_imm16)] static void RetFar32Imm(Cpu c, DecodedInstruction d) => RetFar(c, d, 4, d.Immediate & 0xFFFF);

    /// <summary>
    /// RETF (SDM RET): pops (E)IP then CS (a 4-byte slot with a 32-bit operand size, upper word
    /// ignored), both read before anything changes. Real mode: offset beyond the CS limit is #GP(0).
    /// Protected mode: null selector #GP(0); RPL &lt; CPL #GP(selector); the same-privilege return
    /// checks the descriptor and the offset in <see cref="Cpu.LoadCodeSegmentFar"/>.
    /// </summary>
    private static void RetFar(Cpu c, DecodedInstruction d, int size, uint release)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.FarTransfer)) return;
        if (!RealOrV86(c)) { c.FarReturnProtected(size, release); return; }
        uint sp = c.StackPointer;
        uint offset = c.PeekStack(size, 0);
        ushort selector = (ushort)c.PeekStack(size, (uint)size);
        if (offset > CsLimit(c)) throw CpuException.GP(0);
        c.LoadCodeSegmentFar(selector, offset);
        c.SetStackPointer(sp + (uint)(2 * size) + release);
    }

    // ---- INT n / INT3 / INTO / IRET -------------------------------------------------------------

    /// <summary>INT n through the IVT or IDT (gate DPL checked against CPL in protected mode). In virtual-8086 mode with IOPL &lt; 3: #GP(0).</summary>
    [Handles(Code.Int_imm8)]
    static void IntN(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.IntN)) return;
        if (c.Virtual8086 && c.Iopl < 3) throw CpuException.GP(0); // CR4.VME redirection: later issue
        c.SoftwareInterrupt((byte)d.Immediate);
    }

    /// <summary>INT3 (CC): vector 3, a trap (the pushed return address is the next instruction).</summary>
    [Handles(Code.Int3)]
    static void Int3(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Int3)) return;
        c.SoftwareInterrupt(3);
    }

    /// <summary>INTO: vector 4 when OF = 1, otherwise nothing.</summary>
    [Handles(Code.Into)]
    static void Into(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Into)) return;
        if (c.GetOF()) c.SoftwareInterrupt(4);
    }

    [Handles(Code.Iretw)] static void Iret16(Cpu c, DecodedInstruction d) => Iret(c, d, 2);
    [Handles(Code.Iretd)] static void Iret32(Cpu c, DecodedInstruction d) => Iret(c, d, 4);

    /// <summary>
    /// IRET/IRETD (SDM IRET). Pops (E)IP, CS, (E)FLAGS; all three are read and checked before any
    /// state changes.
    /// <list type="bullet">
    /// <item>Real mode, 16-bit: FLAGS = the popped word (IOPL and NT writable, as on any 386), the
    /// upper EFLAGS bits unchanged. 32-bit: EFLAGS = (popped AND 257FD5h) OR (EFLAGS AND 1A0000h).</item>
    /// <item>Virtual-8086 mode with IOPL = 3: as real mode, but IOPL (and VM, VIF, VIP) unchanged; IOPL &lt; 3: #GP(0).</item>
    /// <item>Protected mode, same privilege: CF PF AF ZF SF TF DF OF NT (and RF AC ID for IRETD)
    /// from the image; IF only when CPL ≤ IOPL; IOPL (and VIF VIP for IRETD) only at CPL 0.</item>
    /// </list>
    /// </summary>
    private static void Iret(Cpu c, DecodedInstruction d, int size)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Iret)) return;
        uint old = c.GetEFlags();
        uint s = (uint)size;
        if (!c.ProtectedMode || (old & Cpu.VM) != 0)
        {
            bool v86 = (old & Cpu.VM) != 0;
            if (v86 && c.Iopl < 3) throw CpuException.GP(0); // CR4.VME: later issue
            uint sp = c.StackPointer;
            uint ip = c.PeekStack(size, 0);
            ushort cs = (ushort)c.PeekStack(size, s);
            uint image = c.PeekStack(size, 2 * s);
            if (ip > CsLimit(c)) throw CpuException.GP(0);
            uint mask = size == 4 ? 0x0025_7FD5u : 0x7FD5u; // the defined flags of the popped image
            if (v86) mask &= ~Cpu.IoplMask;
            uint flags = (old & ~mask) | (image & mask);
            c.LoadCodeSegmentFar(cs, ip);
            c.SetStackPointer(sp + 3 * s);
            c.SetEFlags(flags);
            return;
        }

        c.InterruptReturnProtected(size);
    }

    // ---- BOUND --------------------------------------------------------------------------------

    /// <summary>
    /// BOUND r, m16&amp;16 / m32&amp;32: signed index against [lower, upper] (both inclusive); out of
    /// range raises #BR (vector 5), a fault: the return address is the BOUND itself. The whole
    /// operand must lie in the segment. A register second operand is #UD.
    /// </summary>
    [Handles(Code.Bound_r16_m1616)] static void Bound16(Cpu c, DecodedInstruction d) => Bound(c, d, 2);
    [Handles(Code.Bound_r32_m3232)] static void Bound32(Cpu c, DecodedInstruction d) => Bound(c, d, 4);

    private static void Bound(Cpu c, DecodedInstruction d, int size)
    {
        if (d.Kind1 != OperandKind.Memory) throw CpuException.UD();
        uint ea = c.EffectiveAddress(d);
        c.CheckAccess(d.Segment, ea, 2 * size);
        int lower, upper, index;
        if (size == 2)
        {
            lower = (short)c.ReadMem16(d.Segment, ea);
            upper = (short)c.ReadMem16(d.Segment, ea + 2);
            index = (short)c.R[d.Reg0];
        }
        else
        {
            lower = (int)c.ReadMem32(d.Segment, ea);
            upper = (int)c.ReadMem32(d.Segment, ea + 4);
            index = (int)c.R[d.Reg0];
        }
        if (index < lower || index > upper) throw new CpuException(ExceptionVector.BR);
    }

    // ---- HLT / PAUSE / UD2 --------------------------------------------------------------------

    /// <summary>HLT: privileged (#GP(0) at CPL &gt; 0 and in virtual-8086 mode). EIP is left at the next instruction; the run stops with <see cref="StopReason.Halted"/> and stays halted until an interrupt or reset.</summary>
    [Handles(Code.Hlt)]
    static void Hlt(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Hlt)) return;
        if (c.ProtectedMode && (c.Cpl != 0 || c.Virtual8086)) throw CpuException.GP(0);
        c.Halted = true;
        c.RequestStop(StopReason.Halted);
    }

    /// <summary>PAUSE (F3 90): a hint; a NOP here apart from telling the monitor (pause-loop exiting).</summary>
    [Handles(Code.Pause)]
    static void Pause(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Pause)) return;
    }

    /// <summary>UD2: the defined invalid opcode.</summary>
    [Handles(Code.Ud2)]
    static void Ud2(Cpu c, DecodedInstruction d) => throw CpuException.UD();
}
