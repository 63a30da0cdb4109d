using OpenBekenHub.Cli;

namespace OpenBekenHub.Tests.Cli;

/// <summary>The benchmarks run against the hub as a user runs it (accounts on by default), at a size a test can afford.</summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Bench_ota_updates_every_plug_of_a_small_fleet()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var code = await BenchOtaCommand.RunAsync(3, 2, 20_000, 0, output, timeout.Token);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("3 plugs adopted", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("rollout completed", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("3 ok", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_pages_measures_every_page_with_all_plugs_adopted()
    {
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var code = await BenchPagesCommand.RunAsync(10, 2, output, timeout.Token);
        Assert.True(code == 0, output.ToString());
        Assert.Contains("10 devices adopted", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("/api/devices", output.ToString(), StringComparison.Ordinal);
    }
}
