using Microsoft.Extensions.Options;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Firmware;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Store;

namespace OpenBekenHub.Demo;

/// <summary>
/// <c>--demo</c>: simulated OpenBeken plugs on the embedded broker and a simulated flashing station (the BK7231N
/// bootloader emulator on a pseudo-terminal, holding a stock plug's flash). A plug flashed there "boots" what was
/// written: the plug simulator reads its configuration block and joins the broker, so the whole story runs without
/// hardware. Registered only in demo mode.
/// </summary>
internal sealed class DemoMode(
    IOptions<MqttOptions> mqtt,
    FlashStations stations,
    FirmwareLibrary firmware,
    ProfileStore profiles,
    Mqtt.Security.BrokerAccounts accounts,
    IOptions<Mqtt.Options.BridgeOptions> bridgeOptions,
    ILoggerFactory loggers) : BackgroundService
{
    public const int PlugCount = 6;
    private readonly ILogger _logger = loggers.CreateLogger<DemoMode>();
    private readonly List<IAsyncDisposable> _owned = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var port = mqtt.Value.Effective.Port;
        var host = mqtt.Value.Effective.Host;
        var next = 0;
        var subnet = Random.Shared.Next(1, 255); // own loopback addresses, so two demo hubs (tests) do not collide
        var httpPort = bridgeOptions.Value.DeviceHttpPort;
        var withAccount = SimulatedPlugAccounts.Issue(mqtt.Value.Embedded.Accounts, accounts, "demo");
        var fleet = await PlugFleet.StartAsync(host, port, PlugCount, new PlugFleetOptions
        {
            PowerMeterEvery = 2,
            // each demo plug serves the firmware's web API on its own loopback address (pins, log lines)
            // and, "flashed by this hub", its own broker account
            Customize = s => withAccount(s with { Ip = $"127.{subnet}.1.{Interlocked.Increment(ref next)}", HttpPort = httpPort }),
        }, cancellationToken: stoppingToken);
        _owned.Add(fleet);
        StartLoads(fleet);
        _logger.LogInformation("Demo: {Count} simulated OpenBeken plugs on {Host}:{Port}", PlugCount, host, port);

        if ((await firmware.ListAsync(stoppingToken)).Count == 0)
        {
            await firmware.AddAsync("OpenBK7231N_QIO_demo.bin", SyntheticFirmware.Bk7231NQio(), stoppingToken);
        }
        if ((await profiles.ListAsync(stoppingToken)).Count == 0)
        {
            await profiles.SaveAsync(null, new ProfileInput("Demo network", "DemoWifi", "demo-wifi-pass", host, port, null, null, "obk_{mac6}", "obks"), stoppingToken);
        }
        await RunStationAsync(host, port, stoppingToken);
    }

    /// <summary>Demo registrations: picks the demo plugs' HTTP port and points the bridge's plug HTTP client at it.</summary>
    public static void Configure(IServiceCollection services)
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        // the demo plugs' web servers: a free port instead of the firmware's 80, which needs root
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        services.PostConfigure<Mqtt.Options.BridgeOptions>(o => o.DeviceHttpPort = port);
        services.AddHostedService<DemoMode>();
    }

    /// <summary>Metering plugs get something plugged in (a lamp, a fridge, a heater) and switched on: watts move, energy grows.</summary>
    private static void StartLoads(PlugFleet fleet)
    {
        MeterLoad[] loads = [new(60, Swing: 0.03), new(120, CycleSeconds: 240, DutyCycle: 0.4, PowerFactor: 0.8), new(1800, Swing: 0.05, CycleSeconds: 90, DutyCycle: 0.7, PowerFactor: 1)];
        var i = 0;
        foreach (var plug in fleet.Plugs.Where(p => p.Meter is not null))
        {
            plug.Meter!.Load = loads[i++ % loads.Length];
            var relay = plug.RelayChannels.DefaultIfEmpty(1).First();
            plug.Meter.RelayClosed = () => plug.IsRelayOn(relay);
            plug.Execute("POWER ON");
        }
    }

    /// <summary>One station after another: each time a plug is flashed and leaves the bootloader, a fresh stock plug is wired in.</summary>
    private async Task RunStationAsync(string host, int port, CancellationToken ct)
    {
        var serial = 0x100;
        while (!ct.IsCancellationRequested)
        {
            var mac = $"c8:47:8c:00:{serial >> 8:x2}:{serial & 0xFF:x2}";
            serial++;
            await using var station = await PtyBootloader.StartAsync(new EmulatorOptions
            {
                Chip = EmulatedChip.Bk7231N,
                InitialImage = StockFlash.Build(EmulatedChip.Bk7231N, mac),
                LinkCheckDelay = TimeSpan.FromSeconds(1), // the demo user "touches CEN" a second after Start
            }, loggers.CreateLogger<BootloaderEmulator>(), ct);
            stations.AddSimulated(station.HostPath, "Demo station (simulated BK7231N plug)");
            _logger.LogInformation("Demo: flashing station ready on {Port} (stock plug {Mac})", station.HostPath, mac);
            while (!station.Emulator.RunningApp)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
            try
            {
                var settings = FirmwareBoot.FromFlash(station.Emulator.Flash.Snapshot(), "BK7231N");
                var plug = new SimulatedPlug(settings);
                await plug.StartAsync(ct);
                _owned.Add(plug);
                _logger.LogInformation("Demo: the flashed plug booted OpenBeken as {Topic}", settings.ClientTopic);
            }
            catch (FirmwareBootException ex)
            {
                _logger.LogInformation("Demo: the flashed plug has no usable configuration ({Problem}); it would open its own access point", ex.Problem);
            }
            stations.RemoveSimulated(station.HostPath);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }
}
