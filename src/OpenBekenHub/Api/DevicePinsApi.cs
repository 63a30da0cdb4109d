using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Devices;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Api;

/// <summary>The pin table as read from the plug (<c>read</c> false with <c>error</c> when its web server did not answer).</summary>
public sealed record PinTableResponse(bool Read, string? Error, IReadOnlyList<PinDto> Pins, IReadOnlyList<string> Roles);

/// <summary>Body of PUT pins: the job contract's pin map plus whether to restart (default yes).</summary>
public sealed record PinsRequest(Dictionary<string, PinRequest>? Pins, bool? Restart);

/// <summary>Body of POST template: a template name from the imported list.</summary>
public sealed record ApplyTemplateRequest(string? Template, bool? Restart);

public sealed record PinApplyResponse(bool Ok, string Message, IReadOnlyList<PinDto>? Pins);

public sealed record DeviceLogResponse(IReadOnlyList<string> Lines, string Source, string? Error);

public sealed record TemplateSummary(string Name, string DisplayName, string Chip, string Board, string Pins);

public sealed record TemplatePage(int Total, int Page, int PageSize, IReadOnlyList<TemplateSummary> Items);

/// <summary>The device page's endpoints: pin table, template apply, log lines, template search.</summary>
public static class DevicePinsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/devices/{id}/pins", GetPins).WithName("GetDevicePins").WithTags("Devices")
            .WithSummary("The plug's whole pin table (role short name, channel) read from its web server's /api/pins");
        api.MapPut("/devices/{id}/pins", PutPins).WithName("SetDevicePins").WithTags("Devices")
            .WithSummary("Set pins {\"pins\":{\"26\":{\"role\":\"Rel\",\"channel\":1}},\"restart\":true}: SetPinRole/SetPinChannel, read back, restart; the hub's channels follow");
        api.MapPost("/devices/{id}/template", PostTemplate).WithName("ApplyDeviceTemplate").WithTags("Devices")
            .WithSummary("Apply a device template by name (pins, flags, startup command), then restart");
        api.MapGet("/devices/{id}/log", GetLog).WithName("GetDeviceLog").WithTags("Devices")
            .WithSummary("The plug's log lines (OpenBeken's HTTP /lograw; the hub keeps the last 200)");
        api.MapGet("/templates", SearchTemplates).WithName("SearchTemplates").WithTags("Templates")
            .WithSummary("Search the imported device templates (q, chip, page; 25 per page)");
    }

    private static async Task<Results<Ok<PinTableResponse>, NotFound>> GetPins(string id, OpenBekenBridge bridge, DevicePinService pins, CancellationToken ct)
    {
        if (bridge.Registry.Find(id) is not { } device)
        {
            return TypedResults.NotFound();
        }
        var (table, error) = await pins.ReadAsync(device, ct);
        var roles = PinRoles.All.Select(r => r.CommandName).ToList();
        return TypedResults.Ok(new PinTableResponse(table is not null, error,
            table ?? [.. Enumerable.Range(0, DevicePinService.PinCount).Select(p => new PinDto(p, "None", 0))], roles));
    }

    private static async Task<IResult> PutPins(string id, PinsRequest body, DevicePinService pins, CancellationToken ct)
    {
        if (body.Pins is null || body.Pins.Count is 0 or > 64 || DevicePinService.FromContract(body.Pins) is not { } wanted)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Invalid request", Detail = "Send {\"pins\":{\"<pin>\":{\"role\":\"Rel\",\"channel\":1},...}}.", Status = 400 });
        }
        return ToResult(await pins.ApplyAsync(id, wanted, body.Restart ?? true, ct));
    }

    private static async Task<IResult> PostTemplate(string id, ApplyTemplateRequest body, DevicePinService pins, TemplateCatalog catalog, CancellationToken ct)
    {
        if ((await catalog.GetAsync(ct)).FindByName(body.Template ?? "") is not { } template)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Unknown template", Detail = $"No template named '{body.Template}' in the imported list.", Status = 400 });
        }
        return ToResult(await pins.ApplyTemplateAsync(id, template, body.Restart ?? true, ct));
    }

    private static IResult ToResult(PinApplyResult r) =>
        r.Status == 404 ? TypedResults.NotFound()
        : r.Status == 400 ? TypedResults.BadRequest(new ProblemDetails { Title = "Invalid request", Detail = r.Message, Status = 400 })
        : TypedResults.Json(new PinApplyResponse(r.Ok, r.Message, r.Pins), statusCode: r.Ok ? 200 : r.Status);

    private static async Task<Results<Ok<DeviceLogResponse>, NotFound>> GetLog(string id, DeviceLogService logs, CancellationToken ct) =>
        await logs.ReadAsync(id, ct) is { } r ? TypedResults.Ok(new DeviceLogResponse(r.Lines, "http /lograw", r.Error)) : TypedResults.NotFound();

    private static async Task<Ok<TemplatePage>> SearchTemplates(string? q, string? chip, int? page, TemplateCatalog catalog, CancellationToken ct)
    {
        var (total, items) = await catalog.PageAsync(q, chip, page ?? 1, TemplateCatalog.PageSize, ct);
        return TypedResults.Ok(new TemplatePage(total, Math.Max(1, page ?? 1), TemplateCatalog.PageSize,
            [.. items.Select(d => new TemplateSummary(d.Name, d.DisplayName, d.Chip, d.Board, TemplateCatalog.PinSummary(d)))]));
    }
}
