using VirtLab.Engine.Labs;

namespace VirtLab.Cmdlets;

/// <summary>Keeps the latest progress report of a run on the engine's thread for the pipeline thread to show (Progress&lt;T&gt; would post to a synchronization context PowerShell does not pump).</summary>
internal sealed class LatestProgress : IProgress<RunProgress>
{
    private RunProgress? _latest;
    public RunProgress? Latest => Volatile.Read(ref _latest);
    public void Report(RunProgress value) => Volatile.Write(ref _latest, value);
}
