using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Library;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Pages;

[RequestSizeLimit(16 * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 16 * 1024 * 1024)]
public sealed class TemplatesModel(TemplateCatalog catalog) : PageModel
{
    public int Count { get; private set; }

    public IReadOnlyList<(DeviceTemplate Device, PinTemplate Pins)> Results { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Chip { get; set; }

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var library = await catalog.GetAsync(ct);
        Count = library.Devices.Count;
        Results = [.. library.Search(Q, string.IsNullOrWhiteSpace(Chip) ? null : Chip, limit: 50).Select(d => (d, d.ToPinTemplate()))];
    }

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
        {
            ErrorMessage = "Choose the template list file (the OpenBeken web app's devices JSON).";
            return RedirectToPage();
        }
        using var reader = new StreamReader(file.OpenReadStream());
        try
        {
            Message = $"Imported {await catalog.ImportAsync(await reader.ReadToEndAsync(ct), ct):N0} device templates.";
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or Provisioning.Errors.ProvisioningException or InvalidDataException or ArgumentException)
        {
            ErrorMessage = "Not a template list: " + ex.Message;
        }
        return RedirectToPage();
    }
}
