using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

public sealed class FlashModel(FlashStations stations, FirmwareLibrary firmware, ProfileStore profiles, JobStore jobs, FlashJobRunner runner, TemplateCatalog templates) : PageModel
{
    public IReadOnlyList<string> TemplateNames { get; private set; } = [];

    public IReadOnlyList<StationPort> Ports { get; private set; } = [];

    public IReadOnlyList<FirmwareEntry> Firmware { get; private set; } = [];

    public IReadOnlyList<ProfileView> Profiles { get; private set; } = [];

    public IReadOnlyList<JobSummary> Recent { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string Module { get; set; } = "CB2S";

    [TempData]
    public string? ErrorMessage { get; set; }

    public FlashJob? RunningOn(string port) => runner.RunningOn(port);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Ports = stations.List();
        Firmware = await firmware.ListAsync(ct);
        Profiles = await profiles.ListAsync(ct);
        Recent = await jobs.ListAsync(10, ct);
        TemplateNames = [.. (await templates.GetAsync(ct)).Devices.Select(d => d.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<IActionResult> OnPostStartAsync(
        string port, string firmwareId, string? profileId, string? deviceName, string? area, string? template,
        string chip, int baud, bool dtrRts, bool skipBackup, CancellationToken ct)
    {
        if (runner.RunningOn(port) is { } running)
        {
            // one job per port: a second tab joins the job already running there
            return Redirect($"/flash/jobs/{running.Id}");
        }
        try
        {
            var job = await runner.StartAsync(new FlashJobRequest
            {
                Port = port,
                FirmwareId = firmwareId,
                ProfileId = string.IsNullOrEmpty(profileId) ? null : profileId,
                DeviceName = string.IsNullOrWhiteSpace(deviceName) ? null : deviceName.Trim(),
                Area = string.IsNullOrWhiteSpace(area) ? null : area.Trim(),
                TemplateName = string.IsNullOrWhiteSpace(template) ? null : template.Trim(),
                Chip = chip,
                Baud = baud,
                UseDtrRtsReset = dtrRts,
                SkipBackup = skipBackup,
            }, ct);
            return Redirect($"/flash/jobs/{job.Id}");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            ErrorMessage = ex.Message;
            return RedirectToPage();
        }
    }
}
