using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.History;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Store;

namespace OpenBekenHub.Api;

/// <summary>The answer of GET history: <c>{"points":[[unix seconds, value],...]}</c> plus unit and seconds per point.</summary>
public sealed record HistoryResponse(string Quantity, string Unit, int Resolution, IReadOnlyList<double[]> Points);

/// <summary>Power and energy history of one device, as JSON for charts and as CSV for spreadsheets.</summary>
public static class HistoryApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/devices/{id}/history", Json).WithName("GetDeviceHistory").WithTags("Devices")
            .WithSummary("Power (W, mean per point) or energy (kWh used per point) between from and to (ISO 8601; default the last 24 h); step=day for energy per day");
        api.MapGet("/devices/{id}/history.csv", Csv).WithName("GetDeviceHistoryCsv").WithTags("Devices")
            .WithSummary("The same series as CSV (time,unix,value)");
        api.MapGet("/history/sparklines", Sparklines).WithName("GetPowerSparklines").WithTags("Devices")
            .WithSummary("Every metering device's last hour of power, 5-minute means: {\"<id>\": [[unix, W], ...]}");
    }

    private static async Task<Ok<IReadOnlyDictionary<string, List<double[]>>>> Sparklines(HistoryStore store, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(await store.ReadPowerAllAsync(time.GetUtcNow().AddHours(-1).ToUnixTimeSeconds(), 300, ct));

    private static async Task<Results<Ok<HistoryResponse>, NotFound<ProblemDetails>, BadRequest<ProblemDetails>>> Json(
        string id, string? quantity, string? from, string? to, string? step, OpenBekenBridge bridge, HistoryQuery query, TimeProvider time, CancellationToken ct)
    {
        var (series, problem) = await LoadAsync(id, quantity, from, to, step, bridge, query, time, ct);
        if (problem is not null)
        {
            return problem.Status == 404 ? TypedResults.NotFound(problem) : TypedResults.BadRequest(problem);
        }
        return TypedResults.Ok(new HistoryResponse(series!.Quantity, series.Unit, series.Resolution, [.. series.Points.Select(p => new[] { p.T, p.V })]));
    }

    private static async Task<IResult> Csv(
        string id, string? quantity, string? from, string? to, string? step, OpenBekenBridge bridge, HistoryQuery query, TimeProvider time, CancellationToken ct)
    {
        var (series, problem) = await LoadAsync(id, quantity, from, to, step, bridge, query, time, ct);
        if (problem is not null)
        {
            return Results.Problem(problem);
        }
        var csv = new StringBuilder().Append(CultureInfo.InvariantCulture, $"time,unix,{series!.Quantity}_{series.Unit}\n");
        foreach (var (t, v) in series.Points)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{DateTimeOffset.FromUnixTimeSeconds(t):yyyy-MM-ddTHH:mm:ssZ},{t},{v}\n");
        }
        var name = string.Concat(id.Where(char.IsAsciiLetterOrDigit));
        return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"{name}-{series.Quantity}.csv");
    }

    private static async Task<(HistorySeries? Series, ProblemDetails? Problem)> LoadAsync(
        string id, string? quantity, string? from, string? to, string? step, OpenBekenBridge bridge, HistoryQuery query, TimeProvider time, CancellationToken ct)
    {
        if (bridge.Registry.Find(id) is null)
        {
            return (null, new ProblemDetails { Title = "Device not found", Detail = $"No device with id '{id}'.", Status = 404 });
        }
        quantity ??= "power";
        if (quantity is not ("power" or "energy"))
        {
            return (null, Bad("quantity is power or energy."));
        }
        var now = time.GetUtcNow();
        if (!TryParse(to, now, out var end) || !TryParse(from, end.AddDays(-1), out var start))
        {
            return (null, Bad("from and to are ISO 8601 times, e.g. 2026-12-05T10:00:00Z."));
        }
        if (start >= end || end - start > HistoryQuery.MaxRange)
        {
            return (null, Bad($"from must be before to, at most {HistoryQuery.MaxRange.TotalDays:0} days apart."));
        }
        int? seconds = step switch
        {
            null or "" => null,
            "minute" => 60,
            "hour" => 3600,
            "day" => 86400,
            _ => -1,
        };
        if (seconds == -1)
        {
            return (null, Bad("step is minute, hour or day."));
        }
        return (await query.GetAsync(id, quantity, start, end, seconds, ct), null);
    }

    private static bool TryParse(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            value = fallback;
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static ProblemDetails Bad(string detail) => new() { Title = "Invalid request", Detail = detail, Status = 400 };
}
