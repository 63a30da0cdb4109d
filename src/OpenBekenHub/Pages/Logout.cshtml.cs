using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Auth;

namespace OpenBekenHub.Pages;

public sealed class LogoutModel : PageModel
{
    public void OnGet()
    {
    }

    /// <summary>Ends the server-side session too, so a copy of the cookie is refused from now on.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await HubSessions.SignOutAsync(HttpContext, ct);
        return Redirect("/login");
    }
}
