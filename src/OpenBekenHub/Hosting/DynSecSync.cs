using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Hosting;

/// <summary>
/// With an external Mosquitto and <c>Mqtt:DynSec:Username</c>/<c>Password</c>: keeps the hub's own client, Home
/// Assistant's and each new plug's in Mosquitto's dynamic-security plugin, with roles generated from the same
/// <see cref="TopicRules"/> as the embedded broker. The hub's bridge then logs in with its own account.
/// </summary>
internal sealed class DynSecSync(IOptions<MqttOptions> mqtt, BrokerAccounts accounts, ILogger<DynSecSync> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DynSecClient? _client;

    public bool Enabled => !mqtt.Value.UsesEmbeddedBroker && mqtt.Value.DynSec.Enabled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureAccountAsync(accounts.Hub, accounts.Hub.Password!, replaceRole: false, stoppingToken);
                await EnsureAccountAsync(accounts.HomeAssistant, accounts.HomeAssistant.Password!, replaceRole: false, stoppingToken);
                logger.LogInformation("Dynamic security on {Host}: hub client {Hub} and Home Assistant client {Ha} in place", mqtt.Value.Host, accounts.Hub.Username, accounts.HomeAssistant.Username);
                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt++ == 0)
                {
                    logger.LogWarning("Dynamic security on {Host}:{Port} not reachable yet ({Message}); retrying", mqtt.Value.Host, mqtt.Value.Port, ex.Message);
                }
                await DropClientAsync();
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), stoppingToken);
            }
        }
    }

    /// <summary>Creates (or updates) the plug's client and role; throws when the broker did not take it.</summary>
    public async Task PushPlugAsync(BrokerAccount plug, string password, CancellationToken ct)
    {
        await EnsureAccountAsync(plug, password, replaceRole: true, ct);
        logger.LogInformation("Dynamic security: plug client {Plug} created with its own role", plug.Username);
    }

    private async Task EnsureAccountAsync(BrokerAccount account, string password, bool replaceRole, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var client = _client ??= await DynSecClient.ConnectAsync(mqtt.Value.Host!, mqtt.Value.Port, mqtt.Value.DynSec.Username!, mqtt.Value.DynSec.Password!, mqtt.Value.UseTls, ct);
            if (replaceRole)
            {
                await client.SendAsync([new() { ["command"] = "deleteRole", ["rolename"] = DynSecCommands.RoleName(account) }], ct);
            }
            var role = await client.SendAsync([DynSecCommands.CreateRole(account)], ct);
            if (role[0] is { } roleError && !roleError.Contains("exists", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"dynamic security refused role {DynSecCommands.RoleName(account)}: {roleError}");
            }
            var created = await client.SendAsync([DynSecCommands.CreateClient(account, password)], ct);
            if (created[0] is { } createError)
            {
                if (!createError.Contains("exists", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"dynamic security refused client {account.Username}: {createError}");
                }
                var modified = await client.SendAsync([DynSecCommands.ModifyClient(account, password)], ct);
                if (modified[0] is { } modifyError)
                {
                    throw new InvalidOperationException($"dynamic security refused to update client {account.Username}: {modifyError}");
                }
            }
        }
        catch
        {
            await DropClientUnlockedAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropClientAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropClientUnlockedAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropClientUnlockedAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
            _client = null;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DropClientAsync();
    }
}
