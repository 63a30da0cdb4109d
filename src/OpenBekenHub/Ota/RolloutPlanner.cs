using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Flashing.Images;

namespace OpenBekenHub.Ota;

/// <summary>The firmware a rollout installs, as the planner needs it.</summary>
public sealed record OtaTarget(string FirmwareId, string FileName, string Chip, string Version, string Variant, int Length);

/// <summary>A planned rollout: its settings and every considered plug with its wave or the reason it is skipped.</summary>
public sealed record RolloutPlan(RolloutSettings Settings, IReadOnlyList<RolloutPlug> Plugs)
{
    public IEnumerable<RolloutPlug> Eligible => Plugs.Where(p => p.Result == PlugResult.Pending);
}

/// <summary>
/// Decides who gets what (pure: no I/O). A plug is skipped, with the reason, when its chip (from its build / STATUS 2)
/// is unknown or differs from the chip in the file's build literal, when its variant differs unless confirmed, when it
/// already runs the target version, or when it is offline. The rest are split into waves (default 1 plug, 10 %, rest).
/// </summary>
public static class RolloutPlanner
{
    public const int MaxConcurrency = 50;

    public static RolloutPlan Plan(OtaTarget target, IReadOnlyList<FleetDevice> fleet, RolloutRequest request)
    {
        var settings = Settings(target, request);
        var chosen = request.Devices is { Count: > 0 } ids
            ? ids.Distinct(StringComparer.Ordinal).Select(id => (Id: id, Device: fleet.FirstOrDefault(d => d.Id == id))).ToList()
            : fleet.Where(d => Matches(d, request)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(d => (d.Id, Device: (FleetDevice?)d)).ToList();
        var plugs = new List<RolloutPlug>();
        var eligible = new List<FleetDevice>();
        foreach (var (id, device) in chosen)
        {
            var reason = device is null ? $"no device '{id}' in the hub" : SkipReason(target, device, request.ConfirmVariantChange);
            if (reason is not null)
            {
                plugs.Add(new RolloutPlug(id, device?.Name ?? id, 0, PlugResult.Skipped, reason, device?.Version, target.Version));
            }
            else
            {
                eligible.Add(device!);
            }
        }
        var sizes = WaveSizes(settings.Waves, eligible.Count);
        var index = 0;
        for (var wave = 0; wave < sizes.Count; wave++)
        {
            for (var i = 0; i < sizes[wave]; i++, index++)
            {
                var d = eligible[index];
                plugs.Add(new RolloutPlug(d.Id, d.Name, wave + 1, PlugResult.Pending, null, d.Version, target.Version));
            }
        }
        return new RolloutPlan(settings, plugs);
    }

    private static bool Matches(FleetDevice d, RolloutRequest r) =>
        (string.IsNullOrEmpty(r.Chip) || string.Equals(d.Chip, r.Chip, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(r.FromVersion) || d.Version == r.FromVersion)
        && (string.IsNullOrEmpty(r.Area) || string.Equals(d.Area, r.Area, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="device"/> must not get <paramref name="target"/>, or null when it may.</summary>
    public static string? SkipReason(OtaTarget target, FleetDevice device, bool confirmVariant)
    {
        if (string.IsNullOrEmpty(device.Chip))
        {
            return "its chip is unknown (no build or STATUS 2 reply yet); an OTA for the wrong chip bricks a plug";
        }
        if (!string.Equals(device.Chip, target.Chip, StringComparison.OrdinalIgnoreCase))
        {
            return $"it is a {device.Chip}; {target.FileName} is built for {target.Chip} and would brick it";
        }
        var plugVariant = RblValidator.VariantOf(device.Version);
        if (!confirmVariant && device.Version is not null && plugVariant != target.Variant)
        {
            return $"it runs the {Describe(plugVariant)} variant ({device.Version}), the file is the {Describe(target.Variant)} one; confirm the variant change to include it";
        }
        if (device.Version == target.Version)
        {
            return $"it already runs {target.Version}";
        }
        if (!device.Online)
        {
            return "it is offline";
        }
        return null;
    }

    private static string Describe(string variant) => variant.Length == 0 ? "plain" : $"'{variant}'";

    /// <summary>Validates the request; throws <see cref="ArgumentException"/> with a message for the caller.</summary>
    public static RolloutSettings Settings(OtaTarget target, RolloutRequest r)
    {
        var concurrency = r.Concurrency ?? 5;
        if (concurrency is < 1 or > MaxConcurrency)
        {
            throw new ArgumentException($"concurrency must be 1-{MaxConcurrency}");
        }
        var threshold = r.FailureThreshold ?? 0.5;
        if (threshold is < 0 or > 1 || double.IsNaN(threshold))
        {
            throw new ArgumentException("failureThreshold is a fraction of a wave's plugs, 0-1");
        }
        var timeout = r.DeviceTimeoutSeconds ?? 300;
        if (timeout is < 10 or > 3600)
        {
            throw new ArgumentException("deviceTimeoutSeconds must be 10-3600");
        }
        var waves = r.Waves is { Count: > 0 } w ? w.Select(WaveText).ToList() : [.. RolloutSettings.DefaultWaves];
        if (waves.Count > 20 || waves.Take(waves.Count - 1).Contains("rest"))
        {
            throw new ArgumentException("waves: at most 20, and \"rest\" only last");
        }
        return new RolloutSettings(concurrency, threshold, timeout, waves, r.ConfirmVariantChange, target.FileName, target.Chip, target.Version);
    }

    private static string WaveText(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n >= 1)
        {
            return n.ToString(CultureInfo.InvariantCulture);
        }
        var s = e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : "";
        if (s == "rest" || (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c >= 1)
            || (s.EndsWith('%') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 100))
        {
            return s;
        }
        throw new ArgumentException($"waves: each item is a count (1), a share (\"10%\") or \"rest\", not {e.GetRawText()}");
    }

    /// <summary>Sizes of the non-empty waves for <paramref name="total"/> plugs; a list without "rest" still ends with one for the remainder.</summary>
    public static IReadOnlyList<int> WaveSizes(IReadOnlyList<string> waves, int total)
    {
        var sizes = new List<int>();
        var left = total;
        foreach (var w in waves)
        {
            if (left == 0)
            {
                break;
            }
            var size = w == "rest" ? left
                : w.EndsWith('%') ? (int)Math.Ceiling(total * double.Parse(w[..^1], CultureInfo.InvariantCulture) / 100)
                : int.Parse(w, CultureInfo.InvariantCulture);
            size = Math.Clamp(size, 1, left);
            sizes.Add(size);
            left -= size;
        }
        if (left > 0)
        {
            sizes.Add(left);
        }
        return sizes;
    }
}
