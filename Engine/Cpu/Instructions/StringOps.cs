using Iced.Intel;

namespace VirtLab.Engine.Instructions
{
    /// <summary>
    /// MOVS CMPS SCAS LODS STOS INS OUTS, byte/word/dword, with REP/REPE/REPNE (SDM Vol. 2).
    /// <list type="bullet">
    /// <item>The address size (not the operand size) picks SI/DI/CX or ESI/EDI/ECX; the source is
    /// DS:(E)SI or its override (the decoder's memory segment), the destination always ES:(E)DI.</item>
    /// <item>DF = 0 steps up, DF = 1 down, by the element size.</item>
    /// <item>A REP prefix repeats while the count is not zero; F3 on CMPS/SCAS stops when ZF = 0 and F2
    /// when ZF = 1 (checked after the count is decremented); on the others F2 and F3 both mean REP.</item>
    /// <item>The whole repetition runs in one handler call. Registers are updated element by element, so
    /// when an element faults they reflect the elements completed and the run loop points EIP back at
    /// the instruction, which resumes where it stopped (SDM Vol. 1 7.3.9.2 / Vol. 3A 6.6). After
    /// <see cref="MaxElementsPerCall"/> elements, or when a device or the monitor asks the run to stop,
    /// the instruction yields with EIP at itself, exactly as at an interrupt between iterations.</item>
    /// <item>INS/OUTS: in protected mode with CPL &gt; IOPL (and in virtual-8086 mode) #GP(0) until the
    /// TSS I/O bitmap exists (later issue); ports go through the monitor, then the I/O bus. INS checks the
    /// destination before reading the port, so a faulting store has no port side effect.</item>
    /// </list>
    /// </summary>
    internal static class StringOps
    {
        /// <summary>Elements one handler call may process before yielding to the run loop (a REP instruction restarts where it stopped).</summary>
        internal const int MaxElementsPerCall = 1 << 16;

        private enum Op : byte { Movs, Cmps, Scas, Lods, Stos, Ins, Outs }

        [Handles(Code.Movsb_m8_m8)] static void Movsb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Movs, 1);
        [Handles(Code.Movsw_m16_m16)] static void Movsw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Movs, 2);
        [Handles(Code.Movsd_m32_m32)] static void Movsd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Movs, 4);
        [Handles(Code.Cmpsb_m8_m8)] static void Cmpsb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Cmps, 1);
        [Handles(Code.Cmpsw_m16_m16)] static void Cmpsw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Cmps, 2);
        [Handles(Code.Cmpsd_m32_m32)] static void Cmpsd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Cmps, 4);
        [Handles(Code.Scasb_AL_m8)] static void Scasb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Scas, 1);
        [Handles(Code.Scasw_AX_m16)] static void Scasw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Scas, 2);
        [Handles(Code.Scasd_EAX_m32)] static void Scasd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Scas, 4);
        [Handles(Code.Lodsb_AL_m8)] static void Lodsb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Lods, 1);
        [Handles(Code.Lodsw_AX_m16)] static void Lodsw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Lods, 2);
        [Handles(Code.Lodsd_EAX_m32)] static void Lodsd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Lods, 4);
        [Handles(Code.Stosb_m8_AL)] static void Stosb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Stos, 1);
        [Handles(Code.Stosw_m16_AX)] static void Stosw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Stos, 2);
        [Handles(Code.Stosd_m32_EAX)] static void Stosd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Stos, 4);
        [Handles(Code.Insb_m8_DX)] static void Insb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Ins, 1);
        [Handles(Code.Insw_m16_DX)] static void Insw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Ins, 2);
        [Handles(Code.Insd_m32_DX)] static void Insd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Ins, 4);
        [Handles(Code.Outsb_DX_m8)] static void Outsb(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Outs, 1);
        [Handles(Code.Outsw_DX_m16)] static void Outsw(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Outs, 2);
        [Handles(Code.Outsd_DX_m32)] static void Outsd(Cpu c, DecodedInstruction d) => Execute(c, d, Op.Outs, 4);

        private static void Execute(Cpu c, DecodedInstruction d, Op op, int size)
        {
            uint amask = d.AddressMask;
            bool rep = d.RepPrefix != 0;
            uint count = rep ? c.R[1] & amask : 1;
            if (count == 0) return;
            if (op is Op.Ins or Op.Outs)
            {
                c.CheckIoPermission((ushort)c.R[2], size);
                if (c.Monitor is { } ioMonitor && ioMonitor.OnIoInstruction(c, d, (ushort)c.R[2], size)) return;
                c.SyncDevicesBeforeIo();
            }

            uint step = c.GetDF() ? (uint)-size : (uint)size;
            uint m = Cpu.SizeMask(size);
            int bits = size * 8;
            bool usesSi = op is Op.Movs or Op.Cmps or Op.Lods or Op.Outs;
            bool usesDi = op is Op.Movs or Op.Cmps or Op.Scas or Op.Stos or Op.Ins;
            bool stopOnEqual = d.RepPrefix == 2; // REPNE: stop when ZF = 1; REPE: stop when ZF = 0
            SegmentRegister src = d.Segment;
            ushort port = (ushort)c.R[2];
            uint si = c.R[6], di = c.R[7];
            int budget = MaxElementsPerCall;
            try
            {
                while (true)
                {
                    uint so = si & amask, dof = di & amask;
                    switch (op)
                    {
                        case Op.Movs:
                            c.WriteMem(SegmentRegister.ES, dof, size, c.ReadMem(src, so, size));
                            break;
                        case Op.Cmps:
                        {
                            uint a = c.ReadMem(src, so, size), b = c.ReadMem(SegmentRegister.ES, dof, size);
                            c.SetLazy(LazyOp.Sub, bits, a, b, (a - b) & m);
                            break;
                        }
                        case Op.Scas:
                        {
                            uint a = c.R[0] & m, b = c.ReadMem(SegmentRegister.ES, dof, size);
                            c.SetLazy(LazyOp.Sub, bits, a, b, (a - b) & m);
                            break;
                        }
                        case Op.Lods:
                            SetAccumulator(c, size, c.ReadMem(src, so, size));
                            break;
                        case Op.Stos:
                            c.WriteMem(SegmentRegister.ES, dof, size, c.R[0]);
                            break;
                        case Op.Ins:
                        {
                            c.CheckWrite(SegmentRegister.ES, dof, size);
                            uint value;
                            if (c.Monitor is not { } mon || !mon.OnPortIn(c, port, size, out value)) value = c.Io.Read(port, size);
                            c.WriteMem(SegmentRegister.ES, dof, size, value & m);
                            break;
                        }
                        case Op.Outs:
                        {
                            uint value = c.ReadMem(src, so, size);
                            if (c.Monitor is not { } mon || !mon.OnPortOut(c, port, size, value)) c.Io.Write(port, size, value);
                            break;
                        }
                    }
                    // the element is complete: advance the index registers within the address size
                    if (usesSi) si = amask == 0xFFFF_FFFF ? si + step : (si & 0xFFFF_0000) | ((si + step) & 0xFFFF);
                    if (usesDi) di = amask == 0xFFFF_FFFF ? di + step : (di & 0xFFFF_0000) | ((di + step) & 0xFFFF);
                    if (!rep) return;
                    count--;
                    if (count == 0) return;
                    if (op is Op.Cmps or Op.Scas && c.GetZF() == stopOnEqual) return;
                    if (--budget == 0 || c.StopRequested)
                    {
                        // Yield between iterations: the instruction restarts with the registers as they are.
                        c.Eip = d.Ip;
                        c.EndBlockAfterCurrentInstruction();
                        return;
                    }
                }
            }
            finally
            {
                if (usesSi) c.R[6] = si;
                if (usesDi) c.R[7] = di;
                if (rep) c.R[1] = amask == 0xFFFF_FFFF ? count : (c.R[1] & 0xFFFF_0000) | count;
                if (op is Op.Ins or Op.Outs) c.SyncDevicesAfterIo();
            }
        }

        private static void SetAccumulator(Cpu c, int size, uint v)
        {
            c.WriteReg(0, size, v);
        }
    }
}
