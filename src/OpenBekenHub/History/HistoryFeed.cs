using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.History;

/// <summary>
/// The one place the history meets the bridge: today's registry events (<see cref="ReadingChanged"/> for
/// <c>power</c> in W and <c>energycounter</c> in Wh, the firmware's units) become recorder observations. When the
/// bridge's typed meter event lands, only this class changes. Readings are stamped on arrival with the recorder's
/// clock, the same one that closes minutes (milliseconds after the plug's publish).
/// </summary>
internal sealed class HistoryFeed(OpenBekenBridge bridge, HistoryRecorder recorder) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = bridge.Bus.Subscribe();
        try
        {
            await foreach (var e in subscription.ReadAllAsync(stoppingToken))
            {
                switch (e)
                {
                    case ReadingChanged { Quantity: "power" } r:
                        recorder.Observe(r.DeviceId, recorder.Now, r.Value, null);
                        break;
                    case ReadingChanged { Quantity: "energycounter" } r:
                        recorder.Observe(r.DeviceId, recorder.Now, null, r.Value / 1000.0);
                        break;
                    case DeviceForgotten f:
                        recorder.Forget(f.DeviceId);
                        break;
                    default:
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
