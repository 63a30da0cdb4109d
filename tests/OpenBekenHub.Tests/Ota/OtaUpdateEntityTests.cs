using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Ota;

namespace OpenBekenHub.Tests.Ota;

/// <summary>The HA update entity piece, checked by the hub's discovery validator.</summary>
public sealed class OtaUpdateEntityTests
{
    [Fact]
    public void The_update_component_passes_the_discovery_checker_and_offers_install()
    {
        var payload = new JsonObject
        {
            ["dev"] = new JsonObject { ["ids"] = new JsonArray("obk_020b00000001"), ["name"] = "Hall lamp", ["mf"] = "Beken Corporation", ["mdl"] = "BK7231N", ["sw"] = "1.18.230" },
            ["o"] = new JsonObject { ["name"] = "OpenBekenHub", ["sw"] = "0.1.0" },
            ["cmps"] = new JsonObject { ["fw"] = OtaUpdateEntity.Component("obk_020b00000001", "openbekenhub/plugs/020b00000001/update", "openbekenhub/plugs/020b00000001/update/install") },
        }.ToJsonString();

        Assert.Empty(DiscoveryValidator.Validate("homeassistant", "homeassistant/device/obk_020b00000001/config", payload));
        var fw = JsonNode.Parse(payload)!["cmps"]!["fw"]!;
        Assert.Equal(("update", "firmware", "install"), (fw["p"]!.GetValue<string>(), fw["dev_cla"]!.GetValue<string>(), fw["pl_inst"]!.GetValue<string>()));
    }

    [Fact]
    public void The_state_sends_in_progress_as_a_boolean_and_the_percentage_apart()
    {
        var state = JsonNode.Parse(new OtaUpdateState("1.18.230", "1.18.231", "OpenBK7231N_1.18.231.rbl", true, 42).ToJson())!;
        Assert.True(state["in_progress"]!.GetValue<bool>());
        Assert.Equal(42, state["update_percentage"]!.GetValue<int>());
        Assert.Equal(("1.18.230", "1.18.231"), (state["installed_version"]!.GetValue<string>(), state["latest_version"]!.GetValue<string>()));
        var idle = JsonNode.Parse(new OtaUpdateState("1.18.231", null, null, false, null).ToJson())!;
        Assert.False(idle["in_progress"]!.GetValue<bool>());
        Assert.Null(idle["update_percentage"]);
        Assert.Equal("1.18.231", idle["latest_version"]!.GetValue<string>());
    }
}
