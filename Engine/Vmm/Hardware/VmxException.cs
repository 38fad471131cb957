namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>A VMX operation failed with a VM-instruction error (VMfailValid): the error number and what failed, where.</summary>
public sealed class VmxException : Exception
{
    /// <summary>The SDM's VM-instruction error number.</summary>
    public VmxInstructionError Error { get; }

    /// <summary>Creates the exception; the message is prefixed with the error number.</summary>
    public VmxException(VmxInstructionError error, string message)
        : base($"VM-instruction error {(uint)error} ({error}): {message}") => Error = error;
}
