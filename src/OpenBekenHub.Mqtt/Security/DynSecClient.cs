using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace OpenBekenHub.Mqtt.Security;

/// <summary>
/// Talks to Mosquitto's dynamic-security plugin over its MQTT API: JSON <c>{"commands":[…]}</c> published to
/// <c>$CONTROL/dynamic-security/v1</c>, answers <c>{"responses":[{command, error?, correlationData}]}</c> on
/// <c>…/v1/response</c> (mosquitto plugins/dynamic-security/README.md, plugin.c).
/// </summary>
public sealed class DynSecClient : IAsyncDisposable
{
    public const string Topic = "$CONTROL/dynamic-security/v1";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PerCommand = TimeSpan.FromSeconds(1);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new(StringComparer.Ordinal);

    private DynSecClient()
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == Topic + "/response" && JsonNode.Parse(e.ApplicationMessage.ConvertPayloadToString() ?? "{}") is JsonObject reply
                && reply["responses"] is JsonArray responses)
            {
                foreach (var r in responses.OfType<JsonObject>())
                {
                    if (r["correlationData"]?.GetValue<string>() is { } id && _pending.TryRemove(id, out var waiter))
                    {
                        waiter.TrySetResult(r);
                    }
                }
            }
            return Task.CompletedTask;
        };
    }

    public static async Task<DynSecClient> ConnectAsync(string host, int port, string username, string password, bool useTls, CancellationToken ct)
    {
        var client = new DynSecClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port)
            .WithClientId("obkhub-dynsec-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCredentials(username, password)
            // Mosquitto answers nothing (not even PINGREQ) while it works through a control message, which takes
            // minutes for a large batch: no keep-alive, and the replies (correlated below) are the confirmation
            .WithKeepAlivePeriod(TimeSpan.Zero)
            .WithTimeout(Timeout);
        if (useTls)
        {
            options = options.WithTlsOptions(o => o.UseTls());
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            var result = await client._client.ConnectAsync(options.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"dynamic-security admin '{username}' refused: {result.ResultCode}");
            }
            await client._client.SubscribeAsync(Topic + "/response", MqttQualityOfServiceLevel.AtLeastOnce, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return client;
    }

    /// <summary>Sends commands in one message and returns each command's error (null = done), in order.</summary>
    public async Task<IReadOnlyList<string?>> SendAsync(IReadOnlyList<JsonObject> commands, CancellationToken ct)
    {
        var waits = new List<Task<JsonObject>>();
        var array = new JsonArray();
        foreach (var command in commands)
        {
            var id = Guid.NewGuid().ToString("N");
            command["correlationData"] = id;
            var waiter = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = waiter;
            waits.Add(waiter.Task);
            array.Add(command);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Mosquitto 2.0 rewrites its whole dynsec JSON file after every changing command, so a batch's time grows
        // with its length and with the number of clients already there
        timeout.CancelAfter(Timeout + (PerCommand * commands.Count));
        try
        {
            // QoS 0: a PUBACK would come only after the plugin processed every command, past the client's request
            // timeout; the per-command replies are the acknowledgement (TCP delivers the message or the connection fails)
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic)
                .WithPayload(new JsonObject { ["commands"] = array }.ToJsonString())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build(), timeout.Token).ConfigureAwait(false);
            var replies = await Task.WhenAll(waits).WaitAsync(timeout.Token).ConfigureAwait(false);
            return [.. replies.Select(r => r["error"]?.GetValue<string>())];
        }
        finally
        {
            foreach (var command in array.OfType<JsonObject>())
            {
                _pending.TryRemove(command["correlationData"]!.GetValue<string>(), out _);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // broker gone
            }
        }
        _client.Dispose();
    }
}

/// <summary>The dynsec commands for the hub's accounts, generated from <see cref="TopicRules"/>.</summary>
public static class DynSecCommands
{
    public static string RoleName(BrokerAccount account) => account.Kind switch
    {
        AccountKind.Plug => "obkplug-" + account.Username,
        AccountKind.HomeAssistant => "obkhub-homeassistant",
        _ => "obkhub-hub",
    };

    public static JsonArray Acls(BrokerAccount account)
    {
        var acls = new JsonArray();
        foreach (var rule in TopicRules.For(account))
        {
            acls.Add(new JsonObject
            {
                ["acltype"] = rule.Action == AclAction.Publish ? "publishClientSend" : "subscribePattern",
                ["topic"] = rule.Filter,
                ["priority"] = rule.Priority,
                ["allow"] = rule.Allow,
            });
        }
        return acls;
    }

    public static JsonObject CreateRole(BrokerAccount account) =>
        new() { ["command"] = "createRole", ["rolename"] = RoleName(account), ["acls"] = Acls(account) };

    public static JsonObject CreateClient(BrokerAccount account, string password)
    {
        var command = new JsonObject
        {
            ["command"] = "createClient",
            ["username"] = account.Username,
            ["password"] = password,
            ["roles"] = new JsonArray(new JsonObject { ["rolename"] = RoleName(account), ["priority"] = 0 }),
        };
        if (account.ClientId is not null)
        {
            command["clientid"] = account.ClientId; // dynsec refuses the username with any other client id
        }
        return command;
    }

    /// <summary>For an existing client: new password, client id and role.</summary>
    public static JsonObject ModifyClient(BrokerAccount account, string password)
    {
        var command = CreateClient(account, password);
        command["command"] = "modifyClient";
        return command;
    }

    public static JsonObject DeleteClient(string username) => new() { ["command"] = "deleteClient", ["username"] = username };
}
