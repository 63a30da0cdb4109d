using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Configs;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;

namespace OpenBekenHub.Pages;

public sealed class BackupsModel(BackupCatalog catalog, StockRestoreRunner stock, FlashStations stations) : PageModel
{
    public IReadOnlyList<BackupEntry> Backups { get; private set; } = [];

    public IReadOnlyList<StationPort> Ports { get; private set; } = [];

    /// <summary>The return-to-stock run this page follows (after starting one).</summary>
    public StockRestoreRunView? Run { get; private set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    public void OnGet(string? run)
    {
        Backups = catalog.List(withInsight: true);
        Ports = stations.List();
        Run = run is null ? null : stock.Find(run);
    }

    public IActionResult OnPostReturnToStock(string file, string port, bool includeBootloader)
    {
        try
        {
            var started = stock.Start(file, port, includeBootloader);
            return RedirectToPage(new { run = started.Id });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            ErrorMessage = ex.Message;
            return RedirectToPage();
        }
    }
}
