using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Configs;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

public sealed class DeviceConfigModel(IConfigDevices devices, ConfigStore store, ConfigBackupService backups) : PageModel
{
    public string DeviceId { get; private set; } = "";

    public ConfigDevice? Device { get; private set; }

    public IReadOnlyList<ConfigVersion> Versions { get; private set; } = [];

    /// <summary>Other online plugs a version can be restored onto (replacements).</summary>
    public IReadOnlyList<ConfigDevice> Targets { get; private set; } = [];

    public int? From { get; private set; }

    public int? To { get; private set; }

    public IReadOnlyList<ConfigChange>? Changes { get; private set; }

    public ConfigVersion? Viewed { get; private set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(string deviceId, int? from, int? to, int? view, CancellationToken ct)
    {
        DeviceId = deviceId;
        Device = devices.Find(deviceId);
        Versions = await store.ListAsync(deviceId, ct);
        if (Device is null && Versions.Count == 0)
        {
            return NotFound();
        }
        Targets = [.. devices.List().Where(d => d.Online && d.Id != deviceId)];
        if (Versions.Count >= 2)
        {
            From = from ?? Versions[1].Version;
            To = to ?? Versions[0].Version;
            var a = Versions.FirstOrDefault(v => v.Version == From);
            var b = Versions.FirstOrDefault(v => v.Version == To);
            Changes = a is null || b is null ? null : ConfigDiff.Compare(a.Snapshot, b.Snapshot);
        }
        Viewed = Versions.FirstOrDefault(v => v.Version == (view ?? (Versions.Count > 0 ? Versions[0].Version : -1)));
        return Page();
    }

    public async Task<IActionResult> OnPostBackupAsync(string deviceId, CancellationToken ct)
    {
        var result = (await backups.BackupAsync([deviceId], "manual", ct))[0];
        if (result.Outcome == "failed" || result.Outcome == "skipped")
        {
            ErrorMessage = $"Backup failed: {result.Error}";
        }
        else
        {
            Message = result.Outcome == "created" ? $"Saved as version {result.Version}." : $"Nothing changed since version {result.Version}.";
        }
        return RedirectToPage(new { deviceId });
    }

    public async Task<IActionResult> OnPostRestoreAsync(string deviceId, int version, string? target, bool restart, CancellationToken ct)
    {
        try
        {
            var result = await backups.RestoreAsync(deviceId, version, string.IsNullOrEmpty(target) ? null : target, restart, ct);
            if (result.Ok)
            {
                var written = result.Steps.Count(s => s.Outcome == "written");
                Message = $"Version {version} restored onto {devices.Find(result.DeviceId)?.Name ?? result.DeviceId} and read back equal ({written} item(s) written)"
                    + (result.Restarted ? "; the plug restarts." : ".");
            }
            else
            {
                ErrorMessage = "Not restored: " + result.Error;
            }
        }
        catch (ConfigRestoreRefusedException ex)
        {
            ErrorMessage = ex.Message;
        }
        return RedirectToPage(new { deviceId });
    }
}
