using System.Buffers.Binary;

namespace VirtLab.Engine.Labs;

/// <summary>
/// Builds a <see cref="Machine"/> from a validated <see cref="GuestDefinition"/>: RAM sized to the
/// highest RAM region and unmapped wherever the map has no RAM, ROMs mapped (a ROM ending at 1 MiB is
/// aliased below 4 GiB, as on a PC), contents written, descriptor and page tables built, and the CPU
/// put in the start state.
/// </summary>
internal static class MachineBuilder
{
    // The flat layout: selectors of the GDT the engine writes (RPL = DPL).
    internal const ushort Code0 = 0x08, Data0 = 0x10, Code1 = 0x19, Data1 = 0x21, Code3 = 0x2B, Data3 = 0x33, TssSelector = 0x38;
    internal const int GdtEntries = 8;
    internal const uint TssOffset = 0x40, TssSize = 104, IdtOffset = 0x100, PageDirectoryOffset = 0x1000;

    /// <summary>Bytes the engine's tables take at <see cref="RingSetup.Tables"/>: one page (GDT, TSS, IDT), plus for paged32 the page directory and one page table per 4 MiB mapped.</summary>
    internal static uint TablesSize(GuestStartState start, IReadOnlyList<MemoryRegionDefinition> regions) =>
        start == GuestStartState.Paged32 ? 0x2000u + (uint)PageTableSlots(regions).Count * 0x1000u : 0x1000u;

    private static List<uint> PageTableSlots(IReadOnlyList<MemoryRegionDefinition> regions)
    {
        var slots = new SortedSet<uint>();
        foreach (var r in regions.Where(r => r.Kind is LabRegionKind.Ram or LabRegionKind.Rom))
            for (ulong a = r.Base; a < r.End; a += 0x1000) slots.Add((uint)(a >> 22));
        return slots.ToList();
    }

    /// <summary>The machine's options for a guest: RAM size, and the devices of its <c>devices:</c> list (all standard devices when it has none) at their ports.</summary>
    internal static MachineOptions MachineOptionsFor(GuestDefinition guest, uint ramSize)
    {
        if (guest.Devices.Count == 0) return new MachineOptions { RamSize = ramSize };
        var set = MachineDevices.None;
        ushort console = DebugConsole.DefaultPort, serial = Uart16550.Com1, exit = ExitPort.DefaultPort, post = PostPort.DefaultPort;
        foreach (var d in guest.Devices)
        {
            switch (d.Type)
            {
                case "console": set |= MachineDevices.DebugConsole; console = d.Port; break;
                case "uart": set |= MachineDevices.Serial; serial = d.Port; break;
                case "exit": set |= MachineDevices.ExitPort; exit = d.Port; break;
                case "post": set |= MachineDevices.PostPort; post = d.Port; break;
                case "pic": set |= MachineDevices.Pic; break;
                case "pit": set |= MachineDevices.Pit; break;
            }
        }
        return new MachineOptions { RamSize = ramSize, Devices = set, DebugConsolePort = console, SerialPort = serial, ExitPort = exit, PostPort = post };
    }

    public static Machine Build(GuestDefinition guest)
    {
        ulong ramEnd = guest.Memory.Where(r => r.Kind == LabRegionKind.Ram).Select(r => r.End).DefaultIfEmpty(0UL).Max();
        uint ramSize = (uint)Math.Max(PhysicalMemory.PageSize, ramEnd);
        var machine = new Machine(MachineOptionsFor(guest, ramSize));
        var memory = machine.Memory;

        // Holes: every page of the RAM array that no RAM region covers.
        for (uint page = 0; page < ramSize; page += PhysicalMemory.PageSize)
        {
            if (guest.Memory.Any(r => r.Kind == LabRegionKind.Ram && r.Base <= page && page < r.End)) continue;
            uint end = page;
            while (end < ramSize && !guest.Memory.Any(r => r.Kind == LabRegionKind.Ram && r.Base <= end && end < r.End)) end += PhysicalMemory.PageSize;
            memory.Unmap("hole", page, end - page);
            page = end - PhysicalMemory.PageSize;
        }

        foreach (var r in guest.Memory)
        {
            switch (r.Kind)
            {
                case LabRegionKind.Ram:
                    if (r.Fill is byte f) memory.LoadIntoRam(r.Base, Enumerable.Repeat(f, (int)r.Size).ToArray());
                    foreach (var c in r.Contents) memory.LoadIntoRam(c.Address, c.Bytes);
                    break;
                case LabRegionKind.Rom:
                    var image = new byte[r.Size];
                    Array.Fill(image, r.Fill ?? (byte)0xFF);
                    foreach (var c in r.Contents)
                    {
                        Array.Clear(image, (int)(c.Address - r.Base), (int)Math.Max(c.MemorySize, (uint)c.Bytes.Length));
                        c.Bytes.CopyTo(image, (int)(c.Address - r.Base));
                    }
                    memory.MapRom(r.Name, r.Base, image);
                    if (r.End == 0x10_0000) memory.MapRom(r.Name + "-alias", (uint)(0x1_0000_0000UL - r.Size), image);
                    break;
                case LabRegionKind.Unmapped:
                    memory.Unmap(r.Name, r.Base, r.Size);
                    break;
                case LabRegionKind.Mmio:
                    memory.MapMmio(r.Name, r.Base, r.Size, r.MmioDevice switch
                    {
                        "console" => new MmioConsole(machine.Console),
                        _ => throw new InvalidOperationException($"Unknown mmio device '{r.MmioDevice}' in region '{r.Name}'."),
                    });
                    break;
            }
        }

        var cpu = machine.Cpu;
        cpu.Reset();
        switch (guest.Start)
        {
            case GuestStartState.Reset:
                break;
            case GuestStartState.Real16:
                EnterReal16(guest, cpu);
                break;
            default:
                EnterFlat(guest, machine);
                break;
        }
        foreach (var (name, value) in guest.Registers) GuestRegisters.Write(cpu, name, value);
        memory.ResetCounters();
        return machine;
    }

    /// <summary>Real mode at the entry: CS 0 below 64 KiB, otherwise the paragraph of the contents holding the entry (the origin the region's code was assembled for).</summary>
    private static void EnterReal16(GuestDefinition guest, Cpu cpu)
    {
        uint entry = guest.Entry!.Value;
        ushort cs = 0;
        if (entry > 0xFFFF)
        {
            uint start = guest.Memory.SelectMany(r => r.Contents).Where(c => c.Address <= entry && entry < c.Address + (ulong)c.Bytes.Length).Select(c => c.Address).DefaultIfEmpty(entry).First();
            cs = (ushort)(start >> 4);
            if (entry - ((uint)cs << 4) > 0xFFFF) cs = (ushort)((entry >> 4) & 0xF000);
        }
        cpu.EnterRealMode(cs, (ushort)(entry - ((uint)cs << 4)), 0, 0x7C00);
    }

    private static void EnterFlat(GuestDefinition guest, Machine machine)
    {
        var rings = guest.Rings!;
        var cpu = machine.Cpu;
        var mem = machine.Memory;
        uint t = rings.Tables;

        // GDT: null, code/data for rings 0, 1 and 3 (flat 4 GiB, accessed preset), then the TSS (busy: TR holds it).
        var gdt = new byte[GdtEntries * 8];
        WriteSegment(gdt, Code0, CodeRights(0));
        WriteSegment(gdt, Data0, DataRights(0));
        WriteSegment(gdt, Code1, CodeRights(1));
        WriteSegment(gdt, Data1, DataRights(1));
        WriteSegment(gdt, Code3, CodeRights(3));
        WriteSegment(gdt, Data3, DataRights(3));
        uint tss = t + TssOffset;
        WriteDescriptor(gdt, TssSelector, tss, TssSize - 1, 0x008B);
        mem.Write(t, gdt);

        // 32-bit TSS (SDM Vol. 3A 7.2.1): ESP0/SS0, ESP1/SS1; I/O map base past the limit (no bitmap).
        var tssBytes = new byte[TssSize];
        BinaryPrimitives.WriteUInt32LittleEndian(tssBytes.AsSpan(4), rings.KernelStack);
        BinaryPrimitives.WriteUInt32LittleEndian(tssBytes.AsSpan(8), Data0);
        BinaryPrimitives.WriteUInt32LittleEndian(tssBytes.AsSpan(12), rings.Ring1Stack);
        BinaryPrimitives.WriteUInt32LittleEndian(tssBytes.AsSpan(16), Data1);
        BinaryPrimitives.WriteUInt16LittleEndian(tssBytes.AsSpan(102), (ushort)TssSize);
        mem.Write(tss, tssBytes);

        // IDT: 32-bit interrupt gates to ring-0 code; DPL 3 from vector 32 up so INT n works from every ring.
        var idt = new byte[256 * 8];
        foreach (var (vector, handler) in rings.Interrupts)
        {
            var g = idt.AsSpan(vector * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(g, (ushort)handler);
            BinaryPrimitives.WriteUInt16LittleEndian(g[2..], Code0);
            g[5] = (byte)(0x8E | (vector >= 32 ? 3 << 5 : 0));
            BinaryPrimitives.WriteUInt16LittleEndian(g[6..], (ushort)(handler >> 16));
        }
        mem.Write(t + IdtOffset, idt);

        cpu.GdtrBase = t;
        cpu.GdtrLimit = GdtEntries * 8 - 1;
        cpu.IdtrBase = t + IdtOffset;
        cpu.IdtrLimit = 256 * 8 - 1;
        uint cr0 = Cpu.Cr0PE | Cpu.Cr0ET;
        if (guest.Start == GuestStartState.Paged32)
        {
            cpu.Cr3 = BuildIdentityPaging(guest, mem, t);
            cr0 |= Cpu.Cr0PG;
        }
        cpu.WriteCr0(cr0);
        cpu.Tr = new SegmentCache { Selector = TssSelector, Base = tss, Limit = TssSize - 1, Rights = 0x008B };
        int ring = rings.EntryRing;
        ushort code = ring switch { 0 => Code0, 1 => Code1, _ => Code3 };
        ushort data = ring switch { 0 => Data0, 1 => Data1, _ => Data3 };
        foreach (var s in new[] { SegmentRegister.DS, SegmentRegister.ES, SegmentRegister.FS, SegmentRegister.GS, SegmentRegister.SS })
            cpu.SetSegment(s, new SegmentCache { Selector = data, Base = 0, Limit = 0xFFFF_FFFF, Rights = DataRights(ring) });
        cpu.SetSegment(SegmentRegister.CS, new SegmentCache { Selector = code, Base = 0, Limit = 0xFFFF_FFFF, Rights = CodeRights(ring) });
        cpu.EFlags = 0x2;
        cpu.Eip = guest.Entry!.Value;
        cpu.Esp = ring switch { 0 => rings.KernelStack, 1 => rings.Ring1Stack, _ => 0 };
    }

    /// <summary>A page directory at tables + 0x1000 and page tables after it, identity-mapping every RAM (read/write) and ROM (read-only) page, user-accessible.</summary>
    private static uint BuildIdentityPaging(GuestDefinition guest, PhysicalMemory mem, uint t)
    {
        uint pd = t + PageDirectoryOffset;
        var slots = PageTableSlots(guest.Memory);
        var directory = new byte[4096];
        for (int i = 0; i < slots.Count; i++)
        {
            uint pt = pd + 0x1000u * (uint)(i + 1);
            BinaryPrimitives.WriteUInt32LittleEndian(directory.AsSpan((int)slots[i] * 4), pt | 0x7);
            var table = new byte[4096];
            for (uint e = 0; e < 1024; e++)
            {
                uint address = slots[i] << 22 | e << 12;
                var region = guest.Memory.FirstOrDefault(r => r.Base <= address && address < r.End);
                if (region is null || region.Kind is not (LabRegionKind.Ram or LabRegionKind.Rom)) continue;
                uint flags = region.Kind == LabRegionKind.Ram ? 0x7u : 0x5u;
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan((int)e * 4), address | flags);
            }
            mem.Write(pt, table);
        }
        mem.Write(pd, directory);
        return pd;
    }

    internal static ushort CodeRights(int dpl) => (ushort)(0xC09B | dpl << 5);
    internal static ushort DataRights(int dpl) => (ushort)(0xC093 | dpl << 5);

    private static void WriteSegment(byte[] gdt, ushort selector, ushort rights) => WriteDescriptor(gdt, selector, 0, 0xFFFFF, rights);

    /// <summary>An 8-byte descriptor (SDM Vol. 3A 3.4.5): limit 0-15, base 0-23, access byte, flags with limit 16-19, base 24-31.</summary>
    private static void WriteDescriptor(byte[] gdt, ushort selector, uint baseAddress, uint limit, ushort rights)
    {
        var d = gdt.AsSpan(selector & ~7);
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)limit);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], (ushort)baseAddress);
        d[4] = (byte)(baseAddress >> 16);
        d[5] = (byte)rights;
        d[6] = (byte)(((uint)rights >> 8 & 0xF0) | (limit >> 16 & 0x0F));
        d[7] = (byte)(baseAddress >> 24);
    }
}
