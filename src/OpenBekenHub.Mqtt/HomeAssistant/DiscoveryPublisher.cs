using System.Globalization;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Extensions;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// Publishes discovery messages (retained, QoS 1): the hub device, the device count, one device message per plug and
/// its firmware state, and removals. Remembers what it last published so unchanged configs are not sent again.
/// A replaced plug is never announced; a replacement is announced as the plug it replaced and its own earlier config
/// is removed, so HA has one device (<see cref="IHomeAssistantIdentities"/>).
/// </summary>
internal sealed class DiscoveryPublisher(BridgeContext bridge, DiscoveryContext context, IHomeAssistantIdentities? identities)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _firmware = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownConfigCleared = new(StringComparer.Ordinal);
    private int _lastCount = -1;

    public bool CountChanged => bridge.State.Count != Volatile.Read(ref _lastCount);

    /// <summary>After a (re)connect the broker may have lost every retained config: publish all again.</summary>
    public void ClearCache()
    {
        lock (_gate)
        {
            _published.Clear();
            _firmware.Clear();
            _ownConfigCleared.Clear();
        }
    }

    public HomeAssistantIdentity? IdentityOf(string deviceId) => identities?.Of(deviceId);

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

    /// <summary>
    /// One device's discovery message (skipped when unchanged unless <paramref name="force"/>, never for a replaced
    /// plug), then its firmware state if changed. True when sent.
    /// </summary>
    public async Task<bool> PublishDeviceAsync(DeviceSnapshot device, bool force, CancellationToken ct)
    {
        var identity = IdentityOf(device.Id);
        if (identity?.ReplacedBy is not null)
        {
            Forget(device.Id);
            return false;
        }
        var message = DiscoveryBuilder.ForDevice(device, context, identity);
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
        if (identity is not null && identity.BaseId != device.Id)
        {
            await ClearOwnConfigAsync(device.Id, force, ct).ConfigureAwait(false);
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

    /// <summary>
    /// A replacement's own config from before it took over (it was adopted under its own id) goes, after the config on
    /// the replaced plug's topic: HA then has one device. Again after each (re)connect and forced announcement.
    /// </summary>
    private async Task ClearOwnConfigAsync(string deviceId, bool force, CancellationToken ct)
    {
        lock (_gate)
        {
            if (!_ownConfigCleared.Add(deviceId) && !force)
            {
                return;
            }
        }
        var removal = DiscoveryBuilder.Removal(context.Prefix, deviceId);
        try
        {
            await bridge.PublishAsync(removal.Topic, removal.Payload, retain: true, ct: ct).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                _ownConfigCleared.Remove(deviceId);
            }
            throw;
        }
    }

    /// <summary>
    /// Empty retained payloads on the device's discovery and firmware topics remove it from HA. A replaced plug's
    /// discovery topic belongs to its replacement and is left alone; a replacement's is the replaced plug's topic.
    /// </summary>
    public async Task RemoveDeviceAsync(string deviceId, CancellationToken ct)
    {
        Forget(deviceId);
        var identity = IdentityOf(deviceId);
        if (identity?.ReplacedBy is null)
        {
            var removal = DiscoveryBuilder.Removal(context.Prefix, identity?.BaseId ?? deviceId);
            await bridge.PublishAsync(removal.Topic, removal.Payload, retain: true, ct: ct).ConfigureAwait(false);
        }
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
