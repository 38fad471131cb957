namespace VirtLab.Engine.Labs;

/// <summary>One checked expectation: which, whether it held, and the expected and actual values as text.</summary>
public sealed record ExpectationResult(string Guest, string Name, bool Passed, string Expected, string Actual);
