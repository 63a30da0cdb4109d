using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Configs;
using OpenBekenHub.Store;

namespace OpenBekenHub.Api;

public sealed record ConfigDeviceView(string DeviceId, string Name, bool Online, int? LatestVersion, ConfigCheck? LastCheck, string UniqueIdBase);

public sealed record ConfigVersionView(int Version, DateTimeOffset Created, string Source, string ContentSha256, string? Chip, string? Build);

public sealed record ConfigVersionDetail(string DeviceId, ConfigVersionView Version, IReadOnlyDictionary<string, string> Items);

/// <summary>Body of POST /api/configs/backup: the plugs to back up (omitted = every online plug).</summary>
public sealed record ConfigBackupRequest(IReadOnlyList<string>? Devices);

/// <summary>Body of POST .../restore: another plug to restore onto (a replacement), and whether to restart it after.</summary>
public sealed record ConfigRestoreRequest(string? Target, bool? Restart);

/// <summary>Body of POST /api/stock-restore: a backup file name from the Backups page, the serial port, and whether to include the bootloader.</summary>
public sealed record StockRestoreRequest(string Backup, string Port, bool? IncludeBootloader, int? Baud);

/// <summary>
/// Configuration backups: devices with their newest version, back up now, versions, one version's items (passwords
/// masked), diff, restore (same plug or a replacement), export and import of everything as one file.
/// </summary>
internal static class ConfigsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/configs").WithTags("Configuration backups");
        g.MapGet("/", ListAsync).WithName("ListConfigDevices").WithSummary("Plugs with their newest configuration version and last check");
        g.MapPost("/backup", async (ConfigBackupRequest? request, ConfigBackupService service, CancellationToken ct) =>
                TypedResults.Ok(await service.BackupAsync(request?.Devices, "manual", ct)))
            .WithName("BackupConfigs").WithSummary("Back up now; a new version is stored only when something changed");
        g.MapGet("/export", async (ConfigExport export, TimeProvider time, CancellationToken ct) =>
                TypedResults.File(await export.ExportAsync(ct), "application/json", $"obkhub-configs-{time.GetUtcNow():yyyyMMdd-HHmmss}.json"))
            .WithName("ExportConfigs").WithSummary("Every version and alias as one JSON file; texts mentioning a password are encrypted");
        g.MapPost("/import", ImportAsync).WithName("ImportConfigs").WithSummary("Merge an export (body: the JSON file, or multipart field 'file')");
        g.MapGet("/aliases", (UniqueIdAliasTable aliases) => TypedResults.Ok(aliases.All))
            .WithName("ListUniqueIdAliases").WithSummary("Replacement plugs and the unique-id base they kept");
        g.MapGet("/{deviceId}/versions", async (string deviceId, ConfigStore store, CancellationToken ct) =>
                TypedResults.Ok((await store.ListAsync(deviceId, ct)).Select(View).ToList()))
            .WithName("ListConfigVersions").WithSummary("A plug's configuration versions, newest first");
        g.MapGet("/{deviceId}/versions/{version:int}", GetAsync).WithName("GetConfigVersion").WithSummary("One version, item by item (passwords masked)");
        g.MapGet("/{deviceId}/diff", DiffAsync).WithName("DiffConfigVersions").WithSummary("What changed between two versions (?from=&to=)");
        g.MapPost("/{deviceId}/versions/{version:int}/restore", RestoreAsync)
            .WithName("RestoreConfigVersion").WithSummary("Write a version onto the plug (or a replacement), read it back, restart");
    }

    public static void MapStockRestore(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/stock-restore").WithTags("Backups");
        g.MapPost("/", Results<Accepted<StockRestoreRunView>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>> (StockRestoreRequest request, StockRestoreRunner runner) =>
        {
            try
            {
                var run = runner.Start(request.Backup, request.Port, request.IncludeBootloader ?? false, request.Baud ?? 921_600);
                return TypedResults.Accepted($"/api/stock-restore/{run.Id}", run);
            }
            catch (ArgumentException ex)
            {
                return TypedResults.BadRequest(new ProblemDetails { Title = "Cannot start", Detail = ex.Message });
            }
            catch (InvalidOperationException ex)
            {
                return TypedResults.Conflict(new ProblemDetails { Title = "Port busy", Detail = ex.Message });
            }
        }).WithName("StartStockRestore").WithSummary("Return a plug to stock from a full-flash backup over serial (bootloader kept unless asked)");
        g.MapGet("/", (StockRestoreRunner runner) => TypedResults.Ok(runner.List())).WithName("ListStockRestores").WithSummary("Return-to-stock runs since the hub started");
        g.MapGet("/{id}", Results<Ok<StockRestoreRunView>, NotFound> (string id, StockRestoreRunner runner) =>
                runner.Find(id) is { } run ? TypedResults.Ok(run) : TypedResults.NotFound())
            .WithName("GetStockRestore").WithSummary("A return-to-stock run: phase, fraction, outcome");
    }

    internal static ConfigVersionView View(ConfigVersion v) => new(v.Version, v.Created, v.Source, v.ContentSha256, v.Snapshot.Chip, v.Snapshot.Build);

    private static async Task<Ok<List<ConfigDeviceView>>> ListAsync(IConfigDevices devices, ConfigStore store, UniqueIdAliasTable aliases, CancellationToken ct)
    {
        var latest = await store.LatestVersionsAsync(ct);
        var checks = await store.ChecksAsync(ct);
        var known = devices.List();
        var views = known.Select(d => new ConfigDeviceView(d.Id, d.Name, d.Online, latest.TryGetValue(d.Id, out var v) ? v : null, checks.GetValueOrDefault(d.Id), aliases.UniqueIdBase(d.Id)))
            .Concat(latest.Keys.Where(id => known.All(d => d.Id != id))
                .Select(id => new ConfigDeviceView(id, id, false, latest[id], checks.GetValueOrDefault(id), aliases.UniqueIdBase(id))))
            .ToList();
        return TypedResults.Ok(views);
    }

    private static async Task<Results<Ok<ConfigVersionDetail>, NotFound>> GetAsync(string deviceId, int version, ConfigStore store, CancellationToken ct) =>
        await store.GetAsync(deviceId, version, ct) is { } v
            ? TypedResults.Ok(new ConfigVersionDetail(deviceId, View(v), v.Snapshot.Flatten()))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<IReadOnlyList<ConfigChange>>, NotFound<ProblemDetails>>> DiffAsync(
        string deviceId, [FromQuery] int from, [FromQuery] int to, ConfigStore store, CancellationToken ct)
    {
        var a = await store.GetAsync(deviceId, from, ct);
        var b = await store.GetAsync(deviceId, to, ct);
        return a is null || b is null
            ? TypedResults.NotFound(new ProblemDetails { Title = "No such version", Detail = $"{deviceId} has no version {(a is null ? from : to)}." })
            : TypedResults.Ok(ConfigDiff.Compare(a.Snapshot, b.Snapshot));
    }

    private static async Task<Results<Ok<RestoreResult>, Conflict<ProblemDetails>, JsonHttpResult<RestoreResult>>> RestoreAsync(
        string deviceId, int version, ConfigRestoreRequest? request, ConfigBackupService service, CancellationToken ct)
    {
        try
        {
            var result = await service.RestoreAsync(deviceId, version, request?.Target, request?.Restart ?? true, ct);
            return result.Ok ? TypedResults.Ok(result) : TypedResults.Json(result, statusCode: StatusCodes.Status502BadGateway);
        }
        catch (ConfigRestoreRefusedException ex)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Restore refused", Detail = ex.Message });
        }
    }

    private static async Task<Results<Ok<ConfigImportResult>, BadRequest<ProblemDetails>>> ImportAsync(HttpRequest request, ConfigExport export, CancellationToken ct)
    {
        if (request.ContentLength > ConfigExport.MaxImportBytes)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Too large", Detail = $"An import is at most {ConfigExport.MaxImportBytes / (1024 * 1024)} MiB." });
        }
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(ct);
                if (form.Files["file"] is not { } file)
                {
                    return TypedResults.BadRequest(new ProblemDetails { Title = "No file", Detail = "Send the export in the form field 'file'." });
                }
                await using var stream = file.OpenReadStream();
                return TypedResults.Ok(await export.ImportAsync(stream, ct));
            }
            return TypedResults.Ok(await export.ImportAsync(request.Body, ct));
        }
        catch (InvalidDataException ex)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Not an export", Detail = ex.Message });
        }
    }
}
