using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

public sealed class FlashModel(FlashStations stations, FirmwareLibrary firmware, ProfileStore profiles, JobStore jobs, FlashJobRunner runner, TemplateCatalog templates) : PageModel
{
    public IReadOnlyList<StationPort> Ports { get; private set; } = [];

    public IReadOnlyList<FirmwareEntry> Firmware { get; private set; } = [];

    public IReadOnlyList<ProfileView> Profiles { get; private set; } = [];

    public IReadOnlyList<JobSummary> Recent { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string Module { get; set; } = "CB2S";

    [TempData]
    public string? ErrorMessage { get; set; }

    /// <summary>Start the editor on the table (a template was named in the query, e.g. from the templates page).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Template { get; set; }

    public bool PinsFromTable => !string.IsNullOrWhiteSpace(Template);

    public IReadOnlyDictionary<string, PinChoice> Pins { get; private set; } = new Dictionary<string, PinChoice>();

    public FlashJob? RunningOn(string port) => runner.RunningOn(port);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Ports = stations.List();
        Firmware = await firmware.ListAsync(ct);
        Profiles = await profiles.ListAsync(ct);
        Recent = await jobs.ListAsync(10, ct);
        var library = await templates.GetAsync(ct);
        if (!string.IsNullOrWhiteSpace(Template) && library.FindByName(Template) is { } chosen)
        {
            Template = chosen.DisplayName;
            Pins = PinTable.ToChoices(chosen.ToPinTemplate());
        }
    }

    public async Task<IActionResult> OnPostStartAsync(
        string port, string firmwareId, string? profileId, string? deviceName, string? area, string? pinsSource, string? template, string? pinsJson,
        string chip, int baud, bool dtrRts, bool skipBackup, CancellationToken ct)
    {
        if (runner.RunningOn(port) is { } running)
        {
            // one job per port: a second tab joins the job already running there
            return Redirect($"/flash/jobs/{running.Id}");
        }
        try
        {
            // "from the stock Tuya config" ignores whatever the hidden editor holds
            var fromTable = pinsSource == "table";
            var job = await runner.StartAsync(new FlashJobRequest
            {
                Port = port,
                FirmwareId = firmwareId,
                ProfileId = string.IsNullOrEmpty(profileId) ? null : profileId,
                DeviceName = string.IsNullOrWhiteSpace(deviceName) ? null : deviceName.Trim(),
                Area = string.IsNullOrWhiteSpace(area) ? null : area.Trim(),
                TemplateName = !fromTable || string.IsNullOrWhiteSpace(template) ? null : template.Trim(),
                Pins = fromTable ? PinEditorModel.ReadPosted(pinsJson) : null,
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
