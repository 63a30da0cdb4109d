using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpenBekenHub.Store;

namespace OpenBekenHub.Auth;

/// <summary>
/// Login cookies tied to server-side sessions (<see cref="SessionStore"/>): signing in starts one, every request
/// checks it still exists, logging out ends it. A cookie saved before a logout or a password change is refused.
/// </summary>
internal static class HubSessions
{
    private const string SessionClaim = "obkhub:sid";

    public static async Task SignInAsync(HttpContext http, HubUser user, CancellationToken cancellationToken)
    {
        var sessions = http.RequestServices.GetRequiredService<SessionStore>();
        var sessionId = await sessions.StartAsync(user.Id, cancellationToken);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, user.Username),
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(SessionClaim, sessionId),
                new Claim(HubPolicies.ScopeClaim, ApiTokenStore.ScopeName(HubScope.Admin)),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    public static async Task SignOutAsync(HttpContext http, CancellationToken cancellationToken)
    {
        if (http.User.FindFirstValue(SessionClaim) is { } sessionId)
        {
            await http.RequestServices.GetRequiredService<SessionStore>().EndAsync(sessionId, cancellationToken);
        }
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>Cookie validation: the session named in the cookie must still exist for that user.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var valid = principal?.FindFirstValue(SessionClaim) is { } sessionId
            && long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var userId)
            && await context.HttpContext.RequestServices.GetRequiredService<SessionStore>().IsActiveAsync(sessionId, userId, context.HttpContext.RequestAborted);
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
