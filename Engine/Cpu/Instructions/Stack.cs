using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// PUSH POP (all forms, segment registers included) PUSHA/PUSHAD POPA/POPAD PUSHF/PUSHFD POPF/POPFD
/// ENTER LEAVE (SDM Vol. 2). The stack pointer is SP or ESP by SS.B; the operand size decides how
/// many bytes move. Every instruction reads and checks all it needs before it changes a register
/// (POP m and ENTER, which must write before they know, put ESP/EBP back on a fault), so a fault
/// leaves the registers as they were and the run loop points EIP back at the instruction.
/// </summary>
internal static class Stack
{

    // ---- helpers shared with ControlTransfer -------------------------------------------------

    /// <summary>True when an access of <paramref name="size"/> bytes at <paramref name="offset"/> lies inside SS (no exception).</summary>
    internal static bool StackSlotFits(Cpu c, uint offset, int size)
    {
        ref var ss = ref c.Segments[(int)SegmentRegister.SS];
        return offset >= ss.MinOffset && offset <= ss.MaxOffset && ss.MaxOffset - offset >= (uint)size - 1;
    }

    /// <summary>Checks that <paramref name="count"/> pushes of <paramref name="size"/> bytes fit below the stack pointer (each slot wraps like the pushes would); #SS(0) otherwise. Writes nothing.</summary>
    internal static void CheckPush(Cpu c, int size, int count)
    {
        uint sp = c.R[4], mask = c.StackMask;
        for (int k = 1; k <= count; k++)
            c.CheckWrite(SegmentRegister.SS, (sp - (uint)(k * size)) & mask, size);
    }

    /// <summary>EFLAGS.VM is set (virtual-8086 mode).</summary>

    // ---- PUSH ---------------------------------------------------------------------------------

    /// <summary>PUSH r16/r32: PUSH SP/ESP pushes the value before the push (286 and later; the 8086 pushed the new value).</summary>
    [Handles(Code.Push_r16)] static void PushR16(Cpu c, DecodedInstruction d) => c.Push16((ushort)c.R[d.Reg0]);
    [Handles(Code.Push_r32)] static void PushR32(Cpu c, DecodedInstruction d) => c.Push32(c.R[d.Reg0]);

    /// <summary>PUSH r/m: the operand (and an ESP-based address) is read before the stack pointer moves.</summary>
    [Handles(Code.Push_rm16)] static void PushRm16(Cpu c, DecodedInstruction d) => c.Push16((ushort)c.ReadOp0(d, 2));
    [Handles(Code.Push_rm32)] static void PushRm32(Cpu c, DecodedInstruction d) => c.Push32(c.ReadOp0(d, 4));

    /// <summary>PUSH imm8 (sign-extended to the operand size), imm16, imm32.</summary>
    [Handles(Code.Pushw_imm8, Code.Push_imm16)] static void PushImm16(Cpu c, DecodedInstruction d) => c.Push16((ushort)d.Immediate);
    [Handles(Code.Pushd_imm8, Code.Pushd_imm32)] static void PushImm32(Cpu c, DecodedInstruction d) => c.Push32(d.Immediate);

    /// <summary>PUSH CS/SS/DS/ES/FS/GS with a 16-bit operand size.</summary>
    [Handles(Code.Pushw_ES, Code.Pushw_CS, Code.Pushw_SS, Code.Pushw_DS, Code.Pushw_FS, Code.Pushw_GS)]
    static void PushSreg16(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.MovFromSegment)) return;
        c.Push16(c.Segments[d.Reg0].Selector);
    }

    /// <summary>
    /// PUSH sreg with a 32-bit operand size. The SDM allows either a zero-extended doubleword or a
    /// 16-bit write into the 4-byte slot; this CPU does what Pentium-and-later parts do (and Bochs):
    /// ESP moves by 4, only the low word of the slot is written, the upper word keeps its old bytes.
    /// The whole 4-byte slot must lie inside SS (#SS(0) otherwise).
    /// </summary>
    [Handles(Code.Pushd_ES, Code.Pushd_CS, Code.Pushd_SS, Code.Pushd_DS, Code.Pushd_FS, Code.Pushd_GS)]
    static void PushSreg32(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.MovFromSegment)) return;
        uint sp = (c.R[4] - 4) & c.StackMask;
        c.CheckWrite(SegmentRegister.SS, sp, 4);
        c.WriteMem16(SegmentRegister.SS, sp, c.Segments[d.Reg0].Selector);
        c.SetStackPointer(sp);
    }

    // ---- POP ----------------------------------------------------------------------------------

    /// <summary>POP r16/r32. POP SP/ESP: the stack pointer is incremented first, then the popped value replaces it (SDM POP).</summary>
    [Handles(Code.Pop_r16)] static void PopR16(Cpu c, DecodedInstruction d) { ushort v = c.Pop16(); c.SetReg16(d.Reg0, v); }
    [Handles(Code.Pop_r32)] static void PopR32(Cpu c, DecodedInstruction d) { uint v = c.Pop32(); c.R[d.Reg0] = v; }

    [Handles(Code.Pop_rm16)] static void PopRm16(Cpu c, DecodedInstruction d) => PopRm(c, d, 2);
    [Handles(Code.Pop_rm32)] static void PopRm32(Cpu c, DecodedInstruction d) => PopRm(c, d, 4);

    /// <summary>
    /// POP r/m: a memory destination's effective address is computed after the stack pointer has
    /// been incremented (SDM POP: "POP [ESP+x]" uses the new ESP). When the write faults, the stack
    /// pointer is put back so the instruction can restart.
    /// </summary>
    private static void PopRm(Cpu c, DecodedInstruction d, int size)
    {
        uint sp = c.StackPointer;
        uint v = c.PeekStack(size, 0);
        if (d.Kind0 == OperandKind.Register)
        {
            c.SetStackPointer(sp + (uint)size);
            if (size == 4) c.R[d.Reg0] = v; else c.SetReg16(d.Reg0, (ushort)v);
            return;
        }
        uint oldEsp = c.R[4];
        c.SetStackPointer(sp + (uint)size);
        try
        {
            c.WriteMem(d.Segment, c.EffectiveAddress(d), size, v);
        }
        catch (CpuException)
        {
            c.R[4] = oldEsp;
            throw;
        }
    }

    /// <summary>
    /// POP ES/SS/DS/FS/GS: the selector is loaded by the mode's rules (a protected-mode load can
    /// fault, leaving SP unchanged); with a 32-bit operand size 4 bytes are popped and the upper
    /// word is ignored. POP SS ends the block (interrupt shadow). POP CS does not exist (#UD).
    /// </summary>
    [Handles(Code.Popw_ES, Code.Popw_SS, Code.Popw_DS, Code.Popw_FS, Code.Popw_GS)]
    static void PopSreg16(Cpu c, DecodedInstruction d) => PopSreg(c, d, 2);

    [Handles(Code.Popd_ES, Code.Popd_SS, Code.Popd_DS, Code.Popd_FS, Code.Popd_GS)]
    static void PopSreg32(Cpu c, DecodedInstruction d) => PopSreg(c, d, 4);

    private static void PopSreg(Cpu c, DecodedInstruction d, int size)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.MovToSegment)) return;
        uint sp = c.StackPointer;
        ushort selector = (ushort)c.PeekStack(size, 0);
        // The increment follows the stack size before the load (a POP SS may change SS.B), as Bochs does.
        uint newEsp = c.Stack32 ? sp + (uint)size : (c.R[4] & 0xFFFF_0000) | ((sp + (uint)size) & 0xFFFF);
        c.LoadSegment((SegmentRegister)d.Reg0, selector);
        c.R[4] = newEsp;
        if (d.Reg0 == (byte)SegmentRegister.SS) c.SetInterruptShadow();
    }

    // ---- PUSHA / POPA -------------------------------------------------------------------------

    /// <summary>
    /// PUSHA/PUSHAD: AX CX DX BX (original SP) BP SI DI. All eight slots are checked before anything
    /// is written. In protected mode a slot outside SS is #SS(0). In real mode the SDM gives #GP(0)
    /// for SP = 7, 9, 11, 13, 15 (a word would straddle offset FFFFh) and a shutdown for SP = 1, 3, 5:
    /// here that shutdown follows naturally, as the #GP cannot be delivered (its pushes straddle too).
    /// </summary>
    [Handles(Code.Pushaw)] static void Pusha16(Cpu c, DecodedInstruction d) => PushAll(c, 2);
    [Handles(Code.Pushad)] static void Pusha32(Cpu c, DecodedInstruction d) => PushAll(c, 4);

    private static void PushAll(Cpu c, int size)
    {
        uint sp = c.R[4], mask = c.StackMask;
        uint s = (uint)size;
        for (uint k = 1; k <= 8; k++)
        {
            if (!StackSlotFits(c, (sp - k * s) & mask, size))
                throw c.ProtectedMode && !c.Virtual8086 ? CpuException.SS(0) : CpuException.GP(0);
        }
        uint m = Cpu.SizeMask(size);
        uint original = sp & m;
        for (uint k = 1; k <= 8; k++)
        {
            uint v = k == 5 ? original : c.R[(int)k - 1] & m; // EAX ECX EDX EBX (ESP) EBP ESI EDI
            c.WriteMem(SegmentRegister.SS, (sp - k * s) & mask, size, v);
        }
        c.SetStackPointer(sp - 8 * s);
    }

    /// <summary>POPA/POPAD: DI SI BP (SP slot skipped, but inside the checked range) BX DX CX AX; all read before any register changes.</summary>
    [Handles(Code.Popaw)] static void Popa16(Cpu c, DecodedInstruction d) => PopAll(c, 2);
    [Handles(Code.Popad)] static void Popa32(Cpu c, DecodedInstruction d) => PopAll(c, 4);

    private static void PopAll(Cpu c, int size)
    {
        uint sp = c.StackPointer, mask = c.StackMask;
        Span<uint> v = stackalloc uint[8];
        for (int k = 0; k < 8; k++)
            v[k] = c.ReadMem(SegmentRegister.SS, (sp + (uint)(k * size)) & mask, size);
        // slot k holds register 7 - k (EDI first); slot 3 is the skipped (E)SP
        for (int k = 0; k < 8; k++)
        {
            if (k == 3) continue;
            int reg = 7 - k;
            if (size == 4) c.R[reg] = v[k]; else c.SetReg16(reg, (ushort)v[k]);
        }
        c.SetStackPointer(sp + (uint)(8 * size));
    }

    // ---- PUSHF / POPF -------------------------------------------------------------------------

    /// <summary>PUSHF/PUSHFD: FLAGS or EFLAGS with VM and RF cleared in the pushed image (SDM PUSHF). In virtual-8086 mode with IOPL &lt; 3: #GP(0).</summary>
    [Handles(Code.Pushfw)] static void Pushf16(Cpu c, DecodedInstruction d) => PushFlags(c, d, 2);
    [Handles(Code.Pushfd)] static void Pushf32(Cpu c, DecodedInstruction d) => PushFlags(c, d, 4);

    private static void PushFlags(Cpu c, DecodedInstruction d, int size)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Pushf)) return;
        uint flags = c.GetEFlags();
        if ((flags & Cpu.VM) != 0 && c.Iopl < 3) throw CpuException.GP(0); // CR4.VME (virtual interrupt flags): later issue
        c.Push(size, flags & ~(Cpu.VM | Cpu.RF));
    }

    /// <summary>
    /// POPF/POPFD (SDM POPF). Which bits the popped image may change:
    /// <list type="bullet">
    /// <item>Real mode and CPL 0: every defined bit of the operand (16-bit: bits 0-14 but the reserved
    /// ones; 32-bit: also AC and ID). On a 386 IOPL and NT are writable in real mode (the 286 keeps
    /// bits 12-15 clear there); bit 15 and the other reserved bits keep their fixed values.</item>
    /// <item>CPL &gt; 0: IOPL is unchanged; CPL &gt; IOPL: IF is unchanged too (no fault).</item>
    /// <item>POPFD never changes VM, VIF, VIP; RF is cleared (SDM: "RF is cleared").</item>
    /// <item>Virtual-8086 mode: IOPL = 3 behaves like CPL 3 (IOPL unchanged); IOPL &lt; 3 is #GP(0) (CR4.VME: later issue).</item>
    /// </list>
    /// </summary>
    [Handles(Code.Popfw)] static void Popf16(Cpu c, DecodedInstruction d) => PopFlags(c, d, 2);
    [Handles(Code.Popfd)] static void Popf32(Cpu c, DecodedInstruction d) => PopFlags(c, d, 4);

    private static void PopFlags(Cpu c, DecodedInstruction d, int size)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.Popf)) return;
        uint old = c.GetEFlags();
        bool v86 = (old & Cpu.VM) != 0;
        if (v86 && c.Iopl < 3) throw CpuException.GP(0);
        uint image = c.PeekStack(size, 0);
        uint mask = Cpu.CF | Cpu.PF | Cpu.AF | Cpu.ZF | Cpu.SF | Cpu.TF | Cpu.DF | Cpu.OF | Cpu.NT | Cpu.IF | Cpu.IoplMask;
        if (size == 4) mask |= Cpu.AC | Cpu.ID;
        int cpl = v86 ? 3 : c.Cpl;
        if (cpl > 0) mask &= ~Cpu.IoplMask;
        if (cpl > c.Iopl) mask &= ~Cpu.IF;
        uint value = (old & ~mask) | (image & mask);
        if (size == 4) value &= ~Cpu.RF;
        c.SetStackPointer(c.StackPointer + (uint)size);
        c.SetEFlags(value);
    }

    // ---- ENTER / LEAVE ------------------------------------------------------------------------

    /// <summary>
    /// ENTER imm16, imm8 (SDM ENTER): push (E)BP; FrameTemp = (E)SP; for nesting level L = imm8 mod 32
    /// greater than 0, copy L-1 frame pointers from [(E)BP - size·i] (SS, (E)BP by the stack size)
    /// and push FrameTemp; then (E)BP = FrameTemp (BP only with a 16-bit operand size) and the stack
    /// pointer drops by imm16. The final stack pointer must address a writable slot inside SS (#SS(0),
    /// or #PF when its page is not writable), as the SDM and Bochs check it. On any fault ESP and EBP are restored (pushed bytes below ESP may remain).
    /// </summary>
    [Handles(Code.Enterw_imm16_imm8)] static void Enter16(Cpu c, DecodedInstruction d) => Enter(c, d, 2);
    [Handles(Code.Enterd_imm16_imm8)] static void Enter32(Cpu c, DecodedInstruction d) => Enter(c, d, 4);

    private static void Enter(Cpu c, DecodedInstruction d, int size)
    {
        uint alloc = d.Immediate & 0xFFFF;
        int level = (int)(d.Immediate2 & 31);
        uint oldEsp = c.R[4], oldEbp = c.R[5];
        uint mask = c.StackMask;
        try
        {
            c.Push(size, c.R[5]);
            uint frameTemp = c.R[4];
            if (level > 0)
            {
                uint bp = c.R[5] & mask;
                for (int i = 1; i < level; i++)
                {
                    bp = (bp - (uint)size) & mask;
                    c.Push(size, c.ReadMem(SegmentRegister.SS, bp, size));
                }
                c.Push(size, frameTemp);
            }
            uint finalSp = (c.R[4] - alloc) & mask;
            // SDM ENTER: a page fault (or limit fault) whenever a write using the final stack pointer would cause one.
            c.CheckWrite(SegmentRegister.SS, finalSp, size);
            c.SetStackPointer(finalSp);
            if (size == 4) c.R[5] = frameTemp; else c.SetReg16(5, (ushort)frameTemp);
        }
        catch (CpuException)
        {
            c.R[4] = oldEsp;
            c.R[5] = oldEbp;
            throw;
        }
    }

    /// <summary>LEAVE: (E)SP = (E)BP by the stack size, then pop (E)BP by the operand size; the pop is read first, so #SS(0) leaves both unchanged.</summary>
    [Handles(Code.Leavew)] static void Leave16(Cpu c, DecodedInstruction d) => Leave(c, 2);
    [Handles(Code.Leaved)] static void Leave32(Cpu c, DecodedInstruction d) => Leave(c, 4);

    private static void Leave(Cpu c, int size)
    {
        uint sp = c.R[5] & c.StackMask;
        uint v = c.ReadMem(SegmentRegister.SS, sp, size);
        c.SetStackPointer(sp + (uint)size);
        if (size == 4) c.R[5] = v; else c.SetReg16(5, (ushort)v);
    }
}
