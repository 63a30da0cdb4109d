using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Auth;

internal static class AuthExtensions
{
    public const string LoginRateLimitPolicy = "login";
    private const string SmartScheme = "cookie-or-bearer";

    /// <summary>Cookie login for pages, bearer tokens for scripts, login required everywhere by default.</summary>
    public static IServiceCollection AddHubAuth(this IServiceCollection services, HubOptions hubOptions)
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
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                // scripts and fetch() calls get a status code, not an HTML redirect
                o.Events.OnRedirectToLogin = ctx => Reject(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => Reject(ctx, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "obkhub.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.HeaderName = "X-CSRF-TOKEN";
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(LoginRateLimitPolicy, ctx =>
                HttpMethods.IsPost(ctx.Request.Method)
                    ? RateLimitPartition.GetSlidingWindowLimiter(
                        (ctx.Connection.RemoteIpAddress ?? IPAddress.None).ToString(),
                        _ => new SlidingWindowRateLimiterOptions
                        {
                            PermitLimit = hubOptions.LoginAttemptsPerMinute,
                            Window = TimeSpan.FromMinutes(1),
                            SegmentsPerWindow = 6,
                            QueueLimit = 0,
                        })
                    : RateLimitPartition.GetNoLimiter("get"));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsync("Too many login attempts. Wait a minute and try again.", ct);
            };
        });
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
