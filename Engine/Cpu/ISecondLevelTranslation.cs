namespace VirtLab.Engine;

/// <summary>The kind of a guest-physical access, as a second-level translation (EPT) checks it.</summary>
public enum GuestPhysicalAccess : byte { Read, Write, Fetch }

/// <summary>
/// A second level of address translation a monitor installs on the CPU (<see cref="Cpu.SecondLevel"/>):
/// every guest-physical address the CPU forms (after the guest's own paging, and for the guest's
/// paging-structure entries) goes through it, as VT-x's EPT does (SDM Vol. 3C 29.3). The CPU caches
/// the combined translation in its TLB when allowed.
/// </summary>
public interface ISecondLevelTranslation
{
    /// <summary>
    /// Translates <paramref name="guestPhysical"/> for one access. <paramref name="linear"/> is the guest-linear
    /// address being translated, <paramref name="final"/> false for an access to a paging-structure entry.
    /// With <paramref name="raise"/> false (instruction prefetch, debuggers) nothing may happen: return false on
    /// a violation. With <paramref name="raise"/> true the implementation handles a violation itself (a VM exit):
    /// it returns true with the address to use when the access is to proceed (not to be cached), or throws
    /// <see cref="InstructionAbortedException"/> to abandon the instruction.
    /// </summary>
    /// <param name="permissions">Bits 0-2: read, write, execute allowed for the page (for the TLB).</param>
    /// <param name="cacheable">False when the translation must not be kept in the TLB.</param>
    bool Translate(uint guestPhysical, GuestPhysicalAccess access, uint linear, bool final, bool raise,
        out uint hostPhysical, out byte permissions, out bool cacheable);
}

/// <summary>
/// Thrown by a monitor to abandon the running instruction or event delivery after it took over (a VM
/// exit in the middle of a memory access): the CPU retires nothing and continues from the state the
/// monitor left (its EIP). Never escapes the engine.
/// </summary>
public sealed class InstructionAbortedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InstructionAbortedException() : base("The monitor abandoned the running instruction.") { }
}
