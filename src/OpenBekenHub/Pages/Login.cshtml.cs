using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Auth;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

public sealed class LoginModel(UserStore users, LoginThrottle throttle, ILogger<LoginModel> logger) : PageModel
{
    [BindProperty]
    public string Username { get; set; } = "admin";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var address = HttpContext.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(Username, address) is { } wait)
        {
            // refused without checking the password, and not counted: the lock ends one window after the last failure
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Error = $"Too many failed logins. Try again in {seconds} s.";
            return Page();
        }
        var user = Password.Length > PasswordPolicy.MaxLength ? null : await users.VerifyAsync(Username, Password, ct);
        if (user is null)
        {
            throttle.RecordFailure(Username, address);
            logger.LogWarning("Failed login for {Username} from {Address}", Username, address);
            Error = "Wrong user name or password.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        throttle.RecordSuccess(address);
        await HubSessions.SignInAsync(HttpContext, user, ct);
        logger.LogInformation("{Username} logged in from {Address}", user.Username, address);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
