using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Configs;

/// <summary>What one restore step did: <c>written</c>, <c>unchanged</c> or <c>failed</c>.</summary>
public sealed record RestoreStep(string Item, string Outcome, string? Detail = null);

/// <summary>
/// The outcome of a restore. <see cref="Ok"/> only when the configuration read back from the plug afterwards equals
/// the backup in every restorable item (<see cref="Differences"/> lists what does not).
/// </summary>
public sealed record RestoreResult(bool Ok, string DeviceId, IReadOnlyList<RestoreStep> Steps, IReadOnlyList<ConfigChange> Differences, string? Error, bool Restarted);

/// <summary>
/// Writes a stored configuration onto a plug the way the firmware's own clients do (openbeken.md §3.4, §4.2):
/// <c>POST /api/pins</c> (roles, channels), <c>SetPinChannel</c> for second channels, <c>POST /api/channelTypes</c>,
/// <c>SetFlag</c> per differing low flag bit (the API cannot see the high 32, so they are left alone),
/// <c>ShortName</c>, <c>StartupCommand</c>, LittleFS files written and extra ones deleted; then reads everything back
/// and compares, and only then restarts the plug so the startup command and autoexec run.
/// </summary>
public sealed partial class ConfigRestorer(PlugHttp http, PlugConfigReader reader)
{
    public async Task<RestoreResult> RestoreAsync(PlugTarget target, string? expectedMac, ConfigSnapshot wanted, bool restart, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(wanted);
        var steps = new List<RestoreStep>();
        ConfigSnapshot current;
        try
        {
            current = await reader.ReadAsync(target, expectedMac, ct);
        }
        catch (PlugHttpException ex)
        {
            return new RestoreResult(false, target.DeviceId, steps, [], ex.Message, false);
        }
        if (current.PinRoles.Count != wanted.PinRoles.Count || (wanted.Chip is not null && current.Chip is not null && !string.Equals(wanted.Chip, current.Chip, StringComparison.OrdinalIgnoreCase)))
        {
            return new RestoreResult(false, target.DeviceId, steps, [],
                $"The backup is for a {wanted.Chip ?? "?"} with {wanted.PinRoles.Count} pins; this plug is a {current.Chip ?? "?"} with {current.PinRoles.Count}. Refused.", false);
        }
        await StepAsync(steps, "pins", !current.PinRoles.SequenceEqual(wanted.PinRoles) || !current.PinChannels.SequenceEqual(wanted.PinChannels), () =>
            PostJsonAsync(target, "/api/pins", new JsonObject
            {
                ["roles"] = new JsonArray([.. wanted.PinRoles.Select(r => (JsonNode?)r)]),
                ["channels"] = new JsonArray([.. wanted.PinChannels.Select(c => (JsonNode?)c)]),
            }, ct));
        for (var pin = 0; pin < wanted.PinChannels2.Count; pin++)
        {
            var (p, ch, ch2) = (pin, wanted.PinChannels[pin], wanted.PinChannels2[pin]);
            await StepAsync(steps, $"pin P{p:00} channel 2", current.PinChannels2[pin] != ch2, () =>
                CommandAsync(target, string.Create(CultureInfo.InvariantCulture, $"SetPinChannel {p} {ch} {ch2}"), ct));
        }
        var types = Pad(wanted.ChannelTypes, Math.Max(current.ChannelTypes.Count, wanted.ChannelTypes.Count));
        await StepAsync(steps, "channel types", !Pad(current.ChannelTypes, types.Count).SequenceEqual(types), () =>
            PostJsonAsync(target, "/api/channelTypes", new JsonObject { ["types"] = new JsonArray([.. types.Select(t => (JsonNode?)t)]) }, ct));
        for (var bit = 0; bit < 32; bit++)
        {
            var (b, on) = (bit, (wanted.Flags & (1u << bit)) != 0);
            await StepAsync(steps, $"flag {b:00}", ((current.Flags & (1u << bit)) != 0) != on, () =>
                CommandAsync(target, string.Create(CultureInfo.InvariantCulture, $"SetFlag {b} {(on ? 1 : 0)}"), ct));
        }
        await StepAsync(steps, "short name", current.ShortName != wanted.ShortName, () =>
            ShortName().IsMatch(wanted.ShortName)
                ? CommandAsync(target, "ShortName " + wanted.ShortName, ct)
                : throw new PlugHttpException($"the short name '{wanted.ShortName}' is not a plain name; set it by hand."));
        await StepAsync(steps, "startup command", current.StartupCommand != wanted.StartupCommand, () =>
            wanted.StartupCommand.Contains('"', StringComparison.Ordinal) || wanted.StartupCommand.Contains('\n', StringComparison.Ordinal)
                ? throw new PlugHttpException("the startup command holds quotes or line breaks, which the StartupCommand command cannot carry; set it by hand.")
                : CommandAsync(target, ObkCommands.StartupCommand(wanted.StartupCommand), ct));
        var existing = current.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var file in wanted.Files)
        {
            var same = existing.TryGetValue(file.Path, out var had) && had.ContentBase64 == file.ContentBase64;
            await StepAsync(steps, "file " + file.Path, !same, () => WriteFileAsync(target, file, ct));
        }
        foreach (var extra in current.Files.Where(f => wanted.Files.All(w => w.Path != f.Path)))
        {
            await StepAsync(steps, "file " + extra.Path + " (delete)", true, () => DeleteFileAsync(target, extra.Path, ct));
        }

        ConfigSnapshot after;
        try
        {
            after = await reader.ReadAsync(target, expectedMac, ct);
        }
        catch (PlugHttpException ex)
        {
            return new RestoreResult(false, target.DeviceId, steps, [], "Written, but reading it back failed: " + ex.Message, false);
        }
        var differences = ConfigDiff.Compare(wanted, after).Where(c => ConfigDiff.IsRestorable(c.Item)).ToList();
        var ok = differences.Count == 0 && steps.All(s => s.Outcome != "failed");
        var restarted = false;
        if (ok && restart && steps.Any(s => s.Outcome == "written"))
        {
            await http.PostAsync(target, "/api/reboot", [], "text/plain", ct);
            restarted = true;
        }
        var error = ok ? null : differences.Count > 0
            ? $"{differences.Count} item(s) differ from the backup after writing: {string.Join(", ", differences.Take(5).Select(d => d.Item))}."
            : "Some steps failed: " + string.Join("; ", steps.Where(s => s.Outcome == "failed").Select(s => $"{s.Item}: {s.Detail}"));
        return new RestoreResult(ok, target.DeviceId, steps, differences, error, restarted);
    }

    private static async Task StepAsync(List<RestoreStep> steps, string item, bool needed, Func<Task> write)
    {
        if (!needed)
        {
            return;
        }
        try
        {
            await write();
            steps.Add(new RestoreStep(item, "written"));
        }
        catch (PlugHttpException ex)
        {
            steps.Add(new RestoreStep(item, "failed", ex.Message));
        }
    }

    private async Task PostJsonAsync(PlugTarget target, string path, JsonObject body, CancellationToken ct)
    {
        var reply = await http.PostAsync(target, path, Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json", ct);
        PlugHttp.ParseObject(target, path, reply);
    }

    /// <summary>One console command through <c>POST /api/cmnd</c>; <c>{"error":501}</c> (unknown command) is a failure.</summary>
    private async Task CommandAsync(PlugTarget target, string command, CancellationToken ct)
    {
        var reply = await http.PostAsync(target, "/api/cmnd", Encoding.UTF8.GetBytes(command), "text/plain", ct);
        PlugHttp.ParseObject(target, "/api/cmnd", reply);
    }

    private async Task WriteFileAsync(PlugTarget target, LfsFile file, CancellationToken ct)
    {
        if (!PlugConfigReader.IsSafePath(file.Path))
        {
            throw new PlugHttpException($"'{file.Path}' is not a LittleFS path the hub writes.");
        }
        var reply = PlugHttp.ParseObject(target, "/api/lfs/" + file.Path,
            await http.PostAsync(target, "/api/lfs/" + PlugConfigReader.EscapePath(file.Path), file.Content, "application/octet-stream", ct));
        if (reply["size"] is not JsonValue size || !size.TryGetValue<int>(out var n) || n != file.Size)
        {
            throw new PlugHttpException($"the plug stored {reply["size"]?.ToJsonString() ?? "?"} of {file.Size} bytes of {file.Path}.");
        }
    }

    private async Task DeleteFileAsync(PlugTarget target, string path, CancellationToken ct)
    {
        var reply = await http.GetAsync(target, "/api/del/" + PlugConfigReader.EscapePath(path), 256, notFoundIsNull: false, ct);
        if (!Encoding.ASCII.GetString(reply!).Contains("OK", StringComparison.Ordinal))
        {
            throw new PlugHttpException($"the plug could not delete {path}.");
        }
    }

    private static List<int> Pad(IReadOnlyList<int> values, int count) => [.. values, .. Enumerable.Repeat(0, Math.Max(0, count - values.Count))];

    [GeneratedRegex(@"^[A-Za-z0-9_\-\.]{1,31}$")]
    private static partial Regex ShortName();
}
