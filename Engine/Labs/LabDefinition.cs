namespace VirtLab.Engine.Labs;

/// <summary>A lab file, loaded and validated: its name, description and guests. Immutable once built.</summary>
public sealed class LabDefinition
{
    /// <summary>The lab's name (<c>name:</c>).</summary>
    public required string Name { get; init; }
    /// <summary>Free text (<c>description:</c>).</summary>
    public string? Description { get; init; }
    /// <summary>The full path of the lab file, or null for a lab parsed from a string.</summary>
    public string? SourcePath { get; init; }
    /// <summary>The guests, in file order (at least one).</summary>
    public required IReadOnlyList<GuestDefinition> Guests { get; init; }
}
