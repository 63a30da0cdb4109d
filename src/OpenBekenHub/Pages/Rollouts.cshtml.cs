using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Library;
using OpenBekenHub.Ota;

namespace OpenBekenHub.Pages;

/// <summary>OTA rollouts: choose a package and plugs, preview who gets what (and why not), start, watch, history.</summary>
public sealed class RolloutsModel(RolloutService rollouts, FirmwareLibrary library) : PageModel
{
    /// <summary>The choice, bound from the query (preview) and from the start form alike.</summary>
    public sealed class Choice
    {
        public string? FirmwareId { get; set; }

        public string? Chip { get; set; }

        public string? Area { get; set; }

        public string? FromVersion { get; set; }

        /// <summary>Device ids separated by commas or spaces; empty = all eligible.</summary>
        public string? Devices { get; set; }

        public int Concurrency { get; set; } = 5;

        public double FailureThreshold { get; set; } = 0.5;

        public int DeviceTimeoutSeconds { get; set; } = 300;

        public string Waves { get; set; } = "1, 10%, rest";

        public bool ConfirmVariantChange { get; set; }

        public RolloutRequest ToRequest() => new()
        {
            FirmwareId = FirmwareId,
            Chip = Blank(Chip),
            Area = Blank(Area),
            FromVersion = Blank(FromVersion),
            Devices = Blank(Devices)?.Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Concurrency = Concurrency,
            FailureThreshold = FailureThreshold,
            DeviceTimeoutSeconds = DeviceTimeoutSeconds,
            Waves = [.. Waves.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => int.TryParse(w, out var n) ? JsonSerializer.SerializeToElement(n) : JsonSerializer.SerializeToElement(w))],
            ConfirmVariantChange = ConfirmVariantChange,
        };

        private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    }

    [BindProperty(SupportsGet = true)]
    public Choice Form { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    public IReadOnlyList<FirmwareEntry> Packages { get; private set; } = [];

    public RolloutPlan? Preview { get; private set; }

    public RolloutView? Current { get; private set; }

    public IReadOnlyList<RolloutView> History { get; private set; } = [];

    public string? ErrorMessage { get; private set; }

    public async Task OnGetAsync(bool preview, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (preview && Form.FirmwareId is not null)
        {
            try
            {
                Preview = (await rollouts.PreviewAsync(Form.ToRequest(), ct)).Plan;
            }
            catch (ArgumentException ex)
            {
                ErrorMessage = ex.Message;
            }
        }
    }

    public async Task<IActionResult> OnPostStartAsync(CancellationToken ct)
    {
        try
        {
            var id = await rollouts.StartAsync(Form.ToRequest(), ct);
            return RedirectToPage(new { id });
        }
        catch (ArgumentException ex)
        {
            ErrorMessage = ex.Message;
            await LoadAsync(ct);
            return Page();
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Packages = [.. (await library.ListAsync(ct)).Where(e => e.IsOta)];
        History = await rollouts.ListAsync(ct);
        Current = Id is null ? null : await rollouts.GetAsync(Id, ct);
    }
}
