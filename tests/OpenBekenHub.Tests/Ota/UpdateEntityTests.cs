using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MQTTnet;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Ota;

/// <summary>Issue 13: Home Assistant's update entity per plug installs from the library and shows the progress.</summary>
public sealed class UpdateEntityTests
{
    private const string From = "1.18.230";
    private const string To = "1.18.231";

    [Fact]
    public async Task Install_on_the_update_entity_updates_the_plug_and_the_entity_shows_progress_then_the_new_version()
    {
        await using var bench = await OtaBench.StartAsync(1, _ => "BK7231N");
        var plug = bench.Fleet.Plugs[0];
        plug.OtaPiecePause = TimeSpan.FromMilliseconds(5); // a download of a few seconds, so progress is visible
        var id = bench.IdOf(plug);
        var configTopic = $"homeassistant/device/{id}/config";

        // Home Assistant's view: the retained discovery config and the entity's state topic
        var seen = new ConcurrentQueue<(string Topic, string Payload)>();
        using var ha = new MqttClientFactory().CreateMqttClient();
        ha.ApplicationMessageReceivedAsync += e =>
        {
            seen.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? ""));
            return Task.CompletedTask;
        };
        await ha.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(bench.Broker.Host, bench.Broker.Port).WithClientId("ha-probe").Build());
        await ha.SubscribeAsync(configTopic);
        JsonNode? firmware = null;
        await Eventually.TrueAsync(() =>
        {
            var config = seen.LastOrDefault(m => m.Topic == configTopic && m.Payload.Length > 0).Payload;
            firmware = config is null ? null : JsonNode.Parse(config)!["cmps"]?["firmware"];
            return firmware?["cmd_t"] is not null;
        }, TimeSpan.FromSeconds(30), "the update entity announced with an install command");
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", configTopic, seen.Last(m => m.Topic == configTopic).Payload));
        Assert.Equal("install", firmware!["pl_inst"]!.GetValue<string>());
        var stateTopic = firmware["stat_t"]!.GetValue<string>();
        var installTopic = firmware["cmd_t"]!.GetValue<string>();
        await ha.SubscribeAsync(stateTopic);

        IEnumerable<JsonNode> States() => seen.Where(m => m.Topic == stateTopic && m.Payload.Length > 0).Select(m => JsonNode.Parse(m.Payload)!);
        await Eventually.TrueAsync(() => States().Any(s => (string?)s["installed_version"] == From), TimeSpan.FromSeconds(30), "installed version from the plug");

        // a file added to the library later is the new "latest" at once, without any event from the plug
        await bench.UploadAsync($"OpenBK7231N_{To}.rbl", SyntheticRbl.Build("BK7231N", To, 200_000));
        await Eventually.TrueAsync(() => States().Any(s => (string?)s["installed_version"] == From && (string?)s["latest_version"] == To),
            TimeSpan.FromSeconds(30), "installed version from the plug, latest from the library");

        await ha.PublishStringAsync(installTopic, "install");

        await Eventually.TrueAsync(() => States().Any(s => (bool?)s["in_progress"] == true), TimeSpan.FromSeconds(30), "the entity shows the update in progress");
        await Eventually.TrueAsync(() => States().LastOrDefault() is { } s && (string?)s["installed_version"] == To && (bool?)s["in_progress"] == false,
            TimeSpan.FromSeconds(90), "the entity shows the new installed version");
        Assert.Equal(To, plug.FirmwareVersion);
        Assert.Contains(States(), s => s["update_percentage"] is { } p && p.GetValue<int>() is > 0 and <= 100);
    }
}
