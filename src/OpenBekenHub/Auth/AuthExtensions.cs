using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using OpenBekenHub.Hosting;
using OpenBekenHub.Store;

namespace OpenBekenHub.Auth;

internal static class AuthExtensions
{
    private const string SmartScheme = "cookie-or-bearer";

    /// <summary>Cookie login for pages, bearer tokens for scripts, login required everywhere by default.</summary>
    public static IServiceCollection AddHubAuth(this IServiceCollection services)
    {
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Cookie or bearer token", o =>
                o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ApiTokenHandler.SchemeName
                        : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.Cookie.Name = "obkhub.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = SessionStore.IdleLifetime;
                // Secure whenever the request is HTTPS, including behind a proxy listed in Hub:ForwardedHeaders
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Events.OnValidatePrincipal = HubSessions.ValidateAsync;
                // scripts and fetch() calls get a status code, not an HTML redirect
                o.Events.OnRedirectToLogin = ctx => Reject(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => Reject(ctx, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null);

        services.AddAuthorizationBuilder().AddHubPolicies();
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "obkhub.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.HeaderName = "X-CSRF-TOKEN";
        });

        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<HubOptions>, AdminPasswordValidator>();
        services.AddSingleton<AdminBootstrap>();
        return services;
    }

    private static Task Reject(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (IsApiRequest(ctx.Request))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    internal static bool IsApiRequest(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/openapi") ||
        request.Path.StartsWithSegments("/live") ||
        request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
}
