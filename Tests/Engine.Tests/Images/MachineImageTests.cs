using VirtLab.Engine.Tests.Support;
using Xunit;

namespace VirtLab.Engine.Tests.Images;

/// <summary>The Machine's convenience entry points over Engine/Images: disassembly with the machine's symbols.</summary>
public class MachineImageTests
{
    [Fact]
    public void DisassembleUsesTheMachinesSymbols()
    {
        var m = new Machine();
        m.LoadFlatImage(Nasm.Assemble("bits 16\norg 0x7C00\nstart: mov ax, 1\njmp start\n"));
        m.Symbols.Add("start", 0x7C00);
        var listing = m.Disassemble(0x7C00, 5, new VirtLab.Engine.Images.DisassemblyOptions { Bitness = 16 });
        var lines = listing.Lines.ToList();
        Assert.Equal(VirtLab.Engine.Images.DisassemblyLineKind.Label, lines[0].Kind);
        Assert.Equal("start", lines[0].Text.TrimEnd(':'));
        var jump = lines.Last(l => l.Kind != VirtLab.Engine.Images.DisassemblyLineKind.Label);
        Assert.Contains("start", jump.Text);            // the branch target shown as the symbol
        Assert.StartsWith("jmp", jump.Text);
    }
}
