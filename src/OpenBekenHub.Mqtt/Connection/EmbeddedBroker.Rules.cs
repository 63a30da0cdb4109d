using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Mqtt.Connection;

/// <summary>The per-message half of the embedded broker: topic rules, byte budgets, and moving a joining plug to its account.</summary>
public sealed partial class EmbeddedBroker
{
    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        // messages the broker injects itself carry no session
        if (string.IsNullOrEmpty(e.ClientId) || e.SessionItems?[RulesKey] is not CompiledRules rules)
        {
            return Task.CompletedTask;
        }
        if (rules.Account.Kind == AccountKind.Hub)
        {
            return Task.CompletedTask;
        }
        var message = e.ApplicationMessage;
        if (!rules.CanPublish(message.Topic))
        {
            e.ProcessPublish = false;
            _denials.Report(e.ClientId, rules.Account.Username, "publish", message.Topic);
            return Task.CompletedTask;
        }
        if (message.Retain && !_budgets.TryRetain(rules.Account.Username, message.Topic, message.Payload.Length))
        {
            e.ProcessPublish = false;
            _denials.Report(e.ClientId, rules.Account.Username, "retain (over Mqtt:Embedded:MaxRetainedBytesPerClient)", message.Topic);
        }
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems?[RulesKey] is not CompiledRules rules || rules.CanSubscribe(e.TopicFilter.Topic))
        {
            return Task.CompletedTask;
        }
        e.ProcessSubscription = false;
        e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        _denials.Report(e.ClientId, rules.Account.Username, "subscribe", e.TopicFilter.Topic);
        return Task.CompletedTask;
    }

    private Task InterceptEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        if (e.SenderClientId == CredentialSender)
        {
            // a plug's new password goes to that plug only, not to Home Assistant's "#"
            e.AcceptEnqueue = e.ApplicationMessage.Topic == $"cmnd/{e.ReceiverClientId}/backlog";
            return Task.CompletedTask;
        }
        if (!_budgets.TryQueue(e.ReceiverClientId, e.ApplicationMessage.Payload.Length))
        {
            e.AcceptEnqueue = false;
            _denials.Report(e.ReceiverClientId, null, "delivery (over Mqtt:Embedded:MaxQueuedBytesPerClient)", e.ApplicationMessage.Topic);
        }
        return Task.CompletedTask;
    }

    private Task OutboundAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is MqttPublishPacket publish)
        {
            _budgets.Sent(e.ClientId, publish.Payload.Length);
        }
        return Task.CompletedTask;
    }

    /// <summary>Once a joining plug listens on its command topic, it is told its own account and restarted (openbeken.md §4.2).</summary>
    private async Task SubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        if (e.SessionItems?[JoinKey] is not string password || e.SessionItems[RulesKey] is not CompiledRules rules)
        {
            return;
        }
        var c = rules.Account.Username;
        if (e.TopicFilter.Topic is not ({ } f) || !(f == $"cmnd/{c}/+" || f == $"cmnd/{c}/#"))
        {
            return;
        }
        e.SessionItems.Remove(JoinKey);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"cmnd/{c}/backlog")
            .WithPayload($"MqttUser {c}; MqttPassword {password}; restart")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = CredentialSender }).ConfigureAwait(false);
            _logger.LogInformation("Broker: sent plug {ClientId} its own account (MqttUser/MqttPassword, restart)", c);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            _logger.LogWarning("Broker: could not send plug {ClientId} its account: {Message}", c, ex.Message);
        }
    }

    /// <summary>Logs refused publishes/subscriptions without letting one misbehaving client flood the log.</summary>
    private sealed class DenialLog(ILogger logger)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Report(string clientId, string? username, string what, string topic)
        {
            Interlocked.Increment(ref _count);
            if (_seen.Count < 10_000 && _seen.TryAdd($"{clientId}\n{what}\n{topic}", 0))
            {
                logger.LogWarning("Broker denied {What} on '{Topic}' to client {ClientId} (account {Username})", what, topic, clientId, username ?? "-");
            }
        }
    }
}
