using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary>The host and port to paste into Home Assistant, for each way the broker can run.</summary>
public sealed class HomeAssistantAccountTests
{
    [Theory]
    [InlineData("mosquitto", "192.168.1.20", "192.168.1.20")] // compose: the service name means nothing to HA
    [InlineData("mosquitto", null, "mosquitto")] // no caller address (the CLI; --host names it there)
    [InlineData("broker.lan", "192.168.1.20", "broker.lan")]
    [InlineData("192.168.1.5", "192.168.1.20", "192.168.1.5")]
    [InlineData("localhost", "192.168.1.20", "localhost")]
    public void An_external_brokers_host_is_kept_unless_it_is_a_container_service_name(string brokerHost, string? requestHost, string expected)
    {
        using var data = new TempDir("ha-account");
        var accounts = BrokerAccounts.Open(Path.Combine(data.Path, BrokerAccounts.FileName), null);
        var account = BrokerAdmin.HomeAssistantFor(new MqttOptions { Host = brokerHost, Port = 1883 }, null, accounts, requestHost);
        Assert.Equal((expected, 1883), (account.Host, account.Port));
    }
}
