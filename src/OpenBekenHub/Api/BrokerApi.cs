using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Api;

public sealed record PermitJoinRequest(int Minutes);

/// <summary>A refused client; <see cref="Approvable"/> when it may become a plug account (not the hub's id, not a flashed plug's).</summary>
public sealed record RefusedClientView(string ClientId, string? Username, string? Address, DateTimeOffset Time, string Reason, bool Approvable);

/// <summary>The broker's trust settings for scripts and pages (issue 11's REST contract).</summary>
internal static class BrokerApi
{
    public static void Map(RouteGroupBuilder api)
    {
        // admin scope for all of it: the Home Assistant account carries a password, the rest is the broker's trust
        var group = api.MapGroup("/broker").WithTags("Broker").RequireAuthorization(Auth.HubPolicies.Admin);
        group.MapGet("/", (BrokerAdmin admin) => TypedResults.Ok(admin.State()))
            .WithName("GetBroker").WithSummary("Broker mode, whether anonymous clients are accepted, end of the permit-join window");
        group.MapPost("/permit-join", PermitJoin)
            .WithName("PermitJoin").WithSummary("Open the permit-join window for N minutes (0 closes it)");
        group.MapGet("/accounts/homeassistant", (BrokerAdmin admin, HttpContext context) =>
            {
                // a password in the body: never cached by a browser or proxy
                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.Ok(admin.HomeAssistant(context.Request.Host.Host));
            })
            .WithName("GetHomeAssistantAccount").WithSummary("Host, port, username and password to paste into Home Assistant's MQTT integration");
        group.MapGet("/refused", (BrokerAdmin admin) =>
                TypedResults.Ok(admin.Refused().Select(r => new RefusedClientView(r.ClientId, r.Username, r.Address, r.Time, r.Reason, admin.CanApprove(r.ClientId))).ToList()))
            .WithName("ListRefusedClients").WithSummary("Clients the broker refused recently (newest first)");
        group.MapPost("/refused/{clientId}/approve", Results<NoContent, NotFound<ProblemDetails>> (string clientId, BrokerAdmin admin) =>
                admin.Approve(clientId)
                    ? TypedResults.NoContent()
                    : TypedResults.NotFound(new ProblemDetails { Title = "Not approvable", Detail = $"'{clientId}' is not in the refused list, or cannot be a plug's client topic." }))
            .WithName("ApproveRefusedClient").WithSummary("Let a refused plug in at its next connect; it gets its own account");
    }

    /// <summary>The pages' forms (antiforgery-checked form posts that redirect back), so they work without script.</summary>
    public static void MapForms(IEndpointRouteBuilder app)
    {
        var forms = app.MapGroup("/broker").RequireAuthorization().ExcludeFromDescription();
        forms.MapPost("/permit-join", ([FromForm] int minutes, [FromForm] string? returnUrl, BrokerAdmin admin) =>
        {
            try
            {
                admin.PermitJoin(Math.Clamp(minutes, 0, BrokerAdmin.MaxPermitJoinMinutes));
            }
            catch (InvalidOperationException)
            {
                // external broker: nothing to open; the page says so
            }
            return Results.LocalRedirect(SafeReturn(returnUrl, "/settings"));
        });
        forms.MapPost("/refused/{clientId}/approve", (string clientId, [FromForm] string? returnUrl, BrokerAdmin admin) =>
        {
            admin.Approve(clientId);
            return Results.LocalRedirect(SafeReturn(returnUrl, "/"));
        });
    }

    private static string SafeReturn(string? url, string fallback) =>
        url is { Length: > 0 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : fallback;

    private static Results<Ok<BrokerState>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>> PermitJoin(PermitJoinRequest request, BrokerAdmin admin)
    {
        try
        {
            return TypedResults.Ok(admin.PermitJoin(request.Minutes));
        }
        catch (ArgumentOutOfRangeException)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Invalid minutes", Detail = $"minutes must be 0-{BrokerAdmin.MaxPermitJoinMinutes}" });
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "No permit-join", Detail = ex.Message });
        }
    }
}
