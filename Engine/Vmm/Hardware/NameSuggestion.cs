namespace VirtLab.Engine.Vmm.Hardware;

/// <summary>
/// The "did you mean" hint for VMCS field and control names. Edit distance comes first: these names share
/// long prefixes (<c>guest_</c>, <c>vm_exit_</c>), so the abbreviation rule of <see cref="KeySuggestion"/>
/// alone would propose a longer name that merely contains the letters of a typo.
/// </summary>
internal static class NameSuggestion
{
    /// <summary>" (did you mean 'x'?)" for a near name, otherwise <see cref="KeySuggestion.Hint"/>'s hint.</summary>
    public static string Hint(string given, IReadOnlyCollection<string> valid)
    {
        string g = given.Trim().ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var v in valid)
        {
            int d = KeySuggestion.Distance(g, v.ToLowerInvariant());
            if (d < bestDistance) { best = v; bestDistance = d; }
        }
        if (best is not null && bestDistance <= Math.Max(2, Math.Max(g.Length, best.Length) / 4))
            return $" (did you mean '{best}'?)";
        return KeySuggestion.Hint(given.Trim(), valid);
    }
}
