namespace VirtLab.Engine;

/// <summary>
/// A basic block: instructions decoded once from one physical page (an instruction that crosses
/// into the next page is always alone in its block), ending at the first control
/// transfer or state change (or the page end). Keyed by linear start, CS base and code size;
/// invalidated when its page is written (self-modifying code).
/// </summary>
public sealed class CodeBlock
{
    public uint LinearStart { get; }
    public uint CsBase { get; }
    public bool Code32 { get; }
    /// <summary>The CS limit the block was decoded under (instruction fetches beyond it were decoded as #GP).</summary>
    public uint CsLimit { get; internal init; }
    /// <summary>Physical address of the first byte (the block is only reused while its linear start still maps there).</summary>
    public uint PhysicalStart { get; internal init; }
    /// <summary>When the block's only instruction crosses into the next linear page: that page's physical frame; otherwise <see cref="uint.MaxValue"/>.</summary>
    public uint SecondFrame { get; internal init; } = uint.MaxValue;
    public DecodedInstruction[] Instructions { get; }
    public bool Valid { get; internal set; } = true;

    internal CodeBlock(uint linearStart, uint csBase, bool code32, DecodedInstruction[] instructions)
    {
        LinearStart = linearStart; CsBase = csBase; Code32 = code32; Instructions = instructions;
    }

    public override string ToString() => $"block {LinearStart:X8} ({(Code32 ? 32 : 16)}-bit, {Instructions.Length} instructions{(Valid ? "" : ", invalid")})";
}
