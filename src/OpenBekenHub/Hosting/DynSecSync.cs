using System.Text.Json.Nodes;
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
                await EnsureHubAccountsAsync(stoppingToken);
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

    /// <summary>Plug accounts per control message: one message per plug would mean 3 round trips each (10,000 plugs: minutes).</summary>
    internal const int BatchSize = 100;

    /// <summary>The hub's own client and Home Assistant's, with their roles (at start).</summary>
    internal async Task EnsureHubAccountsAsync(CancellationToken ct)
    {
        await EnsureAccountsAsync([(accounts.Hub, accounts.Hub.Password!)], replaceRole: false, ct);
        await EnsureAccountsAsync([(accounts.HomeAssistant, accounts.HomeAssistant.Password!)], replaceRole: false, ct);
        logger.LogInformation("Dynamic security on {Host}: hub client {Hub} (client id {ClientId}) and Home Assistant client {Ha} in place",
            mqtt.Value.Host, accounts.Hub.Username, accounts.Hub.ClientId, accounts.HomeAssistant.Username);
    }

    /// <summary>Creates (or updates) the plug's client and role; throws when the broker did not take it.</summary>
    public async Task PushPlugAsync(BrokerAccount plug, string password, CancellationToken ct)
    {
        await EnsureAccountsAsync([(plug, password)], replaceRole: true, ct);
        logger.LogInformation("Dynamic security: plug client {Plug} created with its own role", plug.Username);
    }

    /// <summary>Creates (or updates) any account's client; a plug's role is replaced, another kind's shared role kept.</summary>
    internal Task PushAccountAsync(BrokerAccount account, string password, CancellationToken ct) =>
        EnsureAccountsAsync([(account, password)], replaceRole: account.Kind == AccountKind.Plug, ct);

    /// <summary>Creates (or updates) many plugs' clients and roles, <see cref="BatchSize"/> per control message.</summary>
    /// <param name="batchSize">Accounts per control message (the benchmark compares sizes).</param>
    public async Task PushPlugsAsync(IReadOnlyList<(BrokerAccount Account, string Password)> plugs, CancellationToken ct, int batchSize = BatchSize)
    {
        ArgumentNullException.ThrowIfNull(plugs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (var chunk in plugs.Chunk(batchSize))
        {
            await EnsureAccountsAsync(chunk, replaceRole: true, ct);
        }
        logger.LogInformation("Dynamic security: {Count} plug clients created with their own roles", plugs.Count);
    }

    /// <summary>
    /// One control message with, per account, [deleteRole], createRole, createClient (processed in order by the plugin);
    /// then one with modifyClient for the clients that existed already.
    /// </summary>
    private async Task EnsureAccountsAsync(IReadOnlyList<(BrokerAccount Account, string Password)> batch, bool replaceRole, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var client = _client ??= await DynSecClient.ConnectAsync(mqtt.Value.Host!, mqtt.Value.Port, mqtt.Value.DynSec.Username!, mqtt.Value.DynSec.Password!, mqtt.Value.UseTls, ct);
            var commands = new List<JsonObject>();
            foreach (var (account, password) in batch)
            {
                if (replaceRole)
                {
                    commands.Add(new() { ["command"] = "deleteRole", ["rolename"] = DynSecCommands.RoleName(account) });
                }
                commands.Add(DynSecCommands.CreateRole(account));
                commands.Add(DynSecCommands.CreateClient(account, password));
            }
            var errors = await client.SendAsync(commands, ct);
            var perAccount = replaceRole ? 3 : 2;
            var existing = new List<JsonObject>();
            for (var i = 0; i < batch.Count; i++)
            {
                var (account, password) = batch[i];
                if (errors[(i * perAccount) + perAccount - 2] is { } roleError && !IsExists(roleError))
                {
                    throw new InvalidOperationException($"dynamic security refused role {DynSecCommands.RoleName(account)}: {roleError}");
                }
                if (errors[(i * perAccount) + perAccount - 1] is { } createError)
                {
                    if (!IsExists(createError))
                    {
                        throw new InvalidOperationException($"dynamic security refused client {account.Username}: {createError}");
                    }
                    existing.Add(DynSecCommands.ModifyClient(account, password));
                }
            }
            if (existing.Count > 0)
            {
                var modified = await client.SendAsync(existing, ct);
                if (modified.Select((e, i) => (e, i)).FirstOrDefault(x => x.e is not null) is { e: { } modifyError } failed)
                {
                    throw new InvalidOperationException($"dynamic security refused to update client {existing[failed.i]["username"]}: {modifyError}");
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

        static bool IsExists(string error) => error.Contains("exists", StringComparison.OrdinalIgnoreCase);
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
