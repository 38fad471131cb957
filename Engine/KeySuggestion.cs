namespace VirtLab.Engine;

/// <summary>Finds the valid name nearest to a misspelt one (Levenshtein distance, or a prefix).</summary>
internal static class KeySuggestion
{
    /// <summary>The nearest of <paramref name="valid"/> to <paramref name="given"/>, or null when none is close.</summary>
    public static string? Nearest(string given, IEnumerable<string> valid)
    {
        string g = given.ToLowerInvariant();
        // An abbreviation first ('regs' for 'registers'): the same first letter and every letter in order.
        var abbreviated = valid.Where(v => g.Length >= 2 && v.Length > g.Length && char.ToLowerInvariant(v[0]) == g[0] && IsSubsequence(g, v.ToLowerInvariant()))
                               .OrderBy(v => v.Length).FirstOrDefault();
        if (abbreviated is not null) return abbreviated;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var v in valid)
        {
            int d = Distance(g, v.ToLowerInvariant());
            if (d < bestDistance) { best = v; bestDistance = d; }
        }
        if (best is null) return null;
        // Close enough: a third of the longer name (at least 2 edits), or one is an abbreviation of the other.
        int allowed = Math.Max(2, Math.Max(g.Length, best.Length) / 3);
        if (bestDistance <= allowed) return best;
        var prefix = valid.FirstOrDefault(v => g.Length >= 3 && v.StartsWith(g, StringComparison.OrdinalIgnoreCase));
        return prefix;
    }

    /// <summary>" (did you mean 'x'?)" or " (expected one of: a, b, c)".</summary>
    public static string Hint(string given, IReadOnlyCollection<string> valid)
    {
        var nearest = Nearest(given, valid);
        return nearest is not null ? $" (did you mean '{nearest}'?)" : $" (expected one of: {string.Join(", ", valid)})";
    }

    private static bool IsSubsequence(string small, string big)
    {
        int i = 0;
        foreach (char c in big) if (i < small.Length && small[i] == c) i++;
        return i == small.Length;
    }

    /// <summary>Levenshtein edit distance (insertions, deletions, substitutions).</summary>
    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
