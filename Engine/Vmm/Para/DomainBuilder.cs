using System.Buffers.Binary;
using System.Text;
using VirtLab.Engine.Labs;
using static VirtLab.Engine.Vmm.Para.XenLayout;

namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// The domain builder and Xen's own tables (xen-pv.md, "How a 32-bit PV kernel starts"): the
/// hypervisor's frames (its L1 for the hole, GDT page, IDT, TSS, ring-0 stubs and stack, the
/// shared-info page), then after the kernel image, each 4 KiB aligned: the P2M list, start_info,
/// the boot page tables (one page directory and the L1s mapping all the domain's RAM 1:1,
/// VIRT_BASE 0, the tables themselves read-only, pinned) and the boot stack; the hypercall page;
/// and the CPU in ring 1 with paging on at the entry, ESI = start_info.
/// </summary>
public sealed partial class ParaMonitor
{
    // Xen's frames, by index from the base of the hypervisor's RAM.
    private const int XenL1Index = 0, ZeroIndex = 1, XenGdtIndex = 2, IdtIndex = 3, TssIndex = 4, StubIndex = 5, StackIndex = 6, SharedInfoIndex = 8;

    private uint _xenBase, _xenL1, _zeroFrame, _stackFrame, _sharedInfo, _tss;
    private FrameTable _frames = null!;
    private PageTypes _types = null!;
    private readonly uint _kernelEnd;

    /// <summary>A monitor for a lab guest: its <c>para:</c> settings and the end of its kernel image (where the builder's structures go).</summary>
    public ParaMonitor(GuestDefinition guest) : this(guest.Para, KernelEnd(guest)) { }

    /// <summary>The end of the highest contents of the guest's RAM regions (its kernel image).</summary>
    private static uint KernelEnd(GuestDefinition guest)
    {
        ulong end = 0;
        foreach (var r in guest.Memory.Where(r => r.Kind == LabRegionKind.Ram))
            foreach (var c in r.Contents) end = Math.Max(end, c.Address + (ulong)Math.Max(c.MemorySize, (uint)c.Bytes.Length));
        return (uint)end;
    }

    /// <summary>Machine address of start_info (= its guest address: VIRT_BASE is 0).</summary>
    public uint StartInfo { get; private set; }
    /// <summary>The boot page directory (pt_base), pinned and loaded in CR3.</summary>
    public uint PageTableBase { get; private set; }
    /// <summary>Number of boot page-table frames (nr_pt_frames).</summary>
    public int PageTableFrames { get; private set; }
    /// <summary>Machine address of the shared-info page (start_info.shared_info).</summary>
    public uint SharedInfo => _sharedInfo;
    /// <summary>The first of the hypervisor's frames.</summary>
    public uint XenFrames => _xenBase;
    /// <summary>Top of the boot stack (ESP at entry).</summary>
    public uint BootStackTop { get; private set; }
    /// <summary>The type a frame has now (for tests and debugging).</summary>
    public PageType FrameType(uint mfn) => _frames.Type(mfn);
    /// <summary>Whether a frame is pinned.</summary>
    public bool IsPinned(uint mfn) => _frames.Pinned(mfn);

    private void BuildDomain()
    {
        var mem = Memory;
        var cpu = Cpu;
        uint ramEnd = mem.RamSize & ~PhysicalMemory.PageMask;
        _xenBase = Settings.XenFrames ?? ramEnd - ParaSettings.XenFramesSize;
        if (ramEnd < ParaSettings.XenFramesSize || (_xenBase & PhysicalMemory.PageMask) != 0 || (ulong)_xenBase + ParaSettings.XenFramesSize > ramEnd)
            throw new InvalidOperationException($"The hypervisor needs 0x{ParaSettings.XenFramesSize:X} bytes of RAM at 0x{_xenBase:X} (the machine has 0x{ramEnd:X} bytes of RAM).");
        for (uint a = _xenBase; a < _xenBase + ParaSettings.XenFramesSize; a += PhysicalMemory.PageSize)
            if (mem.KindAt(a) != MemoryRegionKind.Ram) throw new InvalidOperationException($"The hypervisor's frames must be RAM; 0x{a:X} is {mem.KindAt(a)}.");

        // Frame table: the domain owns its RAM; Xen keeps its frames; shared_info is Xen's but shared.
        _frames = new FrameTable((int)(ramEnd >> 12));
        for (uint f = 0; f < _frames.Count; f++)
            _frames.SetOwner(f, mem.KindAt(f << 12) == MemoryRegionKind.Ram ? FrameOwner.Guest : FrameOwner.None);
        uint Frame(int index) => _xenBase + (uint)index * PhysicalMemory.PageSize;
        for (int i = 0; i < ParaSettings.XenFramesSize / PhysicalMemory.PageSize; i++)
        {
            _frames.SetOwner(Frame(i) >> 12, FrameOwner.Xen);
            mem.Write(Frame(i), new byte[PhysicalMemory.PageSize]);
        }
        _xenL1 = Frame(XenL1Index); _zeroFrame = Frame(ZeroIndex); _stackFrame = Frame(StackIndex); _sharedInfo = Frame(SharedInfoIndex); _tss = Frame(TssIndex);
        _frames.SetOwner(_sharedInfo >> 12, FrameOwner.SharedInfo);

        // Xen's L1 for the last slot of the hole: the GDT window, IDT, TSS, stubs, stack.
        for (int i = 0; i < FirstReservedGdtPage; i++) SetXenMapping(i, _zeroFrame, writable: false);
        SetXenMapping(FirstReservedGdtPage, Frame(XenGdtIndex), writable: true);
        SetXenMapping((int)((IdtVirt - XenAreaBase) >> 12), Frame(IdtIndex), writable: false);
        SetXenMapping((int)((TssVirt - XenAreaBase) >> 12), _tss, writable: true);
        SetXenMapping((int)((StubVirt - XenAreaBase) >> 12), Frame(StubIndex), writable: false);
        SetXenMapping((int)((StackVirt - XenAreaBase) >> 12), _stackFrame, writable: true);
        SetXenMapping((int)((StackVirt - XenAreaBase) >> 12) + 1, _stackFrame + PhysicalMemory.PageSize, writable: true);
        var xenSlots = new uint[1024 - FirstXenL2Slot];
        xenSlots[^1] = _xenL1 | PtePresent | PteRw | PteAccessed; // supervisor only; the segment limits keep ring 1 out
        _types = new PageTypes(_frames, mem, Settings.Privileged, () => Cpu.FlushTlb(), xenSlots);

        WriteXenGdt(Frame(XenGdtIndex));
        WriteIdt(Frame(IdtIndex));
        WriteStubs(Frame(StubIndex));

        // The domain's boot structures after the kernel image.
        uint nrPages = (uint)_frames.Count;
        uint next = (_kernelEnd + PhysicalMemory.PageMask) & ~PhysicalMemory.PageMask;
        uint mfnList = next; next += (nrPages * 4 + PhysicalMemory.PageMask) & ~PhysicalMemory.PageMask;
        StartInfo = next; next += PhysicalMemory.PageSize;
        PageTableBase = next;
        int l1Count = (int)((ramEnd + 0x3F_FFFF) >> 22);
        PageTableFrames = 1 + l1Count;
        next += (uint)PageTableFrames * PhysicalMemory.PageSize;
        BootStackTop = next + PhysicalMemory.PageSize;
        for (uint a = mfnList; a < BootStackTop; a += PhysicalMemory.PageSize)
            if (_frames.Owner(a >> 12) != FrameOwner.Guest)
                throw new InvalidOperationException($"The domain's RAM cannot hold the boot structures after the kernel image (P2M list, start_info, page tables, stack: 0x{mfnList:X}-0x{BootStackTop - 1:X}); 0x{a:X} is not the domain's RAM.");

        var p2m = new byte[nrPages * 4];
        for (uint f = 0; f < nrPages; f++) BinaryPrimitives.WriteUInt32LittleEndian(p2m.AsSpan((int)f * 4), _frames.Owner(f) == FrameOwner.Guest ? f : 0xFFFF_FFFF);
        mem.Write(mfnList, p2m);

        // Boot page tables: L2_PROT (P RW US A D) in the directory, L1_PROT (P RW A) for pages, the tables read-only (xg_dom_x86.c).
        var pd = new byte[4096];
        for (int i = 0; i < l1Count; i++)
        {
            uint l1 = PageTableBase + (uint)(i + 1) * PhysicalMemory.PageSize;
            BinaryPrimitives.WriteUInt32LittleEndian(pd.AsSpan(i * 4), l1 | PtePresent | PteRw | PteUser | PteAccessed | PteDirty);
            var table = new byte[4096];
            for (uint e = 0; e < 1024; e++)
            {
                uint frame = (uint)i << 10 | e;
                if (frame >= nrPages || _frames.Owner(frame) != FrameOwner.Guest) continue;
                bool isTable = frame >= PageTableBase >> 12 && frame < (PageTableBase >> 12) + PageTableFrames;
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan((int)e * 4), frame << 12 | PtePresent | PteAccessed | (isTable ? 0 : PteRw));
            }
            mem.Write(l1, table);
        }
        mem.Write(PageTableBase, pd);
        uint pdMfn = PageTableBase >> 12;
        if (_types.GetType(pdMfn, PageType.L2) != 0) throw new InvalidOperationException("The boot page tables do not validate (an engine bug).");
        _frames.SetPinned(pdMfn, true); // the builder pins the boot L2
        _types.GetType(pdMfn, PageType.L2); // and CR3 holds it
        _baseptr = pdMfn;

        // start_info.
        var si = new byte[StartInfoSize];
        Encoding.ASCII.GetBytes(StartInfoMagicText).CopyTo(si, StartInfoMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoNrPages), nrPages);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoSharedInfo), _sharedInfo);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoFlags), Settings.Privileged ? SifPrivileged | SifInitdomain : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoPtBase), PageTableBase);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoNrPtFrames), (uint)PageTableFrames);
        BinaryPrimitives.WriteUInt32LittleEndian(si.AsSpan(StartInfoMfnList), mfnList);
        Encoding.ASCII.GetBytes(Settings.CommandLine).CopyTo(si, StartInfoCmdLine);
        mem.Write(StartInfo, si);

        // Shared info: every vcpu_info starts with events masked.
        Memory.WriteByte(_sharedInfo + VcpuUpcallMask, 1);
        if (Settings.HypercallPage is { } page) WriteHypercallPage(page);

        // The TSS: SS0:ESP0 is Xen's stack; SS1:ESP1 the guest kernel's (stack_switch); no I/O bitmap.
        var tss = new byte[104];
        BinaryPrimitives.WriteUInt32LittleEndian(tss.AsSpan(4), StackTop);
        BinaryPrimitives.WriteUInt32LittleEndian(tss.AsSpan(8), XenDs);
        BinaryPrimitives.WriteUInt16LittleEndian(tss.AsSpan(102), 104);
        mem.Write(_tss, tss);
        SetKernelStack(FlatRing1Ds, BootStackTop);

        // The CPU: ring 1, paging on with CR0.WP (so a read-only page table faults even for the kernel).
        uint entry = cpu.Eip;
        cpu.WriteCr4(0);
        cpu.WriteCr0(Cpu.Cr0PE | Cpu.Cr0ET | Cpu.Cr0PG | Cpu.Cr0WP);
        cpu.WriteCr3(PageTableBase);
        cpu.FlushTlb();
        cpu.GdtrBase = GdtVirt; cpu.GdtrLimit = GdtLimit;
        cpu.IdtrBase = IdtVirt; cpu.IdtrLimit = 256 * 8 - 1;
        cpu.Tr = new SegmentCache { Selector = XenTss, Base = TssVirt, Limit = 103, Rights = 0x008B };
        cpu.Ldtr = new SegmentCache { Selector = 0, Unusable = true };
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS, SegmentRegister.SS })
            cpu.SetSegment(s, new SegmentCache { Selector = FlatRing1Ds, Base = 0, Limit = HypervisorVirtStart - 1, Rights = 0xC0B3 });
        cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = FlatRing1Cs, Base = 0, Limit = HypervisorVirtStart - 1, Rights = 0xC0BB });
        Array.Clear(cpu.R);
        cpu.Esp = BootStackTop;
        cpu.Esi = StartInfo;
        cpu.Eip = entry;
        cpu.SetEFlags(0x202);
        cpu.Halted = false;

        InstallEventSource();
    }

    private void SetXenMapping(int index, uint frame, bool writable) =>
        Memory.WriteUInt32(_xenL1 + (uint)index * 4, frame | PtePresent | PteAccessed | PteDirty | (writable ? PteRw : 0));

    /// <summary>Xen's reserved GDT page: ring-0 code/data, the flat ring-1 and ring-3 segments (limit below the hole), the TSS.</summary>
    private void WriteXenGdt(uint frame)
    {
        void Put(ushort selector, uint lo, uint hi)
        {
            uint a = frame + (uint)((selector & ~7) - FirstReservedGdtEntry * 8);
            Memory.WriteUInt32(a, lo);
            Memory.WriteUInt32(a + 4, hi);
        }
        const uint flatLo = 0x0000_FFFF, flatHi = 0x00CF_0000;                   // 4 GiB, G, D
        const uint guestLo = 0x0000_BFFF, guestHi = 0x00CF_0000;                 // limit 0xFBFFF pages: ends at HYPERVISOR_VIRT_START - 1
        Put(XenCs, flatLo, flatHi | 0x9B00);
        Put(XenDs, flatLo, flatHi | 0x9300);
        Put(FlatRing1Cs, guestLo, guestHi | 0xBB00);
        Put(FlatRing1Ds, guestLo, guestHi | 0xB300);
        Put(FlatRing3Cs, guestLo, guestHi | 0xFB00);
        Put(FlatRing3Ds, guestLo, guestHi | 0xF300);
        Put(XenTss, (TssVirt << 16) | 103, (TssVirt & 0xFF00_0000) | ((TssVirt >> 16) & 0xFF) | 0x8B00);
    }
}
