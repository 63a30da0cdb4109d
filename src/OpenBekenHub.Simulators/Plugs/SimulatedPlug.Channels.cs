using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// Channels and what the plug says about itself: relays, inputs and the button (<c>CHANNEL_Set</c> publishes only a
/// change), the full-state broadcast on connect (flag 10) paced by the scheduler, its own discovery, the meter rule.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>Presses the physical button: toggles the relay on the button's channel (and publishes it).</summary>
    public void PressButton(int buttonChannel = 1)
    {
        var target = _relays.Contains(buttonChannel) ? buttonChannel : _relays.DefaultIfEmpty(buttonChannel).First();
        SetChannel(target, null, toggle: true);
    }

    /// <summary>Sets what the meter measures; published by the meter rule on the next driver updates.</summary>
    public void SetPowerReading(double voltage, double current, double power)
    {
        if (Meter is null)
        {
            throw new InvalidOperationException($"Plug {ClientTopic} has no power meter");
        }
        lock (_gate)
        {
            Meter.Voltage = voltage;
            Meter.Current = current;
            Meter.Power = power;
        }
    }

    /// <summary>Drives a digital input (e.g. a door contact) and publishes the change.</summary>
    public void SetInput(int channel, bool level) => SetChannel(channel, level ? 1 : 0, toggle: false);

    /// <summary>C <c>atoi</c>: optional sign and leading digits, anything else gives 0 (so <c>ON</c> and <c>OFF</c> are both 0).</summary>
    internal static int AtoI(string text)
    {
        var s = text.TrimStart();
        var i = 0;
        var sign = 1;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            sign = s[i] == '-' ? -1 : 1;
            i++;
        }
        long value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]) && value < int.MaxValue)
        {
            value = (value * 10) + (s[i] - '0');
            i++;
        }
        return (int)Math.Clamp(sign * value, int.MinValue, int.MaxValue);
    }

    private bool RetainChannels => HasFlag(21) || HasFlag(7);

    internal bool HasFlag(int bit) => (Flags & (1UL << bit)) != 0;

    /// <summary>Sets a channel; publishes only when the value changed (firmware <c>CHANNEL_Set</c> without force).</summary>
    internal int SetChannel(int channel, int? value, bool toggle, bool force = false)
    {
        int newValue;
        bool changed;
        lock (_gate)
        {
            var old = _channels[channel];
            newValue = toggle ? (old > 0 ? 0 : MaxValueOf(channel)) : value ?? old;
            changed = newValue != old;
            _channels[channel] = newValue;
        }
        if ((changed || force) && IsPublishable(channel))
        {
            Publish($"{ClientTopic}/{channel}/get", newValue.ToString(CultureInfo.InvariantCulture), retain: RetainChannels);
        }
        if (changed)
        {
            ChannelChanged?.Invoke(this, channel, newValue);
        }
        return newValue;
    }

    private int MaxValueOf(int channel) => _relays.Contains(channel) || _inputs.Contains(channel) ? 1 : 100;

    private bool IsPublishable(int channel) => _relays.Contains(channel) || _inputs.Contains(channel) || HasFlag(39);

    private void QueueFullBroadcast()
    {
        var c = ClientTopic;
        _broadcast.Clear();
        _broadcast.Enqueue(() => Message($"{c}/host", ShortName));
        _broadcast.Enqueue(() => Message($"{c}/build", BuildString));
        _broadcast.Enqueue(() => Message($"{c}/mac", Settings.Mac));
        _broadcast.Enqueue(() => Message($"{c}/temp", "31.50"));
        _broadcast.Enqueue(() => Message($"{c}/ssid", Settings.Ssid));
        _broadcast.Enqueue(() => Message($"{c}/datetime", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/sockets", "4"));
        _broadcast.Enqueue(() => Message($"{c}/rssi", Rssi.ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/uptime", ((long)Uptime.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/freeheap", "98304"));
        _broadcast.Enqueue(() => Message($"{c}/ip", Settings.Ip));
        QueueChannelBroadcast();
        _nextBroadcastMs = Math.Max(_nextBroadcastMs, PlugScheduler.NowMs);
    }

    private void QueueChannelBroadcast()
    {
        for (var ch = 0; ch <= MaxChannel; ch++)
        {
            if (IsPublishable(ch))
            {
                var channel = ch;
                _broadcast.Enqueue(() => Message($"{ClientTopic}/{channel}/get", GetChannel(channel).ToString(CultureInfo.InvariantCulture), retain: RetainChannels));
            }
        }
    }

    internal string BuildString => $"Open{Settings.Chip} {FirmwareVersion} Jan 17 2026 12:00:00";

    /// <summary>Called by the scheduler every tick: paced broadcast and discovery items, meter once a second.</summary>
    internal void Tick(long nowMs)
    {
        if (!IsConnected)
        {
            return;
        }
        List<MqttApplicationMessage>? due = null;
        lock (_gate)
        {
            var step = (long)(1000 / Math.Max(0.001, Settings.BroadcastItemsPerSecond));
            while (_broadcast.Count > 0 && nowMs >= _nextBroadcastMs)
            {
                var message = _broadcast.Dequeue()();
                if (message is not null)
                {
                    (due ??= []).Add(message);
                }
                _nextBroadcastMs = Math.Max(_nextBroadcastMs + step, nowMs - step);
            }
            if (nowMs >= _discoveryDueMs)
            {
                _discoveryDueMs = long.MaxValue;
                QueueOwnDiscovery();
                _nextDiscoveryMs = nowMs;
            }
            var discoveryStep = (long)(1000 / Math.Max(0.001, Settings.DiscoveryMessagesPerSecond));
            while (_discovery.Count > 0 && nowMs >= _nextDiscoveryMs)
            {
                (due ??= []).Add(_discovery.Dequeue());
                _nextDiscoveryMs += discoveryStep;
                if (_discovery.Count == 0)
                {
                    QueueChannelBroadcast();
                }
            }
            if (Meter is not null && nowMs >= _nextMeterMs)
            {
                _nextMeterMs = nowMs + 1000;
                foreach (var (name, text) in Meter.Update())
                {
                    (due ??= []).Add(Message($"{ClientTopic}/{name}/get", text, MqttQualityOfServiceLevel.AtMostOnce));
                }
            }
        }
        if (due is not null)
        {
            foreach (var message in due)
            {
                _outbox.Writer.TryWrite(message);
            }
        }
    }
}
