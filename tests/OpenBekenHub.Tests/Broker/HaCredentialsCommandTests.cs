using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Hosting;
using OpenBekenHub.Tests.Foundation;
using OpenBekenHub.Tests.Support;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary><c>obkhub broker ha-credentials</c> answers what the running hub's API answers, from the same configuration.</summary>
public sealed class HaCredentialsCommandTests
{
    [Fact]
    public async Task The_verb_prints_the_hubs_own_answer_for_its_configured_port_and_address()
    {
        using var data = new TempDir("ha-credentials");
        var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        string api;
        await using (var hub = await HubHost.StartAsync(data, $"--Mqtt:Embedded:Port={port}", "--Mqtt:Embedded:Address=127.0.0.1"))
        {
            using var http = await hub.LoggedInClientAsync();
            api = await http.GetStringAsync("/api/broker/accounts/homeassistant");
        }
        var expected = JsonSerializer.Deserialize<HomeAssistantAccount>(api, JsonSerializerOptions.Web)!;
        Assert.Equal(("127.0.0.1", int.Parse(port, CultureInfo.InvariantCulture)), (expected.Host, expected.Port));

        // the same keys as arguments, and as OBKHUB__ variables
        var fromArgs = await RunAsync(["broker", "ha-credentials", "--data", data.Path, "--json", "--Mqtt:Embedded:Port", port, "--Mqtt:Embedded:Address", "127.0.0.1"], null);
        Assert.Equal(expected, fromArgs);
        var fromEnv = await RunAsync(["broker", "ha-credentials", "--data", data.Path, "--json"],
            new Dictionary<string, string> { ["OBKHUB__Mqtt__Embedded__Port"] = port, ["OBKHUB__Mqtt__Embedded__Address"] = "127.0.0.1" });
        Assert.Equal(expected, fromEnv);

        // an external broker: its host and port, as the API would say
        var external = await RunAsync(["broker", "ha-credentials", "--data", data.Path, "--json", "--Mqtt:Host", "broker.lan", "--Mqtt:Port", "8883"], null);
        Assert.Equal(expected with { Host = "broker.lan", Port = 8883 }, external);
        // the compose stack: Home Assistant on the host network reaches Mosquitto as 127.0.0.1, not by its service name
        var compose = await RunAsync(["broker", "ha-credentials", "--data", data.Path, "--json", "--host", "127.0.0.1"],
            new Dictionary<string, string> { ["OBKHUB__Mqtt__Host"] = "mosquitto" });
        Assert.Equal(expected with { Host = "127.0.0.1", Port = 1883 }, compose);

        // listening on all interfaces: the host Home Assistant reaches this machine by
        var all = await RunAsync(["broker", "ha-credentials", "--data", data.Path, "--json", "--host", "pi.lan", "--Mqtt:Embedded:Port", port], null);
        Assert.Equal(expected with { Host = "pi.lan" }, all);
    }

    [Fact]
    public async Task A_bad_configuration_value_is_one_line_naming_the_key()
    {
        using var data = new TempDir("ha-credentials-bad");
        await using (await HubHost.StartAsync(data))
        {
        }
        await using var process = ObkhubProcess.Start(["broker", "ha-credentials", "--data", data.Path, "--Mqtt:Embedded:Port", "abc"]);
        Assert.Equal(78, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Mqtt:Embedded:Port", process.Stderr, StringComparison.Ordinal);
        Assert.Single(process.Stderr.Trim().Split('\n'));
    }

    private static async Task<HomeAssistantAccount> RunAsync(string[] args, IDictionary<string, string>? environment)
    {
        await using var process = ObkhubProcess.Start(args, environment);
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return JsonSerializer.Deserialize<HomeAssistantAccount>(process.Stdout, JsonSerializerOptions.Web)!;
    }
}
