namespace VirtLab.Engine.Labs;

/// <summary>A guest was asked to run in a mode whose technique is not built yet.</summary>
public sealed class ModeNotAvailableException : NotSupportedException
{
    /// <summary>Creates the exception for <paramref name="mode"/>.</summary>
    public ModeNotAvailableException(GuestMode mode) : base(BuildMessage(mode)) { Mode = mode; }

    /// <summary>The mode asked for.</summary>
    public GuestMode Mode { get; }

    /// <summary>The issue that brings each technique.</summary>
    public static string IssueFor(GuestMode mode) => mode switch
    {
        GuestMode.Hardware => "the simulated VT-x issue (issue 6)",
        GuestMode.Para => "the paravirtualization issue (issue 7)",
        GuestMode.Full => "the binary-translation work (wave 2, not filed as an issue yet)",
        _ => "none",
    };

    private static string BuildMessage(GuestMode mode) =>
        $"Mode {mode} is not available yet: its technique comes with {IssueFor(mode)}. Native, Para and Hardware run today.";
}
