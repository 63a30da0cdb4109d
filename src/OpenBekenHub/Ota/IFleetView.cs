using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Ota;

/// <summary>What OTA needs to know about one plug: identity, where it is, what it runs, whether it is online.</summary>
public sealed record FleetDevice(string Id, string ClientTopic, string Name, string? Area, string? Ip, string? Chip, string? Version, bool Online);

/// <summary>How many offline/online transitions the hub has seen for a plug (so a quick reboot is not missed between looks).</summary>
public readonly record struct AvailabilityMarks(long Offline, long Online);

/// <summary>
/// The one place OTA reads device state from the bridge. Everything else in <c>Ota/</c> sees plugs only through this,
/// so re-pointing OTA at another bridge means one new implementation.
/// </summary>
public interface IFleetView
{
    IReadOnlyList<FleetDevice> List();

    FleetDevice? Find(string id);

    AvailabilityMarks Marks(string id);

    /// <summary>Waits until <paramref name="condition"/> holds (re-checked on every availability or device change), or the timeout.</summary>
    Task<bool> WaitUntilAsync(string id, Func<FleetDevice, AvailabilityMarks, bool> condition, TimeSpan timeout, CancellationToken ct);
}

/// <summary><see cref="IFleetView"/> over today's <see cref="DeviceStateStore"/> and its events.</summary>
internal sealed class RegistryFleetView : IFleetView, IDisposable
{
    private readonly DeviceStateStore _registry;
    private readonly HubEventBus.Subscription _events;
    private readonly Dictionary<string, (long Offline, long Online)> _marks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RegistryFleetView(DeviceStateStore registry, HubEventBus bus)
    {
        _registry = registry;
        _events = bus.Subscribe();
        _pump = Task.Run(PumpAsync);
    }

    public IReadOnlyList<FleetDevice> List() => [.. _registry.List().Select(ToFleet)];

    public FleetDevice? Find(string id) => _registry.Find(id) is { } d ? ToFleet(d) : null;

    public AvailabilityMarks Marks(string id)
    {
        lock (_gate)
        {
            var m = _marks.GetValueOrDefault(id);
            return new AvailabilityMarks(m.Offline, m.Online);
        }
    }

    public async Task<bool> WaitUntilAsync(string id, Func<FleetDevice, AvailabilityMarks, bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    changed = _changed.Task;
                }
                if (Find(id) is { } device && condition(device, Marks(id)))
                {
                    return true;
                }
                // events are the trigger; the 1 s re-check covers a dropped event (the bus drops the oldest when full)
                await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), deadline.Token)).WaitAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The version is the build's second token (<c>OpenBK7231N 1.18.230_berry …</c>), variant suffix kept.</summary>
    internal static string? VersionOf(string? build)
    {
        var parts = (build ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0].StartsWith("Open", StringComparison.Ordinal) ? parts[1] : null;
    }

    private static FleetDevice ToFleet(DeviceSnapshot d) => new(
        d.Id, d.ClientTopic, d.Record.DisplayName, d.Record.Area, d.Record.Ip, d.Record.Chip, VersionOf(d.Record.Build) ?? d.Record.Version, d.Online);

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in _events.ReadAllAsync(_stop.Token))
            {
                if (e is DeviceAvailabilityChanged a)
                {
                    lock (_gate)
                    {
                        var m = _marks.GetValueOrDefault(a.DeviceId);
                        _marks[a.DeviceId] = a.Online ? (m.Offline, m.Online + 1) : (m.Offline + 1, m.Online);
                    }
                }
                if (e is DeviceAvailabilityChanged or DeviceUpdated or DeviceAdopted)
                {
                    TaskCompletionSource fire;
                    lock (_gate)
                    {
                        fire = _changed;
                        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                    fire.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _events.Dispose();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // the pump ends with the subscription
        }
        _stop.Dispose();
    }
}
