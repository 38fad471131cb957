namespace VirtLab.Engine.Images;

/// <summary>A named guest address; <see cref="Size"/> is 0 when unknown (a plain label).</summary>
public sealed record GuestSymbol(string Name, uint Address, uint Size);

/// <summary>
/// Names for guest (physical) addresses, for disassembly listings: labels at an address, and the
/// symbol an operand points into. Several names may share an address; the first one added is the
/// one operands are shown with.
/// </summary>
public sealed class SymbolTable
{
    private readonly List<GuestSymbol> _symbols = new();
    private readonly Dictionary<uint, List<GuestSymbol>> _byAddress = new();
    private GuestSymbol[]? _sorted; // by address, then insertion order; rebuilt after Add

    public int Count => _symbols.Count;
    public IReadOnlyList<GuestSymbol> Symbols => _symbols;

    public void Add(string name, uint address, uint size = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var s = new GuestSymbol(name, address, size);
        _symbols.Add(s);
        if (!_byAddress.TryGetValue(address, out var list)) _byAddress[address] = list = new List<GuestSymbol>();
        list.Add(s);
        _sorted = null;
    }

    /// <summary>
    /// The address symbols of an ELF executable's .symtab (functions, objects and untyped labels
    /// defined in a section), globals before locals, at physical addresses: a value inside a
    /// PT_LOAD segment is translated from p_vaddr to p_paddr.
    /// </summary>
    public static SymbolTable FromElf(ElfImage elf)
    {
        ArgumentNullException.ThrowIfNull(elf);
        var table = new SymbolTable();
        foreach (var sym in elf.Symbols.Where(s => s.IsAddress).OrderBy(s => s.Binding == ElfSymbolBinding.Local ? 1 : 0))
        {
            uint address = sym.Value;
            var seg = elf.Segments.FirstOrDefault(s => s.ContainsVirtual(sym.Value));
            if (seg is not null) address = seg.PhysicalAddress + (sym.Value - seg.VirtualAddress);
            table.Add(sym.Name, address, sym.Size);
        }
        return table;
    }

    /// <summary>The names defined exactly at <paramref name="address"/>, in the order added.</summary>
    public IReadOnlyList<GuestSymbol> At(uint address) => _byAddress.TryGetValue(address, out var list) ? list : Array.Empty<GuestSymbol>();

    /// <summary>
    /// The symbol to show for <paramref name="address"/>: one defined exactly there, otherwise the
    /// nearest one below whose size covers it (a sized function or object).
    /// </summary>
    public GuestSymbol? Resolve(uint address)
    {
        if (_byAddress.TryGetValue(address, out var exact)) return exact[0];
        _sorted ??= _symbols.Select((s, i) => (s, i)).OrderBy(x => x.s.Address).ThenBy(x => x.i).Select(x => x.s).ToArray();
        // Last symbol with Address <= address, then walk down while earlier symbols could still cover it.
        int lo = 0, hi = _sorted.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (_sorted[mid].Address <= address) { found = mid; lo = mid + 1; } else hi = mid - 1;
        }
        for (int i = found; i >= 0; i--)
        {
            var s = _sorted[i];
            if (s.Size != 0 && (ulong)address < (ulong)s.Address + s.Size) return s;
        }
        return null;
    }
}
