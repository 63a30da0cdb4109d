using System.Text.Json;
using OpenBekenHub.Ota;

namespace OpenBekenHub.Tests.Ota;

/// <summary>Who gets what, and why the others are skipped (pure planner).</summary>
public sealed class RolloutPlannerTests
{
    private static readonly OtaTarget N = new("fw1", "OpenBK7231N_1.18.231.rbl", "BK7231N", "1.18.231", "", 200_000);

    private static FleetDevice Plug(string id, string? chip = "BK7231N", string? version = "1.18.230", bool online = true, string? area = null) =>
        new(id, "obk" + id, id, area, "10.0.0.1", chip, version, online);

    [Theory]
    [InlineData(25, new[] { "1", "10%", "rest" }, new[] { 1, 3, 21 })]
    [InlineData(1, new[] { "1", "10%", "rest" }, new[] { 1 })]
    [InlineData(200, new[] { "1", "10%", "rest" }, new[] { 1, 20, 179 })]
    [InlineData(10, new[] { "3" }, new[] { 3, 7 })]
    [InlineData(10, new[] { "50%", "50%" }, new[] { 5, 5 })]
    public void Waves_are_1_then_10_percent_then_the_rest_by_default(int total, string[] waves, int[] expected) =>
        Assert.Equal(expected, RolloutPlanner.WaveSizes(waves, total));

    [Fact]
    public void Plugs_of_another_chip_unknown_chip_other_variant_same_version_or_offline_are_skipped_with_the_reason()
    {
        FleetDevice[] fleet =
        [
            Plug("a"), Plug("t", chip: "BK7231T"), Plug("u", chip: null), Plug("b", version: "1.18.230_berry"),
            Plug("s", version: "1.18.231"), Plug("o", online: false), Plug("c"),
        ];
        var plan = RolloutPlanner.Plan(N, fleet, new RolloutRequest { FirmwareId = "fw1" });
        var why = plan.Plugs.ToDictionary(p => p.Id, p => (p.Result, p.Reason ?? ""));

        Assert.Equal(["a", "c"], plan.Eligible.Select(p => p.Id).Order());
        Assert.Contains("it is a BK7231T; OpenBK7231N_1.18.231.rbl is built for BK7231N", why["t"].Item2, StringComparison.Ordinal);
        Assert.Contains("its chip is unknown", why["u"].Item2, StringComparison.Ordinal);
        Assert.Contains("runs the 'berry' variant", why["b"].Item2, StringComparison.Ordinal);
        Assert.Contains("already runs 1.18.231", why["s"].Item2, StringComparison.Ordinal);
        Assert.Contains("offline", why["o"].Item2, StringComparison.Ordinal);

        var confirmed = RolloutPlanner.Plan(N, fleet, new RolloutRequest { FirmwareId = "fw1", ConfirmVariantChange = true });
        Assert.Contains("b", confirmed.Eligible.Select(p => p.Id));
        Assert.DoesNotContain("t", confirmed.Eligible.Select(p => p.Id)); // a chip mismatch is never confirmable
    }

    [Fact]
    public void Plugs_are_chosen_by_list_chip_version_or_area()
    {
        FleetDevice[] fleet = [Plug("a", area: "Kitchen"), Plug("b", area: "Garage"), Plug("c", version: "1.18.100", area: "Garage")];
        Assert.Equal(["b"], RolloutPlanner.Plan(N, fleet, new RolloutRequest { Devices = ["b"] }).Plugs.Select(p => p.Id));
        Assert.Equal(["b", "c"], RolloutPlanner.Plan(N, fleet, new RolloutRequest { Area = "garage" }).Eligible.Select(p => p.Id));
        Assert.Equal(["c"], RolloutPlanner.Plan(N, fleet, new RolloutRequest { FromVersion = "1.18.100" }).Eligible.Select(p => p.Id));
        Assert.Contains("no device 'zz'", RolloutPlanner.Plan(N, fleet, new RolloutRequest { Devices = ["zz"] }).Plugs[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        Assert.Throws<ArgumentException>(() => RolloutPlanner.Settings(N, new RolloutRequest { Concurrency = 0 }));
        Assert.Throws<ArgumentException>(() => RolloutPlanner.Settings(N, new RolloutRequest { FailureThreshold = 1.5 }));
        Assert.Throws<ArgumentException>(() => RolloutPlanner.Settings(N, new RolloutRequest { DeviceTimeoutSeconds = 1 }));
        Assert.Throws<ArgumentException>(() => RolloutPlanner.Settings(N, new RolloutRequest { Waves = [JsonSerializer.SerializeToElement("rest"), JsonSerializer.SerializeToElement(1)] }));
        Assert.Throws<ArgumentException>(() => RolloutPlanner.Settings(N, new RolloutRequest { Waves = [JsonSerializer.SerializeToElement("ten")] }));
    }
}
