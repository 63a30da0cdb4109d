using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using OpenBekenHub.Hosting;
using OpenBekenHub.TestKit;
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
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("sub").Build());
        await subscriber.SubscribeAsync("obk_test/#");
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("pub").Build());
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
}
