using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Broker;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task Hub_runs_an_embedded_broker_that_plain_mqtt_clients_can_publish_and_subscribe_on()
    {
        await using var hub = await HubHost.StartAsync();
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port;

        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        using var publisher = factory.CreateMqttClient();
        var received = new List<string>();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
            {
                received.Add(e.ApplicationMessage.Topic + "=" + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            }
            return Task.CompletedTask;
        };
        // accounts are on: Home Assistant's reads, a plug's account publishes its own topic
        var (haUser, haPassword) = hub.HomeAssistant();
        var (plug, plugPassword) = hub.Service<BrokerAccounts>().IssuePlug("obk_test", null, null, "test");
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("sub").WithCredentials(haUser, haPassword).Build());
        await subscriber.SubscribeAsync("obk_test/#");
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("obk_test").WithCredentials(plug.Username, plugPassword).Build());
        await publisher.PublishStringAsync("obk_test/1/get", "1");

        await Eventually.TrueAsync(() => { lock (received) { return received.Contains("obk_test/1/get=1"); } }, because: "message relayed by the embedded broker");
    }

    [Fact]
    public async Task Embedded_broker_with_credentials_refuses_anonymous_clients()
    {
        await using var hub = await HubHost.StartAsync("--Mqtt:Embedded:Username=hub", "--Mqtt:Embedded:Password=pw");
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port;
        using var client = new MqttClientFactory().CreateMqttClient();
        var refused = false;
        try
        {
            var result = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).Build());
            refused = result.ResultCode != MqttClientConnectResultCode.Success;
        }
        catch (MqttCommunicationException)
        {
            refused = true;
        }
        Assert.True(refused, "anonymous client must be refused");

        using var authed = new MqttClientFactory().CreateMqttClient();
        var ok = await authed.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials("hub", "pw").Build());
        Assert.Equal(MqttClientConnectResultCode.Success, ok.ResultCode);
    }

    [Fact]
    public async Task Mosquitto_command_line_clients_without_a_client_id_can_use_the_embedded_broker()
    {
        await using var hub = await HubHost.StartAsync();
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (user, password) = hub.HomeAssistant();
        // mosquitto_sub/pub send an empty client id (MQTT 3.1.1 and 5); the broker must assign one, not refuse them
        await using var sub = ExternalProcess.Start("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password, "-t", "cmnd/cli/#", "-v", "-C", "2", "-W", "20");
        await Eventually.TrueAsync(() => hub.Service<EmbeddedBrokerService>().Broker!.ConnectedClients >= 2, because: "mosquitto_sub connected");
        await using (var pub = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password, "-t", "cmnd/cli/v311", "-m", "one"))
        {
            Assert.Equal(0, await pub.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        await using (var pub5 = ExternalProcess.Start("mosquitto_pub", "-V", "mqttv5", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password, "-t", "cmnd/cli/v5", "-m", "two"))
        {
            Assert.Equal(0, await pub5.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        Assert.Equal(0, await sub.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.Contains("cmnd/cli/v311 one", sub.Output, StringComparison.Ordinal);
        Assert.Contains("cmnd/cli/v5 two", sub.Output, StringComparison.Ordinal);
    }
}
