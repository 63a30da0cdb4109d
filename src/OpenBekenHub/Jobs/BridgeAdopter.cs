using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Jobs;

/// <summary>
/// The web job's adopt step: waits for the plug in the bridge's registry — online, and with a channel when its pins
/// give it one — then applies the name and area chosen in the wizard. A plug that comes without its channels is a
/// failure, never "adopted".
/// </summary>
internal sealed class BridgeAdopter(OpenBekenBridge bridge, TimeSpan timeout, string? name, string? area) : IPlugAdopter
{
    public async Task<StepResult> AdoptAsync(FlashJob job, string clientTopic, IReadOnlyList<int> expectedChannels, CancellationToken ct)
    {
        job.AddLog("info", $"Waiting up to {timeout.TotalSeconds:0} s for '{clientTopic}' on MQTT (the plug joins Wi-Fi first).");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        using var subscription = bridge.Bus.Subscribe();
        DeviceSnapshot? device;
        try
        {
            while ((device = bridge.Registry.FindByTopic(clientTopic)) is not { Online: true } || (expectedChannels.Count > 0 && device.Record.Channels.Count == 0))
            {
                await subscription.Reader.WaitToReadAsync(deadline.Token);
                while (subscription.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var seen = bridge.Registry.FindByTopic(clientTopic);
            throw new TimeoutException(seen is { Online: true }
                ? $"'{clientTopic}' is online but reported no channel within {timeout.TotalSeconds:0} s (its pins give channel(s) {string.Join(", ", expectedChannels)}). Check the pins on the device page."
                : $"'{clientTopic}' did not appear on MQTT within {timeout.TotalSeconds:0} s. Check the Wi-Fi password and that the plug can reach the broker; the firmware and config are written and verified.");
        }
        if (name is not null || area is not null)
        {
            device = await bridge.UpdateAsync(device.Id, name, area, ct) ?? device;
        }
        var channels = string.Join(", ", device.Record.Channels.Select(c => c.Channel));
        return new StepResult($"adopted as '{device.Record.DisplayName}' ({device.Id}) with channel(s) {(channels.Length == 0 ? "none" : channels)}; Home Assistant discovery published")
        {
            DeviceId = device.Id, ClientTopic = clientTopic,
        };
    }
}
