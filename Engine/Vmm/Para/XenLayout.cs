namespace VirtLab.Engine.Vmm.Para;

/// <summary>
/// The numbers of the x86_32 PV ABI VirtLab follows (../shared/reference/xen-pv.md): selectors,
/// the non-PAE two-level layout with the hypervisor hole at 0xFC000000 (Xen 3.0's, the simpler one
/// to teach), and the offsets of start_info, shared_info and vcpu_info.
/// </summary>
public static class XenLayout
{
    // Flat selectors in Xen's part of every GDT (index 0x1C03-0x1C06 = entry 7168 + 3..6).
    public const ushort FlatRing1Cs = 0xE019, FlatRing1Ds = 0xE021, FlatRing3Cs = 0xE02B, FlatRing3Ds = 0xE033;
    /// <summary>Xen's own ring-0 code and data, and its TSS (VirtLab's choice inside Xen's reserved page).</summary>
    public const ushort XenCs = 0xE008, XenDs = 0xE010, XenTss = 0xE040;
    /// <summary>Xen's entries start at GDT index 7168 (page 14): a guest GDT holds at most 7168 entries.</summary>
    public const int FirstReservedGdtEntry = 7168, FirstReservedGdtPage = 14;

    /// <summary>HYPERVISOR_VIRT_START for non-PAE x86_32 (Xen 3.0): the top 64 MiB belong to Xen.</summary>
    public const uint HypervisorVirtStart = 0xFC00_0000;
    /// <summary>The first page-directory slot of the hole: slots 1008-1023 are Xen's.</summary>
    public const int FirstXenL2Slot = (int)(HypervisorVirtStart >> 22);

    // Where VirtLab's Xen keeps its tables inside the hole: one Xen L1 under the last L2 slot.
    public const uint XenAreaBase = 0xFFC0_0000;
    public const uint GdtVirt = XenAreaBase;               // pages 0-13: the guest's GDT frames; page 14: Xen's entries
    public const ushort GdtLimit = 15 * 4096 - 1;
    public const uint IdtVirt = XenAreaBase + 0x1_0000;
    public const uint TssVirt = XenAreaBase + 0x1_1000;
    public const uint StubVirt = XenAreaBase + 0x1_2000;   // ring-0 entry stubs (one HLT per vector), the IRET and idle stubs
    public const uint StackVirt = XenAreaBase + 0x1_3000;  // two pages of ring-0 stack
    public const uint StackTop = XenAreaBase + 0x1_5000;
    public const uint IretStubOffset = 0x100, IdleStubOffset = 0x101;

    /// <summary>HYPERCALL_VECTOR: int 0x82 (gate DPL 1: ring 3 cannot use it).</summary>
    public const byte HypercallVector = 0x82;
    /// <summary>The vector VirtLab's Xen uses internally to enter itself when an event is due for the running guest (never seen by the guest).</summary>
    public const byte EventCheckVector = 0xF0;

    /// <summary>DOMID_SELF.</summary>
    public const uint DomidSelf = 0x7FF0;

    // start_info (32-bit offsets).
    public const int StartInfoMagic = 0, StartInfoNrPages = 32, StartInfoSharedInfo = 36, StartInfoFlags = 40, StartInfoStoreMfn = 44,
        StartInfoStoreEvtchn = 48, StartInfoConsoleMfn = 52, StartInfoConsoleEvtchn = 56, StartInfoPtBase = 60, StartInfoNrPtFrames = 64,
        StartInfoMfnList = 68, StartInfoModStart = 72, StartInfoModLen = 76, StartInfoCmdLine = 80, StartInfoFirstP2mPfn = 1104,
        StartInfoNrP2mFrames = 1108, StartInfoSize = 1112, CmdLineSize = 1024;
    /// <summary>The non-PAE guest type (the magic of start_info).</summary>
    public const string StartInfoMagicText = "xen-3.0-x86_32";
    public const uint SifPrivileged = 1, SifInitdomain = 2;

    // shared_info and vcpu_info.
    public const int VcpuInfoSize = 64, VcpuUpcallPending = 0, VcpuUpcallMask = 1, VcpuPendingSel = 4, VcpuCr2 = 8, VcpuTime = 32;
    public const int EvtchnPending = 2048, EvtchnMask = 2176;
    /// <summary>Event channels of the 2-level ABI for 32-bit guests: 32 × 32.</summary>
    public const int NrEventChannels = 1024;
    /// <summary>VIRQ_TIMER and the number of VIRQs (xen.h).</summary>
    public const int VirqTimer = 0, NrVirqs = 24;

    // Page-table entry bits (non-PAE).
    public const uint PtePresent = 1, PteRw = 2, PteUser = 4, PtePwt = 8, PtePcd = 0x10, PteAccessed = 0x20, PteDirty = 0x40, PtePse = 0x80, PtePat = 0x80, PteGlobal = 0x100;
}
