using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Api;

/// <summary>Body of POST channels/{ch}: <c>{"state":"on|off|toggle"}</c> for a relay, or <c>{"value":0-100}</c> for a dimmer.</summary>
public sealed record ChannelRequest(string? State, int? Value);

/// <summary>Body of POST command: one console line, e.g. <c>{"command":"STATUS 5"}</c>.</summary>
public sealed record ConsoleCommandRequest(string Command);

/// <summary>Body of PATCH: fields to change (null = keep, empty = clear).</summary>
public sealed record DevicePatchRequest(string? FriendlyName, string? Area);

/// <summary>The response envelope of every command: status (ok, sent, timeout, offline, deviceerror, ...), device reply, error, device after.
/// The HTTP code comes from <see cref="CommandResult.HttpStatus"/>, the same mapping the pages use.</summary>
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
        group.MapGet("/", List).WithName("ListDevices").WithSummary("All adopted OpenBeken devices with their live state (empty array when none); availability is unknown while the broker is down");
        group.MapGet("/forgotten", ListForgotten).WithName("ListForgottenDevices").WithSummary("Devices seen but forgotten (they stay out until they connect again or are adopted)");
        group.MapPost("/forgotten/{id}/adopt", AdoptForgotten).WithName("AdoptForgottenDevice").WithSummary("Adopt a forgotten device again");
        group.MapGet("/events", Events).WithName("DeviceEvents").WithSummary("Live stream of bridge events (server-sent events; event type = kind)");
        group.MapGet("/{id}", Get).WithName("GetDevice").WithSummary("One device with its live state");
        group.MapPost("/{id}/channels/{channel:int}", SetChannel).WithName("SetDeviceChannel")
            .WithSummary("Switch a relay channel on/off/toggle ({\"state\":...}) or set a dimmer ({\"value\":0-100}); waits for the plug to confirm")
            .RequireAuthorization(Auth.HubPolicies.Control);
        group.MapPost("/{id}/restart", Restart).WithName("RestartDevice").WithSummary("Restart the plug").RequireAuthorization(Auth.HubPolicies.Control);
        group.MapPost("/{id}/command", Command).WithName("RunDeviceCommand").WithSummary("Run an OpenBeken console command and return the plug's reply");
        group.MapPost("/{id}/approve-move", ApproveMove).WithName("ApproveDeviceMove")
            .WithSummary("Approve an identity conflict: the device moves to the client topic its MAC was reported on");
        group.MapPatch("/{id}", Patch).WithName("UpdateDevice").WithSummary("Rename a device or set its area; its Home Assistant entities keep their unique ids");
        group.MapDelete("/{id}", Forget).WithName("ForgetDevice").WithSummary("Forget a device: remove it from Home Assistant and the hub (it returns if it connects again)");
        app.MapGet("/api/bridge", Status).WithTags("Devices").WithName("BridgeStatus")
            .WithSummary("Whether the hub is connected to its broker, and device counts by availability").RequireAuthorization();
        return group;
    }

    private static Ok<List<DeviceDto>> List(OpenBekenBridge bridge) =>
        TypedResults.Ok(bridge.State.List().Select(DeviceDto.From).ToList());

    private static Results<Ok<DeviceDto>, NotFound<ProblemDetails>> Get(string id, OpenBekenBridge bridge) =>
        bridge.State.Find(id) is { } d ? TypedResults.Ok(DeviceDto.From(d)) : NotFoundProblem(id);

    private static Ok<List<ForgottenDeviceDto>> ListForgotten(OpenBekenBridge bridge) =>
        TypedResults.Ok(bridge.State.Forgotten().Select(ForgottenDeviceDto.From).ToList());

    private static async Task<Results<Ok<DeviceDto>, NotFound<ProblemDetails>>> AdoptForgotten(string id, OpenBekenBridge bridge, CancellationToken ct) =>
        await bridge.AdoptForgottenAsync(id, ct) is { } d ? TypedResults.Ok(DeviceDto.From(d)) : NotFoundProblem(id);

    private static Results<Ok<DeviceDto>, NotFound<ProblemDetails>> ApproveMove(string id, OpenBekenBridge bridge) =>
        bridge.ApproveMove(id) is { } d ? TypedResults.Ok(DeviceDto.From(d)) : NotFoundProblem(id, "or no move waiting for approval");

    private static Ok<BridgeStatusDto> Status(OpenBekenBridge bridge)
    {
        var devices = bridge.State.List();
        return TypedResults.Ok(new BridgeStatusDto(bridge.IsConnected, devices.Count,
            devices.Count(d => d.Availability == Availability.Online), devices.Count(d => d.Availability == Availability.Offline),
            devices.Count(d => d.Availability == Availability.Unknown), bridge.State.PendingTopics().Count, bridge.State.Forgotten().Count));
    }

    private static Task Events(HttpContext context, OpenBekenBridge bridge) => Live.LiveApi.StreamDevicesAsync(context, bridge.Bus, bridge.State);

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
            _ => TypedResults.Json(CommandResponse.From(result), statusCode: result.HttpStatus),
        };

    private static NotFound<ProblemDetails> NotFoundProblem(string id, string? more = null) =>
        TypedResults.NotFound(new ProblemDetails { Title = "Device not found", Detail = $"No device with id '{id}'{(more is null ? "" : " " + more)}.", Status = StatusCodes.Status404NotFound });

    private static BadRequest<ProblemDetails> BadRequestProblem(string detail) =>
        TypedResults.BadRequest(new ProblemDetails { Title = "Invalid request", Detail = detail, Status = StatusCodes.Status400BadRequest });
}
