using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Library;

namespace OpenBekenHub.Pages;

public sealed class BackupsModel(BackupCatalog catalog) : PageModel
{
    public IReadOnlyList<BackupEntry> Backups { get; private set; } = [];

    public void OnGet() => Backups = catalog.List(withInsight: true);
}
