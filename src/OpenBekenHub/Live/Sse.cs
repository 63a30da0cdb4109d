using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenBekenHub.Live;

/// <summary>Writes Server-Sent Events: one JSON payload per event, a comment every 15 s so proxies keep the stream.</summary>
internal static class Sse
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static void Prepare(HttpResponse response)
    {
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public static async Task WriteAsync(HttpResponse response, string kind, object payload, CancellationToken ct)
    {
        await response.WriteAsync($"event: {kind}\ndata: {JsonSerializer.Serialize(payload, payload.GetType(), Json)}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>Streams <paramref name="source"/> until the client goes away, with keep-alive comments in quiet times.</summary>
    public static async Task StreamAsync<T>(HttpContext context, System.Threading.Channels.ChannelReader<T> source, Func<T, (string Kind, object Payload)?> map)
    {
        Prepare(context.Response);
        // end with the browser or with the hub: an open stream must not hold a shutdown for Kestrel's 30 s grace period
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = both.Token;
        await context.Response.WriteAsync(": connected\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quiet.CancelAfter(TimeSpan.FromSeconds(15));
                bool more;
                try
                {
                    more = await source.WaitToReadAsync(quiet.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                    continue;
                }
                if (!more)
                {
                    break;
                }
                while (source.TryRead(out var item))
                {
                    if (map(item) is { } m)
                    {
                        await WriteAsync(context.Response, m.Kind, m.Payload, ct);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the browser closed the page
        }
    }
}
