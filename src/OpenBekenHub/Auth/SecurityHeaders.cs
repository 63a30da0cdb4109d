using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Auth;

/// <summary>Response headers that keep pages from being framed, sniffed or made to run injected script.</summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// Scripts, styles, images, fetches and form posts only from the hub itself; no plugins, no framing.
    /// style-src-attr allows the pages' style="…" attributes (layout only; they cannot run script). Inline
    /// event handlers and inline script blocks are refused: behaviour lives in wwwroot/js.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseHubSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate it
                headers["Referrer-Policy"] = "same-origin";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

    /// <summary>Believes X-Forwarded-For/-Proto only from the proxies in Hub:ForwardedHeaders (nothing by default).</summary>
    public static IApplicationBuilder UseHubForwardedHeaders(this IApplicationBuilder app, ForwardedHeadersSettings settings)
    {
        if (!settings.Enabled)
        {
            return app;
        }
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }
        foreach (var network in settings.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
        return app.UseForwardedHeaders(options);
    }
}
