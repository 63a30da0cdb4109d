using Microsoft.AspNetCore.Authorization;
using OpenBekenHub.Store;

namespace OpenBekenHub.Auth;

/// <summary>
/// Authorization policies by token scope. A logged-in user (cookie) has every scope; an API token has the scope it
/// was created with (read &lt; control &lt; admin). Tag an endpoint with the scope it needs:
/// <list type="bullet">
/// <item><c>.RequireAuthorization(HubPolicies.Read)</c>: reads (devices, jobs, ports, live streams).</item>
/// <item><c>.RequireAuthorization(HubPolicies.Control)</c>: operating plugs (switch a channel, restart).</item>
/// <item><c>.RequireAuthorization(HubPolicies.Admin)</c>: settings, jobs, tokens, broker, firmware, console
/// commands, backups.</item>
/// </list>
/// An endpoint without one of these tags gets the safe default: GET/HEAD need read, every other method needs admin.
/// </summary>
public static class HubPolicies
{
    public const string Read = "scope:read";
    public const string Control = "scope:control";
    public const string Admin = "scope:admin";

    /// <summary>The claim holding a principal's scope ("read", "control" or "admin").</summary>
    public const string ScopeClaim = "obkhub:scope";

    internal static readonly string[] All = [Read, Control, Admin];

    internal static AuthorizationBuilder AddHubPolicies(this AuthorizationBuilder builder)
    {
        var byMethod = Policy(null);
        return builder
            .AddPolicy(Read, Policy(HubScope.Read))
            .AddPolicy(Control, Policy(HubScope.Control))
            .AddPolicy(Admin, Policy(HubScope.Admin))
            .SetDefaultPolicy(byMethod)
            .SetFallbackPolicy(byMethod);
    }

    /// <summary>The scope a principal holds; a principal without a scope claim holds none.</summary>
    public static HubScope? ScopeOf(System.Security.Claims.ClaimsPrincipal user) =>
        Enum.TryParse<HubScope>(user.FindFirst(ScopeClaim)?.Value, ignoreCase: true, out var scope) && Enum.IsDefined(scope) ? scope : null;

    private static AuthorizationPolicy Policy(HubScope? scope) =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)).Build();
}

/// <summary>Needs <see cref="Scope"/>, or (when null) the scope the request's HTTP method implies.</summary>
internal sealed record ScopeRequirement(HubScope? Scope) : IAuthorizationRequirement;

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        if (requirement.Scope is null && http?.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
                .Any(a => a.Policy is not null && HubPolicies.All.Contains(a.Policy)) == true)
        {
            // the endpoint names its scope; that policy decides, the method default steps aside
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        var needed = requirement.Scope ?? (http is null || IsSafe(http.Request.Method) ? HubScope.Read : HubScope.Admin);
        if (HubPolicies.ScopeOf(context.User) is { } held && held >= needed)
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}
