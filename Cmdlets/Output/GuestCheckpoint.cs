using VirtLab.Engine;
using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>A saved whole-machine state of a guest (RAM, CPU, devices), from <c>Checkpoint-Guest</c>, for <c>Restore-Guest</c>.</summary>
public sealed class GuestCheckpoint
{
    internal GuestCheckpoint(string name, GuestInstance? guest, Machine machine, MachineCheckpoint state)
    {
        Name = name; Guest = guest; Machine = machine; State = state;
        Cs = machine.Cpu.GetSegment(SegmentRegister.CS).Selector;
        Eip = machine.Cpu.Eip;
    }

    /// <summary>The checkpoint's label.</summary>
    public string Name { get; }
    /// <summary>The guest it was taken from, or null for a bare machine.</summary>
    public GuestInstance? Guest { get; }
    /// <summary>The guest's name, or null for a bare machine.</summary>
    public string? GuestName => Guest?.Name;
    /// <summary>The machine it was taken from (a guest keeps its machine for life; the checkpoint restores only onto this one).</summary>
    public Machine Machine { get; }
    /// <summary>The engine's checkpoint.</summary>
    public MachineCheckpoint State { get; }
    /// <summary>CS selector when taken.</summary>
    public ushort Cs { get; }
    /// <summary>EIP when taken.</summary>
    public uint Eip { get; }
    /// <summary>Instructions retired when taken.</summary>
    public long InstructionsRetired => State.InstructionsRetired;
    /// <summary>When it was taken (UTC).</summary>
    public DateTime CreatedUtc => State.CreatedUtc;

    public override string ToString() => $"{Name} ({GuestName ?? "machine"} at {Cs:X4}:{Eip:X8})";
}
