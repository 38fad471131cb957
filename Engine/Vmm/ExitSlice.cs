namespace VirtLab.Engine.Vmm;

/// <summary>
/// The exits of one run: a window on the monitor's log, read on demand, so a run with a million exits
/// does not build a million records before anyone looks at them.
/// </summary>
internal sealed class ExitSlice : IReadOnlyList<VmExit>
{
    private readonly IReadOnlyList<VmExit> _log;
    private readonly int _first;

    public ExitSlice(IReadOnlyList<VmExit> log, int first, int count)
    {
        _log = log;
        _first = first;
        Count = count;
    }

    public int Count { get; }

    public VmExit this[int index] =>
        (uint)index < (uint)Count ? _log[_first + index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"The run has {Count} exits.");

    public IEnumerator<VmExit> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return _log[_first + i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
