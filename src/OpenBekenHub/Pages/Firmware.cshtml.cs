using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Library;

namespace OpenBekenHub.Pages;

[RequestSizeLimit(FirmwareLibrary.MaxUploadBytes + 64 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = FirmwareLibrary.MaxUploadBytes + 64 * 1024)]
public sealed class FirmwareModel(FirmwareLibrary library) : PageModel
{
    public IReadOnlyList<FirmwareEntry> Entries { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    /// <summary>The entry an upload duplicated (same SHA-256), linked from the error.</summary>
    [TempData]
    public string? DuplicateId { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => Entries = await library.ListAsync(ct);

    public async Task<IActionResult> OnPostUploadAsync(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0)
        {
            ErrorMessage = "Choose a firmware file (.bin or .rbl) first. An empty file is not a firmware.";
            return RedirectToPage();
        }
        if (file.Length > FirmwareLibrary.MaxUploadBytes)
        {
            ErrorMessage = $"'{file.FileName}' is {file.Length:N0} bytes, larger than any BK7231 firmware.";
            return RedirectToPage();
        }
        using var ms = new MemoryStream();
        await file.CopyToAsync(ms, ct);
        var result = await library.AddAsync(file.FileName, ms.ToArray(), ct);
        if (result.Entry is null)
        {
            ErrorMessage = result.Error;
            DuplicateId = result.ExistingId;
        }
        else
        {
            var what = result.Entry.IsOta ? $"OTA package OpenBeken {result.Entry.Version}" : result.Entry.Kind;
            Message = $"'{result.Entry.FileName}' added: {what}, for {string.Join(" and ", result.Entry.Fits.Where(f => f.Fits).Select(f => f.Chip))}.";
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken ct)
    {
        Message = await library.DeleteAsync(id, ct) ? "Firmware deleted." : "No such firmware.";
        return RedirectToPage();
    }
}
