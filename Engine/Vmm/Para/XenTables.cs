using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>Xen's IDT, its ring-0 entry stubs and the hypercall page it writes into the guest.</summary>
public sealed partial class ParaMonitor
{
    /// <summary>
    /// Xen's IDT: interrupt gates to ring-0 stubs for the exceptions (DPL 0, except int3 and into:
    /// DPL 3 so that any ring may raise them), int 0x82 with DPL 1 (the guest kernel may make
    /// hypercalls, its processes may not), and the internal event-check vector. Every other vector is
    /// empty, so a guest's INT n faults with #GP(n*8+2) and Xen bounces it through the trap table.
    /// </summary>
    private void WriteIdt(uint frame)
    {
        void Gate(int vector, int dpl)
        {
            uint offset = StubVirt + (uint)vector;
            Memory.WriteUInt32(frame + (uint)vector * 8, (uint)XenCs << 16 | (offset & 0xFFFF));
            Memory.WriteUInt32(frame + (uint)vector * 8 + 4, (offset & 0xFFFF_0000) | 0x8E00 | (uint)dpl << 13);
        }
        for (int v = 0; v < 32; v++) Gate(v, v is 3 or 4 ? 3 : 0);
        Gate(HypercallVector, 1);
        Gate(EventCheckVector, 0);
    }

    /// <summary>The stub page: HLT at offset v for each vector (the monitor takes it), IRET at 0x100, the idle loop (HLT; JMP back) at 0x101.</summary>
    private void WriteStubs(uint frame)
    {
        var page = new byte[PhysicalMemory.PageSize];
        Array.Fill(page, (byte)0xCC);
        for (int v = 0; v < 256; v++) page[v] = 0xF4;
        page[IretStubOffset] = 0xCF;
        page[IdleStubOffset] = 0xF4;
        page[IdleStubOffset + 1] = 0xEB; page[IdleStubOffset + 2] = 0xFD; // jmp back to the hlt
        Memory.Write(frame, page);
    }

    /// <summary>
    /// The hypercall page (pv_ring1_init_hypercall_page): 32-byte slots <c>mov eax, nr / int 0x82 / ret</c>,
    /// the iret slot (23) <c>push eax / mov eax, 23 / int 0x82</c>, the rest int3 (0xCC).
    /// </summary>
    private void WriteHypercallPage(uint page)
    {
        var bytes = new byte[PhysicalMemory.PageSize];
        Array.Fill(bytes, (byte)0xCC);
        for (int nr = 0; nr < PhysicalMemory.PageSize / 32; nr++)
        {
            int o = nr * 32;
            if (nr == (int)Hypercall.Iret)
            {
                bytes[o] = 0x50;
                bytes[o + 1] = 0xB8; BitConverter.GetBytes(nr).CopyTo(bytes, o + 2);
                bytes[o + 6] = 0xCD; bytes[o + 7] = HypercallVector;
                continue;
            }
            bytes[o] = 0xB8; BitConverter.GetBytes(nr).CopyTo(bytes, o + 1);
            bytes[o + 5] = 0xCD; bytes[o + 6] = HypercallVector;
            bytes[o + 7] = 0xC3;
        }
        Memory.Write(page, bytes);
    }
}
