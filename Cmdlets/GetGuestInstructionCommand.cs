using System.Management.Automation;
using VirtLab.Engine.Images;

namespace VirtLab.Cmdlets;

/// <summary>
/// <para type="synopsis">Disassembles guest memory, with symbols.</para>
/// Lists <c>-Count</c> instructions from <c>-Address</c> (default: the guest's CS:EIP) decoded
/// with the current code size (16-bit in real mode, CS.D otherwise); labels from the guest's
/// symbols come out as their own lines, branch targets as names.
/// </summary>
/// <example>
/// <code>
/// $m | Get-GuestInstruction -Count 8
/// </code>
/// <para>Disassembles the next eight instructions at CS:EIP in the current code size.</para>
/// </example>
/// <example>
/// <code>
/// Get-GuestInstruction -Machine $m -Address 0x7C00 -Bitness 16 -Syntax Intel
/// </code>
/// <para>Lists ten 16-bit instructions at 0x7C00 in Intel syntax.</para>
/// </example>
/// <example>
/// <code>
/// Get-GuestInstruction -Lab $lab -GuestName hello -Count 12
/// </code>
/// <para>Lists a lab guest's code with the labels of its inline assembly.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "GuestInstruction", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(DisassemblyLine))]
public sealed class GetGuestInstructionCommand : GuestCmdletBase
{
    /// <summary>Physical address of the first instruction (default: CS base + EIP).</summary>
    [Parameter(Position = 0)]
    [GuestAddress]
    public uint? Address { get; set; }

    /// <summary>How many instructions (labels are extra lines).</summary>
    [Parameter(Position = 1)]
    [ValidateRange(1, 100_000)]
    public int Count { get; set; } = 10;

    /// <summary>nasm (default) or Intel syntax.</summary>
    [Parameter]
    public DisassemblySyntax Syntax { get; set; } = DisassemblySyntax.Nasm;

    /// <summary>Code size to decode with, instead of the CPU's current one.</summary>
    [Parameter]
    [ValidateSet("16", "32")]
    public int? Bitness { get; set; }

    /// <summary>Linear base of the code segment the bytes belong to, so that 16-bit branch targets come out right. Default: the CS base when the address is inside CS, otherwise 0 for 32-bit code and the 64 KiB-aligned block holding the address for 16-bit code.</summary>
    [Parameter]
    [GuestAddress]
    public uint? SegmentBase { get; set; }

    /// <summary>Symbols to show (default: the guest's own, from its inline assembly, or the machine's, from the last ELF image it loaded).</summary>
    [Parameter]
    public SymbolTable? Symbols { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (!ResolveTarget()) return;
        var machine = TargetMachine;
        var cpu = machine.Cpu;
        uint start;
        if (Address is { } a) start = a;
        else if (CodeView.CurrentPhysical(cpu) is { } p) start = p;
        else
        {
            ThrowTerminatingError(Errors.InvalidOperation("Paging is on and CS:EIP is on a page that is not present: pass -Address with a physical address.", "PagingOn", TargetObject));
            return;
        }
        var options = CodeView.Options(cpu, Symbols ?? GuestSymbols ?? (machine.Symbols.Count > 0 ? machine.Symbols : null), Syntax);
        if (Bitness is { } b) options = options with { Bitness = b };
        if (SegmentBase is { } sb) options = options with { SegmentBase = sb };
        else if (Address is not null && !cpu.PagingEnabled)
        {
            var cs = cpu.GetSegment(Engine.SegmentRegister.CS);
            bool insideCs = start >= cs.Base && (ulong)start <= (ulong)cs.Base + cs.Limit;
            if (!insideCs) options = options with { SegmentBase = options.Bitness == 16 ? start & 0xFFFF_0000 : 0 };
        }
        // The longest x86 instruction is 15 bytes: this range holds at least Count instructions.
        var listing = Disassembler.List(machine.Memory, start, (int)Math.Min((long)Count * 15, int.MaxValue), options);
        int written = 0;
        foreach (var line in listing.Lines)
        {
            if (line.Kind != DisassemblyLineKind.Label && written == Count) break;
            WriteObject(line);
            if (line.Kind != DisassemblyLineKind.Label) written++;
        }
        if (written < Count && listing.Stop == DisassemblyStop.UnmappedMemory)
            WriteWarning($"The listing stops at 0x{listing.StopAddress:X8}: byte 0x{listing.FaultAddress:X8} is unmapped.");
        else if (written < Count && listing.Stop == DisassemblyStop.EndOfAddressSpace)
            WriteWarning("The listing stops at the end of the 4 GiB address space.");
    }
}
