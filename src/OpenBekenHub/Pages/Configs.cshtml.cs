using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Api;
using OpenBekenHub.Configs;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

[RequestSizeLimit(ConfigExport.MaxImportBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = ConfigExport.MaxImportBytes + 64 * 1024)]
public sealed class ConfigsModel(IConfigDevices devices, ConfigStore store, ConfigBackupService backups, ConfigExport export, UniqueIdAliasTable aliases) : PageModel
{
    public IReadOnlyList<ConfigDeviceView> Devices { get; private set; } = [];

    public ConfigRun? LastRun { get; private set; }

    public IReadOnlyList<UniqueIdAlias> Aliases => aliases.All;

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var latest = await store.LatestVersionsAsync(ct);
        var checks = await store.ChecksAsync(ct);
        Devices = [.. devices.List().Select(d => new ConfigDeviceView(d.Id, d.Name, d.Online, latest.TryGetValue(d.Id, out var v) ? v : null, checks.GetValueOrDefault(d.Id), aliases.UniqueIdBase(d.Id)))];
        LastRun = await store.LastRunAsync(null, ct);
    }

    public async Task<IActionResult> OnPostBackupAsync(CancellationToken ct)
    {
        var results = await backups.BackupAsync(null, "manual", ct);
        Message = results.Count == 0
            ? "No plug is online, so nothing was backed up."
            : $"Backed up {results.Count} plug(s): {results.Count(r => r.Outcome == "created")} new version(s), {results.Count(r => r.Outcome == "unchanged")} unchanged, {results.Count(r => r.Outcome is "failed" or "skipped")} failed.";
        var failed = results.Where(r => r.Outcome == "failed").ToList();
        if (failed.Count > 0)
        {
            ErrorMessage = string.Join(" ", failed.Take(5).Select(r => $"{r.Name}: {r.Error}"));
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
        {
            ErrorMessage = "Choose an export file (.json) first.";
            return RedirectToPage();
        }
        try
        {
            await using var stream = file.OpenReadStream();
            var result = await export.ImportAsync(stream, ct);
            Message = $"Imported {result.Imported} version(s), {result.Unchanged} already present, {result.Skipped} skipped, {result.Aliases} alias(es).";
            ErrorMessage = result.Warnings.Count > 0 ? string.Join(" ", result.Warnings.Take(5)) : null;
        }
        catch (InvalidDataException ex)
        {
            ErrorMessage = ex.Message;
        }
        return RedirectToPage();
    }
}
