using System.Text.Json;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Devices;

/// <summary>One pin as pages and the API show it: role by the firmware's short name (<c>None</c> when unused).</summary>
public sealed record PinDto(int Pin, string Role, int Channel, int Channel2 = 0);

/// <summary>What applying pins did: ok, the pins the plug now reports, and a sentence for the user.</summary>
public sealed record PinApplyResult(bool Ok, string Message, IReadOnlyList<PinDto>? Pins = null, int Status = 200);

/// <summary>
/// Reads a live plug's pin table (<c>GET /api/pins</c>) and changes it the way OpenBeken needs (openbeken.md §4.2):
/// <c>SetPinRole</c>/<c>SetPinChannel</c> through the device command service, the table read back to check the plug
/// took it, then a restart so the drivers follow; the hub's channel list is set from the new pins.
/// </summary>
public sealed class DevicePinService(OpenBekenBridge bridge, DeviceCommandService commands, PlugHttp http)
{
    /// <summary>BK7231T/N expose P0..P28 in <c>/api/pins</c>.</summary>
    public const int PinCount = 29;

    public async Task<(IReadOnlyList<PinDto>? Pins, string? Error)> ReadAsync(DeviceSnapshot device, CancellationToken ct)
    {
        var (body, error) = await http.GetAsync(device, "/api/pins", ct);
        if (body is null)
        {
            return (null, error);
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var roles = doc.RootElement.GetProperty("roles").EnumerateArray().Take(PinCount).Select(e => e.GetInt32()).ToArray();
            var channels = doc.RootElement.GetProperty("channels").EnumerateArray().Take(PinCount).Select(e => e.GetInt32()).ToArray();
            var channels2 = doc.RootElement.TryGetProperty("channels2", out var c2) && c2.ValueKind == JsonValueKind.Array
                ? c2.EnumerateArray().Take(PinCount).Select(e => e.GetInt32()).ToArray() : [];
            var pins = new List<PinDto>();
            for (var pin = 0; pin < roles.Length; pin++)
            {
                var role = PinRoles.FindByNumber(roles[pin])?.CommandName ?? roles[pin].ToString(System.Globalization.CultureInfo.InvariantCulture);
                pins.Add(new PinDto(pin, role, pin < channels.Length ? Math.Clamp(channels[pin], 0, 64) : 0, pin < channels2.Length ? Math.Clamp(channels2[pin], 0, 64) : 0));
            }
            return (pins, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (null, "the plug's /api/pins reply is not the firmware's pin table");
        }
    }

    /// <summary>Sets every pin in <paramref name="wanted"/> (others stay), checks, restarts and updates the hub's channels.</summary>
    public async Task<PinApplyResult> ApplyAsync(string deviceId, IReadOnlyList<PinDto> wanted, bool restart, CancellationToken ct)
    {
        if (bridge.Registry.Find(deviceId) is not { } device)
        {
            return new PinApplyResult(false, $"No device '{deviceId}'.", Status: 404);
        }
        var problems = wanted.Where(p => p.Pin is < 0 or >= PinCount || p.Channel is < 0 or > 64 || p.Channel2 is < 0 or > 64 || PinRoles.FindByShortName(p.Role) is null)
            .Select(p => $"P{p.Pin} {p.Role} ch{p.Channel}").ToList();
        if (problems.Count > 0 || wanted.Select(p => p.Pin).Distinct().Count() != wanted.Count)
        {
            return new PinApplyResult(false, $"Pins are 0-{PinCount - 1} once each, roles the firmware's short names, channels 0-64: {string.Join(", ", problems)}", Status: 400);
        }
        var (current, _) = await ReadAsync(device, ct);
        var changed = wanted.Where(w => current?.FirstOrDefault(c => c.Pin == w.Pin) is not { } c || !Same(c, w)).ToList();
        var lines = new List<string>();
        foreach (var p in changed)
        {
            lines.Add(ObkCommands.SetPinRole(p.Pin, PinRoles.FindByShortName(p.Role)!));
            lines.Add(ObkCommands.SetPinChannel(p.Pin, p.Channel, p.Channel2));
        }
        return await SendAsync(device, lines, wanted, restart, ct);
    }

    /// <summary>Applies a template's pins (other pins cleared), flags and startup command, then restarts.</summary>
    public async Task<PinApplyResult> ApplyTemplateAsync(string deviceId, DeviceTemplate template, bool restart, CancellationToken ct)
    {
        if (bridge.Registry.Find(deviceId) is not { } device)
        {
            return new PinApplyResult(false, $"No device '{deviceId}'.", Status: 404);
        }
        var pins = template.ToPinTemplate();
        var (current, _) = await ReadAsync(device, ct);
        var used = current?.Where(p => p.Role != "None" || p.Channel != 0).Select(p => p.Pin) ?? [];
        IReadOnlyList<string> lines;
        try
        {
            lines = ObkCommands.ForTemplate(pins, used);
        }
        catch (ArgumentException ex)
        {
            return new PinApplyResult(false, ex.Message, Status: 400);
        }
        var wanted = Enumerable.Range(0, PinCount).Select(pin => pins.Pins.FirstOrDefault(p => p.Pin == pin) is { } p
            ? new PinDto(pin, PinRoles.FindByNumber(p.Role)!.CommandName, p.Channel, p.Channel2)
            : new PinDto(pin, "None", 0)).ToList();
        var result = await SendAsync(device, lines, wanted, restart, ct);
        return result.Ok ? result with { Message = $"Template '{template.DisplayName}' applied ({pins.Pins.Count} pins). " + result.Message } : result;
    }

    private async Task<PinApplyResult> SendAsync(DeviceSnapshot device, IReadOnlyList<string> lines, IReadOnlyList<PinDto> wanted, bool restart, CancellationToken ct)
    {
        // /cm runs commands over ~123 characters twice (openbeken.md §3.3): keep each backlog short
        foreach (var line in ObkCommands.ToBacklogs(lines, maxLength: 120))
        {
            var sent = await commands.ExecuteAsync(device.Id, line, ct);
            if (!sent.Succeeded)
            {
                return new PinApplyResult(false, $"The plug did not take '{line}': {sent.Error}", Status: 502);
            }
        }
        var (after, readError) = await ReadAsync(device, ct);
        if (after is not null)
        {
            var missing = wanted.Where(w => after.FirstOrDefault(a => a.Pin == w.Pin) is not { } a || !Same(a, w)).ToList();
            if (missing.Count > 0)
            {
                return new PinApplyResult(false, "The plug reports other pins than sent: " +
                    string.Join(", ", missing.Select(m => $"P{m.Pin} wanted {m.Role} ch{m.Channel}")), after, 502);
            }
        }
        var channels = ChannelsFrom(after ?? wanted);
        var snapshot = bridge.Registry.Mutate(device.Id, r => r with { Channels = channels });
        if (snapshot is not null)
        {
            await bridge.UpdateAsync(device.Id, null, null, ct); // persists the record
        }
        var restarted = "";
        if (restart && lines.Count > 0)
        {
            var r = await commands.RestartAsync(device.Id, ct);
            restarted = r.Succeeded ? " Restarting so the drivers follow; back in a few seconds." : $" Restart failed: {r.Error}";
        }
        var verified = after is not null ? "The plug reports the new pins." : $"Sent (the pins could not be read back: {readError}).";
        return new PinApplyResult(true, (lines.Count == 0 ? "No pin changed." : verified) + restarted, after ?? wanted);
    }

    private static bool Same(PinDto a, PinDto b) =>
        a.Pin == b.Pin && a.Channel == b.Channel && a.Channel2 == b.Channel2 && string.Equals(a.Role, b.Role, StringComparison.OrdinalIgnoreCase);

    /// <summary>The hub's channel list from pins: relays, digital inputs, PWM dimmers (one entry per channel).</summary>
    public static IReadOnlyList<ChannelInfo> ChannelsFrom(IEnumerable<PinDto> pins)
    {
        var list = new List<ChannelInfo>();
        foreach (var p in pins.OrderBy(p => p.Pin))
        {
            ChannelRole? role = p.Role switch
            {
                "Rel" or "Rel_n" => ChannelRole.Relay,
                _ when p.Role.StartsWith("dInput", StringComparison.Ordinal) => ChannelRole.Input,
                "PWM" or "PWM_n" => ChannelRole.Dimmer,
                _ => null,
            };
            if (role is { } r && list.All(c => c.Channel != p.Channel))
            {
                list.Add(new ChannelInfo(p.Channel, r));
            }
        }
        return [.. list.OrderBy(c => c.Channel)];
    }

    /// <summary>Converts the job contract's <c>{"&lt;pin&gt;": {"role": "Rel", "channel": 1}}</c> to pins; null on a bad key.</summary>
    public static IReadOnlyList<PinDto>? FromContract(IReadOnlyDictionary<string, PinRequest> pins)
    {
        var list = new List<PinDto>();
        foreach (var (key, value) in pins)
        {
            if (!int.TryParse(key.TrimStart('P', 'p'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pin))
            {
                return null;
            }
            var role = RoleNames.Normalize(value.Role)?.CommandName ?? value.Role ?? "";
            list.Add(new PinDto(pin, role, value.Channel ?? 0, value.Channel2 ?? 0));
        }
        return list;
    }

    /// <summary>Converts a stored <see cref="PinAssignment"/> (role number) for display.</summary>
    public static PinDto From(PinAssignment p) => new(p.Pin, PinRoles.FindByNumber(p.Role)?.CommandName ?? "None", p.Channel, p.Channel2);
}

/// <summary>One pin in a request body: <c>{"role":"Rel","channel":1}</c>.</summary>
public sealed record PinRequest(string? Role, int? Channel, int? Channel2);
