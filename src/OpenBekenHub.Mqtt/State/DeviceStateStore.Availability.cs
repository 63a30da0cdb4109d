using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.State;

/// <summary>Availability across broker connections: what the hub did not hear itself is unknown, then offline.</summary>
public sealed partial class DeviceStateStore
{
    /// <summary>The hub lost the broker: nothing it knew about presence holds any more.</summary>
    public void BrokerDisconnected()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var entry in _byTopic.Values)
            {
                SetAvailabilityLocked(entry, Availability.Unknown, now);
            }
        }
    }

    /// <summary>Devices that did not speak since the hub (re)connected; the availability extension asks them.</summary>
    public IReadOnlyList<DeviceSnapshot> Unverified()
    {
        lock (_gate)
        {
            return _byId.Values.Where(e => e.Availability == Availability.Unknown).Select(Snapshot).ToList();
        }
    }

    /// <summary>The answer window after a (re)connect is over: devices still unknown are offline. Returns how many.</summary>
    public int ExpireUnverified()
    {
        var now = _time.GetUtcNow();
        var expired = 0;
        lock (_gate)
        {
            foreach (var entry in _byTopic.Values)
            {
                if (entry.Availability == Availability.Unknown)
                {
                    SetAvailabilityLocked(entry, Availability.Offline, now);
                    expired++;
                }
            }
        }
        return expired;
    }
}
