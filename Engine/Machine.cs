namespace VirtLab.Engine;

/// <summary>The standard devices of a <see cref="Machine"/>.</summary>
[Flags]
public enum MachineDevices
{
    None = 0,
    DebugConsole = 1, Serial = 2, ExitPort = 4, PostPort = 8,
    /// <summary>The 8259A pair at 0x20/0xA0; without it the CPU has no interrupt source.</summary>
    Pic = 16,
    /// <summary>The 8254 at 0x40 (IRQ 0 goes to the PIC when there is one).</summary>
    Pit = 32,
    All = DebugConsole | Serial | ExitPort | PostPort | Pic | Pit,
}

/// <summary>Options for building a <see cref="Machine"/>.</summary>
public sealed record MachineOptions
{
    /// <summary>RAM at physical 0, in bytes (a multiple of 4 KiB). Default 16 MiB.</summary>
    public uint RamSize { get; init; } = 16u << 20;

    /// <summary>Which standard devices are on the port bus (all by default). A device left out stays reachable as an object but decodes no port.</summary>
    public MachineDevices Devices { get; init; } = MachineDevices.All;

    /// <summary>Port of the debug console (default 0xE9).</summary>
    public ushort DebugConsolePort { get; init; } = DebugConsole.DefaultPort;
    /// <summary>Base port of the 16550A UART (default COM1, 0x3F8).</summary>
    public ushort SerialPort { get; init; } = Uart16550.Com1;
    /// <summary>Base port of the exit device (default 0xF4, four ports).</summary>
    public ushort ExitPort { get; init; } = VirtLab.Engine.ExitPort.DefaultPort;
    /// <summary>Port of the POST-code recorder (default 0x190).</summary>
    public ushort PostPort { get; init; } = VirtLab.Engine.PostPort.DefaultPort;

    /// <summary>Virtual time per 8254 input-clock pulse, in instructions (default 8: a 386 at ~10 MIPS against the 1.193182 MHz PIT clock).</summary>
    public int InstructionsPerPitTick { get; init; } = 8;
}

/// <summary>
/// A PC-style machine: guest physical memory, the port bus with the conventional devices (debug
/// console 0xE9, COM1 0x3F8, exit port 0xF4, POST port 0x190, the 8259A PIC pair at 0x20/0xA0 and
/// the 8254 PIT at 0x40 on IRQ 0, driven by virtual time) and one <see cref="Cpu"/>.
/// </summary>
public sealed class Machine
{
    public PhysicalMemory Memory { get; }
    public IoBus Io { get; }
    public Cpu Cpu { get; }
    public ConsoleOutput Console { get; } = new();
    public ExitPort ExitPort { get; }
    public PostPort PostPort { get; }
    /// <summary>The standard devices on the port bus.</summary>
    public MachineDevices Devices { get; }
    public Pic8259 Pic { get; }
    public Pit8254 Pit { get; }
    private readonly PitClock _pitClock;

    public Machine(MachineOptions? options = null)
    {
        options ??= new MachineOptions();
        Memory = new PhysicalMemory(options.RamSize);
        Io = new IoBus();
        Devices = options.Devices;
        if (Devices.HasFlag(MachineDevices.DebugConsole)) Io.Attach(new DebugConsole(Console, options.DebugConsolePort));
        if (Devices.HasFlag(MachineDevices.Serial)) Io.Attach(new Uart16550(Console, options.SerialPort));
        ExitPort = new ExitPort(options.ExitPort);
        if (Devices.HasFlag(MachineDevices.ExitPort)) Io.Attach(ExitPort);
        PostPort = new PostPort(options.PostPort);
        if (Devices.HasFlag(MachineDevices.PostPort)) Io.Attach(PostPort);
        Pic = new Pic8259();
        Pit = new Pit8254();
        if (Devices.HasFlag(MachineDevices.Pic) && Devices.HasFlag(MachineDevices.Pit))
        {
            Pit.Out0Changed = level => Pic.SetIrq(0, level);
            Pic.SetIrq(0, Pit.GetOut(0));
        }
        if (Devices.HasFlag(MachineDevices.Pic)) Io.Attach(Pic);
        if (Devices.HasFlag(MachineDevices.Pit)) Io.Attach(Pit);
        Cpu = new Cpu(Memory, Io);
        ExitPort.ExitRequested = () => Cpu.RequestStop(StopReason.ExitPort);
        if (Devices.HasFlag(MachineDevices.Pic)) Cpu.InterruptSource = new PicInterruptSource(Pic);
        _pitClock = new PitClock(Pit, options.InstructionsPerPitTick);
        if (Devices.HasFlag(MachineDevices.Pit)) Cpu.ClockedDevices.Add(_pitClock);
    }

    /// <summary>
    /// Maps a BIOS-style ROM (64 KiB at 0xF0000, 128 KiB at 0xE0000; a smaller image is placed at
    /// the top of those 64 KiB) and its alias just below 4 GiB, then resets the CPU to the reset
    /// vector (CS base FFFF0000, EIP FFF0).
    /// </summary>
    public void LoadRom(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        byte[] rom;
        if (image.Length == 128 * 1024 || image.Length == 64 * 1024) rom = (byte[])image.Clone();
        else if (image.Length > 0 && image.Length < 64 * 1024)
        {
            rom = new byte[64 * 1024];
            Array.Fill(rom, (byte)0xFF);
            image.CopyTo(rom, rom.Length - image.Length);
        }
        else throw new ArgumentException($"A ROM image must be 64 KiB or 128 KiB (or smaller than 64 KiB, placed at the top); this one is {image.Length} bytes.", nameof(image));
        uint low = 0x10_0000u - (uint)rom.Length;
        Memory.MapRom("rom", low, rom);
        Memory.MapRom("rom-alias", (uint)(0x1_0000_0000UL - (ulong)rom.Length), rom);
        ResetDevices();
        Cpu.Reset();
    }

    /// <summary>Loads a flat (boot-sector style) image into RAM and enters it in real mode at CS:IP 0:<paramref name="loadAddress"/>.</summary>
    public void LoadFlatImage(byte[] image, uint loadAddress = 0x7C00)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (loadAddress > 0xFFFF0 + 0xFFFF) throw new ArgumentOutOfRangeException(nameof(loadAddress), $"0x{loadAddress:X} is not reachable from real mode.");
        Memory.LoadIntoRam(loadAddress, image);
        ResetDevices();
        Cpu.Reset();
        ushort cs = (ushort)(loadAddress <= 0xFFFF ? 0 : (loadAddress - (loadAddress & 0xF)) >> 4);
        ushort ip = (ushort)(loadAddress - ((uint)cs << 4));
        Cpu.EnterRealMode(cs, ip, 0, 0x7C00);
    }

    /// <summary>Puts every device back to its power-on state (console, exit and POST ports, PIC, PIT) and clears the memory counters.</summary>
    internal void ResetDevices()
    {
        Console.Clear();
        ExitPort.Reset();
        PostPort.Reset();
        Pic.Reset();
        Pit.Reset();
        if (Devices.HasFlag(MachineDevices.Pic) && Devices.HasFlag(MachineDevices.Pit)) Pic.SetIrq(0, Pit.GetOut(0));
        _pitClock.Reset();
        Memory.ResetCounters();
    }

    /// <summary>Loads an ELF32 executable (PT_LOAD segments, entry point, symbols) and enters it in flat 32-bit protected mode (see <see cref="Images.ImageLoader.LoadElf"/>).</summary>
    public Images.ElfImage LoadElf(byte[] file, Images.ProtectedModeLoadOptions? options = null)
    {
        var elf = Images.ElfImage.Parse(file);
        Images.ImageLoader.LoadElf(this, elf, options);
        Symbols = Images.SymbolTable.FromElf(elf);
        return elf;
    }

    /// <summary>Loads a Multiboot v1 kernel as QEMU's -kernel does (EAX = 2BADB002h, EBX = the info structure).</summary>
    public Images.MultibootBootInfo LoadMultiboot(byte[] file, Images.MultibootLoadOptions? options = null) =>
        Images.ImageLoader.LoadMultiboot(this, Images.MultibootImage.Parse(file), options);

    /// <summary>Symbols of the last ELF loaded, or set by a lab from its assembly listing; empty otherwise.</summary>
    public Images.SymbolTable Symbols { get; set; } = new();

    /// <summary>A disassembly listing of physical memory (Iced's nasm or Intel formatter), annotated with <see cref="Symbols"/> unless the options name others.</summary>
    public Images.DisassemblyListing Disassemble(uint address, int length, Images.DisassemblyOptions? options = null) =>
        Images.Disassembler.List(Memory, address, length, (options ?? new Images.DisassemblyOptions()) with { Symbols = options?.Symbols ?? Symbols });

    /// <summary>Captures the whole machine (RAM, CPU, devices) so <see cref="RestoreCheckpoint"/> can return to this instant.</summary>
    public MachineCheckpoint CreateCheckpoint() => new()
    {
        Ram = (byte[])Memory.Ram.Clone(),
        Cpu = Cpu.SaveState(),
        Devices = Io.Devices.Cast<object>().Append(_pitClock).Append(ExitPort).Append(PostPort).Distinct().Select(d => (d, ObjectState.Capture(d))).ToList(),
        ConsoleText = Console.Text,
        InstructionsRetired = Cpu.InstructionsRetired,
    };

    /// <summary>Returns the machine to a checkpoint taken from it (not from another machine).</summary>
    public void RestoreCheckpoint(MachineCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Ram.Length != Memory.Ram.Length || checkpoint.Devices.Any(d => d.Device != _pitClock && d.Device != ExitPort && d.Device != PostPort && !Io.Devices.Contains((IPortDevice)d.Device)))
            throw new ArgumentException("This checkpoint was taken from another machine.", nameof(checkpoint));
        checkpoint.Ram.CopyTo(Memory.Ram, 0);
        Memory.ClearCodeMarks();
        foreach (var (device, state) in checkpoint.Devices) state.Restore(device);
        Console.Clear();
        foreach (char ch in checkpoint.ConsoleText) Console.Append((byte)ch);
        Cpu.RestoreState(checkpoint.Cpu);
    }

    /// <summary>Runs up to <paramref name="maxInstructions"/> instructions (or until a stop reason) and reports.</summary>
    public RunResult Run(long maxInstructions)
    {
        long before = Cpu.InstructionsRetired, faultsBefore = Cpu.FaultsDelivered;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var reason = Cpu.Run(maxInstructions);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        return Snapshot(reason, Cpu.InstructionsRetired - before, Cpu.FaultsDelivered - faultsBefore, elapsed);
    }

    /// <summary>Executes one instruction.</summary>
    public RunResult Step()
    {
        long before = Cpu.InstructionsRetired, faultsBefore = Cpu.FaultsDelivered;
        var reason = Cpu.Step();
        return Snapshot(reason, Cpu.InstructionsRetired - before, Cpu.FaultsDelivered - faultsBefore, TimeSpan.Zero);
    }

    private RunResult Snapshot(StopReason reason, long retired, long faults, TimeSpan elapsed) => new()
    {
        StopReason = reason,
        FaultsDelivered = faults,
        ExitCode = reason == StopReason.ExitPort ? (int?)ExitPort.ExitCode : null,
        ConsoleText = Console.Text,
        PostCodes = PostPort.Codes.ToArray(),
        InstructionsRetired = retired,
        Elapsed = elapsed,
        FinalEip = Cpu.Eip,
        FinalCs = Cpu.Segments[(int)SegmentRegister.CS].Selector,
        UnmappedReads = Memory.UnmappedReads,
        UnmappedWrites = Memory.UnmappedWrites,
        RomWrites = Memory.RomWrites,
        BlocksDecoded = Cpu.BlocksDecoded,
        BlocksInvalidated = Cpu.BlocksInvalidated,
    };
}
