using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.MachineTests;

/// <summary>A guest can never crash the host or reach outside its memory map: random code, bad images, bad parameters.</summary>
public class RobustnessTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void RandomCodeNeverThrowsOnTheHost(bool flat32, bool randomGdt)
    {
        int runs = int.TryParse(Environment.GetEnvironmentVariable("VIRTLAB_FUZZ_RUNS"), out var n) ? n : 150;
        var rng = new Random(20261129);
        for (int run = 0; run < runs; run++)
        {
            var m = new Machine(new MachineOptions { RamSize = 1u << 20 });
            var code = new byte[4096];
            rng.NextBytes(code);
            if (flat32)
            {
                m.Memory.LoadIntoRam(0x10000, code);
                TestGuest.EnterFlat32(m, 0x10000);
            }
            else m.LoadFlatImage(code);
            // The IVT/IDT is random too, so faults go anywhere: the run must still end in a stop reason.
            m.Memory.Write(0, code.AsSpan(0, 1024));
            if (randomGdt)
            {
                // Random descriptors after the null one: segment loads and far transfers meet every type.
                var gdt = new byte[256];
                rng.NextBytes(gdt);
                m.Memory.Write(0x818, gdt);
                m.Cpu.GdtrLimit = 0x817 + 256 - 0x800;
                m.Cpu.IdtrBase = 0; m.Cpu.IdtrLimit = 0x3FF;
            }
            var r = m.Run(20_000);
            Assert.True(Enum.IsDefined(r.StopReason), $"run {run}: {r.StopReason}");
            Assert.True(r.InstructionsRetired <= 20_000);
        }
    }

    [Fact]
    public void RomOfAWrongSizeIsRejectedWithAClearMessage()
    {
        var m = new Machine();
        var e = Assert.Throws<ArgumentException>(() => m.LoadRom(new byte[70_000]));
        Assert.Contains("64 KiB or 128 KiB", e.Message);
        Assert.Contains("70000", e.Message);
    }

    [Fact]
    public void RomOf128KiBIsMappedAtE0000AndBelowFourGiB()
    {
        var rom = new byte[128 * 1024];
        rom[0] = 0xAB;
        rom[^16] = 0xF4; // HLT at the reset vector
        var m = new Machine();
        m.LoadRom(rom);
        Assert.Equal(0xAB, m.Memory.ReadByte(0xE0000));
        Assert.Equal(0xAB, m.Memory.ReadByte(0xFFFE0000));
        Assert.Equal(MemoryRegionKind.Rom, m.Memory.KindAt(0xFFFFFFF0));
        Assert.Equal(StopReason.Halted, m.Run(10).StopReason);
    }

    [Fact]
    public void SmallRomIsPlacedAtTheTopOfTheSixtyFourKiBWindow()
    {
        var m = new Machine();
        m.LoadRom(new byte[] { 0xF4, 0xEE }); // 2 bytes: they land at 0xFFFFE and 0xFFFFF
        Assert.Equal(0xF4, m.Memory.ReadByte(0xFFFFE));
        Assert.Equal(0xEE, m.Memory.ReadByte(0xFFFFFFFF));
        Assert.Equal(0xFF, m.Memory.ReadByte(0xF0000));
    }

    [Fact]
    public void RomWritesAreDroppedAndCounted()
    {
        var m = new Machine();
        m.LoadRom(Nasm.Assemble(@"bits 16
org 0
start: mov ax, 0xF000
mov ds, ax
mov byte [0], 0x55      ; write to ROM: dropped
mov al, [0]
out 0xF4, al
times 0xFFF0-($-$$) db 0
jmp 0xF000:start
times 0x10000-($-$$) db 0
"));
        var r = m.Run(100);
        Assert.Equal(0xB8, r.ExitCode); // the ROM still holds 'mov ax' (B8)
        Assert.Equal(1, r.RomWrites);
    }

    [Fact]
    public void FlatImageThatDoesNotFitInRamLoadsNothing()
    {
        var m = new Machine(new MachineOptions { RamSize = 64 * 1024 });
        var e = Assert.Throws<ArgumentException>(() => m.LoadFlatImage(new byte[0x10000], 0x8000));
        Assert.Contains("does not fit in RAM", e.Message);
        Assert.Equal(0, m.Memory.ReadByte(0x8000)); // nothing half-loaded
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1000u)]
    public void RamSizeMustBeAWholeNumberOfPages(uint size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Machine(new MachineOptions { RamSize = size }));
        Assert.Contains("multiple of 4 KiB", e.Message);
    }
}

public class FaultLoopTests
{
    [Fact]
    public void AHandlerThatFaultsForeverStillEndsTheRun()
    {
        // IVT[6] -> 0000:1000, which holds FF FF (#UD again); each delivery succeeds (SS:SP wraps),
        // so no instruction ever retires. The budget counts deliveries, so Run returns.
        var m = new Machine();
        m.Memory.Write(6 * 4, new byte[] { 0x00, 0x10, 0x00, 0x00 });
        m.Memory.Write(0x1000, new byte[] { 0xFF, 0xFF });
        m.Cpu.EnterRealMode(0, 0x1000, 0x9000, 0);
        var r = m.Run(100);
        Assert.Equal(StopReason.BudgetExhausted, r.StopReason);
        Assert.Equal(0, r.InstructionsRetired);
        Assert.Equal(100, r.FaultsDelivered);
    }
}
