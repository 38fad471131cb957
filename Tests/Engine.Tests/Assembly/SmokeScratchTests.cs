using Xunit;
namespace VirtLab.Engine.Tests.Assembly;
public class SmokeScratchTests
{
    [Fact]
    public void Smoke() => NasmComparison.AssertFileSameAsNasm("/tmp/asmt/smoke.asm");
}
