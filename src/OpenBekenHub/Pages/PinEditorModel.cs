using System.Text.Json;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Pages;

/// <summary>What the shared pin editor (<c>_PinEditor</c>) starts with, and how its posted table is read back.</summary>
public sealed record PinEditorModel(string Prefix, string? Template, IReadOnlyDictionary<string, PinChoice> Pins)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The editor's <c>pinsJson</c> field (<c>{"26":{"role":"Rel","channel":1}}</c>); null when empty. Bounded: a table
    /// has at most 32 rows, so 8 KiB is plenty.
    /// </summary>
    public static IReadOnlyDictionary<string, PinChoice>? ReadPosted(string? pinsJson)
    {
        if (string.IsNullOrWhiteSpace(pinsJson))
        {
            return null;
        }
        if (pinsJson.Length > 8192)
        {
            throw new ArgumentException("The pin table is too large.");
        }
        try
        {
            var pins = JsonSerializer.Deserialize<Dictionary<string, PinChoice>>(pinsJson, Json);
            return pins is { Count: > 0 } ? pins : null;
        }
        catch (JsonException)
        {
            throw new ArgumentException("The pin table could not be read; fill it again.");
        }
    }
}
