using OpenBekenHub.Mqtt.State;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Devices;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Pages;

[RequestSizeLimit(16 * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 16 * 1024 * 1024)]
public sealed class TemplatesModel(TemplateCatalog catalog, DeviceStateStore registry, DevicePinService pins, IHttpClientFactory httpFactory) : PageModel
{
    public int Count { get; private set; }

    /// <summary>Matches of the search (all pages).</summary>
    public int Total { get; private set; }

    public int Pages => Math.Max(1, (Total + TemplateCatalog.PageSize - 1) / TemplateCatalog.PageSize);

    public IReadOnlyList<(DeviceTemplate Device, PinTemplate Pins)> Results { get; private set; } = [];

    public IReadOnlyList<DeviceSnapshot> Devices { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Chip { get; set; }

    [BindProperty(SupportsGet = true, Name = "p")]
    public int PageNumber { get; set; } = 1;

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var library = await catalog.GetAsync(ct);
        Count = library.Devices.Count;
        PageNumber = Math.Max(1, PageNumber);
        var (total, items) = await catalog.PageAsync(Q, Chip, PageNumber, TemplateCatalog.PageSize, ct);
        Total = total;
        PageNumber = Math.Min(PageNumber, Pages);
        if (items.Count == 0 && total > 0)
        {
            (_, items) = await catalog.PageAsync(Q, Chip, PageNumber, TemplateCatalog.PageSize, ct);
        }
        Results = [.. items.Select(d => (d, d.ToPinTemplate()))];
        Devices = [.. registry.List().OrderBy(d => d.Record.DisplayName, StringComparer.OrdinalIgnoreCase)];
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

    public async Task<IActionResult> OnPostImportUrlAsync(string? url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri))
        {
            ErrorMessage = "Give the list's address, e.g. " + TemplateCatalog.PublicUrl;
            return RedirectToPage();
        }
        try
        {
            using var http = httpFactory.CreateClient();
            Message = $"Fetched {await catalog.ImportFromUrlAsync(uri, http, ct):N0} device templates from {uri.Host}.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException
            or Provisioning.Errors.ProvisioningException or InvalidDataException or ArgumentException)
        {
            ErrorMessage = $"Could not fetch the list from {uri}: {ex.Message} You can download it in a browser and import the file instead.";
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostApplyAsync(string? deviceId, string? template, CancellationToken ct)
    {
        var found = (await catalog.GetAsync(ct)).FindByName(template ?? "");
        if (found is null || string.IsNullOrEmpty(deviceId))
        {
            ErrorMessage = found is null ? $"No single template named '{template}'." : "Choose a plug.";
            return RedirectToPage();
        }
        var result = await pins.ApplyTemplateAsync(deviceId, found, restart: true, ct);
        if (result.Ok)
        {
            Message = result.Message;
            return Redirect("/devices/" + Uri.EscapeDataString(deviceId));
        }
        ErrorMessage = result.Message;
        return RedirectToPage();
    }
}
