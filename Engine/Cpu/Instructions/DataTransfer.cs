using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>MOV MOVZX MOVSX XCHG BSWAP LEA XLAT LAHF SAHF CBW CWDE CWD CDQ, and MOV to/from segment registers (SDM Vol. 2).</summary>
internal static class DataTransfer
{
    [HandlesMnemonic(Mnemonic.Mov, 1)] static void Mov8(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 1, c.ReadOp1(d, 1));
    [HandlesMnemonic(Mnemonic.Mov, 2)] static void Mov16(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 2, c.ReadOp1(d, 2));
    [HandlesMnemonic(Mnemonic.Mov, 4)] static void Mov32(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 4, c.ReadOp1(d, 4));

    // MOV r/m, moffs forms: Iced presents them as a memory operand like any other.
    [Handles(Code.Mov_AL_moffs8, Code.Mov_moffs8_AL)] static void MovMoffs8(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 1, c.ReadOp1(d, 1));
    [Handles(Code.Mov_AX_moffs16, Code.Mov_moffs16_AX)] static void MovMoffs16(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 2, c.ReadOp1(d, 2));
    [Handles(Code.Mov_EAX_moffs32, Code.Mov_moffs32_EAX)] static void MovMoffs32(Cpu c, DecodedInstruction d) => c.WriteOp0(d, 4, c.ReadOp1(d, 4));

    /// <summary>MOV r/m16, Sreg: a register destination with a 32-bit operand size gets the selector zero-extended (Pentium and later; SDM MOV).</summary>
    [Handles(Code.Mov_rm16_Sreg, Code.Mov_r32m16_Sreg)]
    static void MovFromSreg(Cpu c, DecodedInstruction d)
    {
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.MovFromSegment)) return;
        ushort sel = c.Segments[d.Reg1].Selector;
        if (d.Kind0 == OperandKind.Register)
        {
            if (d.Code == Code.Mov_r32m16_Sreg) c.R[d.Reg0] = sel; else c.SetReg16(d.Reg0, sel);
        }
        else c.WriteMem16(d.Segment, c.EffectiveAddress(d), sel);
    }

    /// <summary>MOV Sreg, r/m16: MOV to CS is #UD (SDM MOV); loading SS inhibits interrupts for one instruction (block ends).</summary>
    [Handles(Code.Mov_Sreg_rm16, Code.Mov_Sreg_r32m16)]
    static void MovToSreg(Cpu c, DecodedInstruction d)
    {
        if (d.Reg0 == (byte)SegmentRegister.CS || d.Reg0 > 5) throw CpuException.UD();
        if (c.Monitor is { } mon && mon.OnSensitiveInstruction(c, d, SensitiveKind.MovToSegment)) return;
        ushort sel = (ushort)c.ReadOp1(d, 2);
        c.LoadSegment((SegmentRegister)d.Reg0, sel);
        if (d.Reg0 == (byte)SegmentRegister.SS) c.SetInterruptShadow();
    }

    [Handles(Code.Movzx_r16_rm8)] static void MovzxR16Rm8(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (byte)c.ReadOp1(d, 1));
    [Handles(Code.Movzx_r32_rm8)] static void MovzxR32Rm8(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = (byte)c.ReadOp1(d, 1);
    [Handles(Code.Movzx_r16_rm16)] static void MovzxR16Rm16(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (ushort)c.ReadOp1(d, 2));
    [Handles(Code.Movzx_r32_rm16)] static void MovzxR32Rm16(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = (ushort)c.ReadOp1(d, 2);
    [Handles(Code.Movsx_r16_rm8)] static void MovsxR16Rm8(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (ushort)(sbyte)c.ReadOp1(d, 1));
    [Handles(Code.Movsx_r32_rm8)] static void MovsxR32Rm8(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = (uint)(sbyte)c.ReadOp1(d, 1);
    [Handles(Code.Movsx_r16_rm16)] static void MovsxR16Rm16(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (ushort)c.ReadOp1(d, 2));
    [Handles(Code.Movsx_r32_rm16)] static void MovsxR32Rm16(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = (uint)(short)c.ReadOp1(d, 2);

    private static void Xchg(Cpu c, DecodedInstruction d, int size)
    {
        uint a = c.ReadOp0ForWrite(d, size, out uint off);
        uint b = c.ReadOp1(d, size);
        c.WriteOp0At(d, size, off, b);
        c.WriteOp1(d, size, a);
    }

    [HandlesMnemonic(Mnemonic.Xchg, 1)] static void Xchg8(Cpu c, DecodedInstruction d) => Xchg(c, d, 1);
    [HandlesMnemonic(Mnemonic.Xchg, 2)] static void Xchg16(Cpu c, DecodedInstruction d) => Xchg(c, d, 2);
    [HandlesMnemonic(Mnemonic.Xchg, 4)] static void Xchg32(Cpu c, DecodedInstruction d) => Xchg(c, d, 4);

    // NOP is XCHG (E)AX,(E)AX in Iced's tables as its own mnemonic.
    [Handles(Code.Nopw, Code.Nopd, Code.Nop_rm16, Code.Nop_rm32)] static void Nop(Cpu c, DecodedInstruction d) { }

    [Handles(Code.Bswap_r32)]
    static void Bswap32(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(c.R[d.Reg0]);

    /// <summary>BSWAP r16 is undefined in the SDM; 486 and later clear the register (Bochs and QEMU too).</summary>
    [Handles(Code.Bswap_r16)]
    static void Bswap16(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, 0);

    /// <summary>LEA: the effective address in the address size, truncated to the operand size. A register source is #UD.</summary>
    [Handles(Code.Lea_r16_m)] static void Lea16(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (ushort)c.EffectiveAddress(d));
    [Handles(Code.Lea_r32_m)] static void Lea32(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = c.EffectiveAddress(d);

    /// <summary>XLAT: AL = [seg:(E)BX + unsigned AL].</summary>
    [Handles(Code.Xlat_m8)]
    static void Xlat(Cpu c, DecodedInstruction d)
    {
        uint offset = (c.R[d.Base] + (c.R[0] & 0xFF)) & d.AddressMask;
        c.SetReg8(0, c.ReadMem8(d.Segment, offset));
    }

    /// <summary>LAHF: AH = SF:ZF:0:AF:0:PF:1:CF.</summary>
    [Handles(Code.Lahf)] static void Lahf(Cpu c, DecodedInstruction d) => c.SetReg8(4, (byte)((c.GetEFlags() & 0xD5) | 2));

    /// <summary>SAHF: SF ZF AF PF CF = AH bits 7 6 4 2 0.</summary>
    [Handles(Code.Sahf)]
    static void Sahf(Cpu c, DecodedInstruction d) => c.SetFlagsMasked(Cpu.SF | Cpu.ZF | Cpu.AF | Cpu.PF | Cpu.CF, c.GetReg8(4));

    [Handles(Code.Cbw)] static void Cbw(Cpu c, DecodedInstruction d) => c.SetReg16(0, (ushort)(sbyte)c.R[0]);
    [Handles(Code.Cwde)] static void Cwde(Cpu c, DecodedInstruction d) => c.R[0] = (uint)(short)c.R[0];
    [Handles(Code.Cwd)] static void Cwd(Cpu c, DecodedInstruction d) => c.SetReg16(2, (short)c.R[0] < 0 ? (ushort)0xFFFF : (ushort)0);
    [Handles(Code.Cdq)] static void Cdq(Cpu c, DecodedInstruction d) => c.R[2] = (int)c.R[0] < 0 ? 0xFFFF_FFFF : 0;

    /// <summary>LDS LES LFS LGS LSS: load a far pointer (offset, then selector) from memory; a register operand is #UD.</summary>
    private static void LoadFarPointer(Cpu c, DecodedInstruction d, SegmentRegister s, int size)
    {
        uint off = c.EffectiveAddress(d);
        c.CheckAccess(d.Segment, off, size + 2); // the whole pointer inside the segment, as for far JMP/CALL
        uint offset = c.ReadMem(d.Segment, off, size);
        ushort selector = c.ReadMem16(d.Segment, (off + (uint)size) & d.AddressMask);
        c.LoadSegment(s, selector);
        if (size == 4) c.R[d.Reg0] = offset; else c.SetReg16(d.Reg0, (ushort)offset);
    }

    [Handles(Code.Lds_r16_m1616)] static void Lds16(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.DS, 2);
    [Handles(Code.Lds_r32_m1632)] static void Lds32(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.DS, 4);
    [Handles(Code.Les_r16_m1616)] static void Les16(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.ES, 2);
    [Handles(Code.Les_r32_m1632)] static void Les32(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.ES, 4);
    [Handles(Code.Lfs_r16_m1616)] static void Lfs16(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.FS, 2);
    [Handles(Code.Lfs_r32_m1632)] static void Lfs32(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.FS, 4);
    [Handles(Code.Lgs_r16_m1616)] static void Lgs16(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.GS, 2);
    [Handles(Code.Lgs_r32_m1632)] static void Lgs32(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.GS, 4);
    [Handles(Code.Lss_r16_m1616)] static void Lss16(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.SS, 2);
    [Handles(Code.Lss_r32_m1632)] static void Lss32(Cpu c, DecodedInstruction d) => LoadFarPointer(c, d, SegmentRegister.SS, 4);
}
