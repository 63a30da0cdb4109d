using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OpenBekenHub.Hosting;

/// <summary>Turns a configuration failure into the one line that names the key (no stack trace, no value echoed).</summary>
public static partial class ConfigurationErrors
{
    /// <summary>The line to print, or null when <paramref name="ex"/> is not a configuration error.</summary>
    public static string? Describe(Exception ex)
    {
        switch (ex)
        {
            case OptionsValidationException validation:
                return string.Join("; ", validation.Failures);
            case AggregateException aggregate:
                var lines = aggregate.InnerExceptions.Select(Describe).ToList();
                return lines.All(l => l is not null) ? string.Join("; ", lines) : null;
            case InvalidOperationException when ConvertFailure().Match(ex.Message) is { Success: true } m:
                // the value itself is left out: it may be a secret typed into the wrong key
                return $"{m.Groups["key"].Value} must be {Expected(m.Groups["type"].Value)}";
            default:
                return null;
        }
    }

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt16" or "System.UInt32" => "a whole number",
        "System.Boolean" => "true or false",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.TimeSpan" => "a time span like 00:05:00",
        _ when type.Contains('.') => $"a valid {type[(type.LastIndexOf('.') + 1)..]}",
        _ => $"a valid {type}",
    };

    [GeneratedRegex("^Failed to convert configuration value (?:'.*' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConvertFailure();
}
