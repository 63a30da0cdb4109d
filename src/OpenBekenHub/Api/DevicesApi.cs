using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Api;

/// <summary>One channel of a device: number, role and current value.</summary>
public sealed record ChannelDto(int Channel, string Role, int? Value);

/// <summary>A device as the REST API shows it: stored facts plus live state.</summary>
public sealed record DeviceDto(
    string Id,
    string Name,
    string ClientTopic,
    string? Mac,
    string? Ip,
    string? Build,
    string? Version,
    string? Chip,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string? FriendlyName,
    string? Area,
    bool Online,
    bool HasPowerMeter,
    IReadOnlyList<ChannelDto> Channels,
    IReadOnlyDictionary<string, double> Readings,
    int? Rssi,
    long? UptimeSeconds)
{
    public static DeviceDto From(DeviceSnapshot d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var r = d.Record;
        var channels = r.Channels.Select(c => new ChannelDto(c.Channel, c.Role.ToString().ToLowerInvariant(), d.Channels.TryGetValue(c.Channel, out var v) ? v : null)).ToList();
        return new DeviceDto(r.Id, r.DisplayName, r.ClientTopic, r.Mac, r.Ip, r.Build, r.Version, r.Chip, r.FirstSeen, r.LastSeen, r.FriendlyName, r.Area,
            d.Online, r.HasPowerMeter, channels, d.Readings, d.Rssi, d.UptimeSeconds);
    }
}

/// <summary>Body of POST channels/{ch}: <c>{"state":"on|off|toggle"}</c> for a relay, or <c>{"value":0-100}</c> for a dimmer.</summary>
public sealed record ChannelRequest(string? State, int? Value);

/// <summary>Body of POST command: one console line, e.g. <c>{"command":"STATUS 5"}</c>.</summary>
public sealed record ConsoleCommandRequest(string Command);

/// <summary>Body of PATCH: fields to change (null = keep, empty = clear).</summary>
public sealed record DevicePatchRequest(string? FriendlyName, string? Area);

/// <summary>The response envelope of every command: status (ok, sent, timeout, ...), device reply, error, device after.</summary>
public sealed record CommandResponse(string Status, string? Reply, string? Error, DeviceDto? Device)
{
    public static CommandResponse From(CommandResult r) =>
        new(r.Status.ToString().ToLowerInvariant(), r.Reply, r.Error, r.Device is null ? null : DeviceDto.From(r.Device));
}

/// <summary>REST endpoints for the devices the bridge knows, under <c>/api/devices</c>.</summary>
public static class DevicesApi
{
    public static RouteGroupBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/devices").WithTags("Devices");
        group.MapGet("/", List).WithName("ListDevices").WithSummary("All adopted OpenBeken devices with their live state (empty array when none)");
        group.MapGet("/events", Events).WithName("DeviceEvents").WithSummary("Live stream of bridge events (server-sent events; event type = kind)");
        group.MapGet("/{id}", Get).WithName("GetDevice").WithSummary("One device with its live state");
        group.MapPost("/{id}/channels/{channel:int}", SetChannel).WithName("SetDeviceChannel")
            .WithSummary("Switch a relay channel on/off/toggle ({\"state\":...}) or set a dimmer ({\"value\":0-100}); waits for the plug to confirm")
            .RequireAuthorization(Auth.HubPolicies.Control);
        group.MapPost("/{id}/restart", Restart).WithName("RestartDevice").WithSummary("Restart the plug").RequireAuthorization(Auth.HubPolicies.Control);
        group.MapPost("/{id}/command", Command).WithName("RunDeviceCommand").WithSummary("Run an OpenBeken console command and return the plug's reply");
        group.MapPatch("/{id}", Patch).WithName("UpdateDevice").WithSummary("Rename a device or set its area; its Home Assistant entities keep their unique ids");
        group.MapDelete("/{id}", Forget).WithName("ForgetDevice").WithSummary("Forget a device: remove it from Home Assistant and the hub (it returns if it connects again)");
        return group;
    }

    private static Ok<List<DeviceDto>> List(OpenBekenBridge bridge) =>
        TypedResults.Ok(bridge.Registry.List().Select(DeviceDto.From).ToList());

    private static Results<Ok<DeviceDto>, NotFound<ProblemDetails>> Get(string id, OpenBekenBridge bridge) =>
        bridge.Registry.Find(id) is { } d ? TypedResults.Ok(DeviceDto.From(d)) : NotFoundProblem(id);

    private static Task Events(HttpContext context, OpenBekenBridge bridge) => Live.LiveApi.StreamDevicesAsync(context, bridge.Bus);

    private static async Task<Results<Ok<CommandResponse>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, JsonHttpResult<CommandResponse>>> SetChannel(
        string id, int channel, ChannelRequest body, OpenBekenBridge bridge, CancellationToken ct)
    {
        CommandResult result;
        if (body.Value is { } value && body.State is null)
        {
            result = await bridge.Commands.SetDimmerAsync(id, channel, value, ct);
        }
        else
        {
            ChannelAction? action = body.State?.Trim().ToLowerInvariant() switch
            {
                "on" or "1" or "true" => ChannelAction.On,
                "off" or "0" or "false" => ChannelAction.Off,
                "toggle" => ChannelAction.Toggle,
                _ => null,
            };
            if (action is null)
            {
                return BadRequestProblem("Send {\"state\":\"on\"|\"off\"|\"toggle\"} or {\"value\":0-100}.");
            }
            result = await bridge.Commands.SetChannelAsync(id, channel, action.Value, ct);
        }
        return ToResult(id, result);
    }

    private static async Task<Results<Ok<CommandResponse>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, JsonHttpResult<CommandResponse>>> Restart(
        string id, OpenBekenBridge bridge, CancellationToken ct) =>
        ToResult(id, await bridge.Commands.RestartAsync(id, ct));

    private static async Task<Results<Ok<CommandResponse>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, JsonHttpResult<CommandResponse>>> Command(
        string id, ConsoleCommandRequest body, OpenBekenBridge bridge, CancellationToken ct) =>
        ToResult(id, await bridge.Commands.ExecuteAsync(id, body.Command ?? "", ct));

    private static async Task<Results<Ok<DeviceDto>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> Patch(
        string id, DevicePatchRequest body, OpenBekenBridge bridge, CancellationToken ct)
    {
        if (body.FriendlyName is { Length: > 64 } || body.Area is { Length: > 64 })
        {
            return BadRequestProblem("Friendly name and area are at most 64 characters.");
        }
        var updated = await bridge.UpdateAsync(id, body.FriendlyName, body.Area, ct);
        return updated is null ? NotFoundProblem(id) : TypedResults.Ok(DeviceDto.From(updated));
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>>> Forget(string id, OpenBekenBridge bridge, CancellationToken ct) =>
        await bridge.ForgetAsync(id, ct) is null ? NotFoundProblem(id) : TypedResults.NoContent();

    private static Results<Ok<CommandResponse>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>, JsonHttpResult<CommandResponse>> ToResult(string id, CommandResult result) =>
        result.Status switch
        {
            CommandStatus.Ok or CommandStatus.Sent => TypedResults.Ok(CommandResponse.From(result)),
            CommandStatus.NotFound => NotFoundProblem(id),
            CommandStatus.BadRequest => BadRequestProblem(result.Error ?? "Bad request"),
            CommandStatus.Timeout => TypedResults.Json(CommandResponse.From(result), statusCode: StatusCodes.Status504GatewayTimeout),
            _ => TypedResults.Json(CommandResponse.From(result), statusCode: StatusCodes.Status503ServiceUnavailable),
        };

    private static NotFound<ProblemDetails> NotFoundProblem(string id) =>
        TypedResults.NotFound(new ProblemDetails { Title = "Device not found", Detail = $"No device with id '{id}'.", Status = StatusCodes.Status404NotFound });

    private static BadRequest<ProblemDetails> BadRequestProblem(string detail) =>
        TypedResults.BadRequest(new ProblemDetails { Title = "Invalid request", Detail = detail, Status = StatusCodes.Status400BadRequest });
}
