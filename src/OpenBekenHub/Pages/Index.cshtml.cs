using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OpenBekenHub.Pages;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
