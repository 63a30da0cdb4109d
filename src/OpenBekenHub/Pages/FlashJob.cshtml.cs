using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Jobs;

namespace OpenBekenHub.Pages;

public sealed class FlashJobModel(FlashJobRunner runner, JobStore jobs) : PageModel
{
    public JobView? Live { get; private set; }

    public JobSummary? Stored { get; private set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken ct)
    {
        Live = runner.Find(id)?.View();
        Stored = await jobs.GetAsync(id, ct);
        return Live is null && Stored is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostResumeAsync(string id, CancellationToken ct)
    {
        try
        {
            await runner.ResumeAsync(id, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            ErrorMessage = ex.Message;
        }
        return Redirect($"/flash/jobs/{id}");
    }

    /// <summary>The "choose pins" step: a template or the editor's table; the job continues from its last verified step.</summary>
    public async Task<IActionResult> OnPostPinsAsync(string id, string? template, string? pinsJson, CancellationToken ct)
    {
        try
        {
            var pins = PinEditorModel.ReadPosted(pinsJson);
            await runner.ChoosePinsAsync(id, new PinsChoice(template, pins), ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            ErrorMessage = ex.Message;
        }
        return Redirect($"/flash/jobs/{id}");
    }

    public IActionResult OnPostCancel(string id)
    {
        runner.Cancel(id);
        return Redirect($"/flash/jobs/{id}");
    }
}
