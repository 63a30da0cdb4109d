using System.Globalization;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Extensions;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// Publishes discovery messages (retained, QoS 1): the hub device, the device count, one device message per plug and
/// its firmware state, and removals. Remembers what it last published so unchanged configs are not sent again.
/// </summary>
internal sealed class DiscoveryPublisher(BridgeContext bridge, DiscoveryContext context)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _firmware = new(StringComparer.Ordinal);
    private int _lastCount = -1;

    public bool CountChanged => bridge.State.Count != Volatile.Read(ref _lastCount);

    /// <summary>After a (re)connect the broker may have lost every retained config: publish all again.</summary>
    public void ClearCache()
    {
        lock (_gate)
        {
            _published.Clear();
            _firmware.Clear();
        }
    }

    public async Task PublishHubAsync(CancellationToken ct)
    {
        var hub = DiscoveryBuilder.ForHub(context);
        await bridge.PublishAsync(hub.Topic, hub.Payload, retain: true, ct: ct).ConfigureAwait(false);
        await PublishDeviceCountAsync(ct).ConfigureAwait(false);
    }

    public async Task PublishDeviceCountAsync(CancellationToken ct)
    {
        var count = bridge.State.Count;
        Volatile.Write(ref _lastCount, count);
        await bridge.PublishAsync(context.HubDeviceCountTopic, count.ToString(CultureInfo.InvariantCulture), retain: true, ct: ct).ConfigureAwait(false);
    }

    /// <summary>One device's discovery message (skipped when unchanged unless <paramref name="force"/>), then its firmware state if changed. True when sent.</summary>
    public async Task<bool> PublishDeviceAsync(DeviceSnapshot device, bool force, CancellationToken ct)
    {
        var message = DiscoveryBuilder.ForDevice(device, context);
        lock (_gate)
        {
            if (!force && _published.TryGetValue(device.Id, out var last) && last == message.Payload)
            {
                return false;
            }
            _published[device.Id] = message.Payload;
        }
        try
        {
            await bridge.PublishAsync(message.Topic, message.Payload, retain: true, ct: ct).ConfigureAwait(false);
        }
        catch
        {
            Forget(device.Id);
            throw;
        }
        if (bridge.State.Find(device.Id) is null)
        {
            // forgotten while this config was on its way: its removal may have gone out first, so remove again
            await RemoveDeviceAsync(device.Id, ct).ConfigureAwait(false);
            return false;
        }
        if (context.OffersFirmwareInstall)
        {
            return true; // the firmware state topic belongs to the extension that offers the install
        }
        var firmware = DiscoveryBuilder.FirmwareState(device.Record);
        lock (_gate)
        {
            if (_firmware.TryGetValue(device.Id, out var lastFirmware) && lastFirmware == firmware)
            {
                return true;
            }
            _firmware[device.Id] = firmware;
        }
        await bridge.PublishAsync(context.FirmwareStateTopic(device.Id), firmware, retain: true, ct: ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Empty retained payloads on the device's discovery and firmware topics remove it from HA.</summary>
    public async Task RemoveDeviceAsync(string deviceId, CancellationToken ct)
    {
        Forget(deviceId);
        var removal = DiscoveryBuilder.Removal(context.Prefix, deviceId);
        await bridge.PublishAsync(removal.Topic, removal.Payload, retain: true, ct: ct).ConfigureAwait(false);
        await bridge.PublishAsync(context.FirmwareStateTopic(deviceId), "", retain: true, ct: ct).ConfigureAwait(false);
        await PublishDeviceCountAsync(ct).ConfigureAwait(false);
    }

    public void Forget(string deviceId)
    {
        lock (_gate)
        {
            _published.Remove(deviceId);
            _firmware.Remove(deviceId);
        }
    }
}
