using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Library;

/// <summary>
/// The OpenBeken device-template list the user imported (a copy of the web app's devices JSON), kept in
/// &lt;data&gt;/templates.json and parsed once. The list is not bundled: its repository (OpenBekenIOT/webapp) carries
/// no license, so the user imports it from a file or, in one click, from its public URL.
/// </summary>
public sealed class TemplateCatalog(IOptions<HubOptions> options)
{
    /// <summary>Where the OpenBeken web app publishes its device list.</summary>
    public const string PublicUrl = "https://openbekeniot.github.io/webapp/devices.json";

    public const int PageSize = 25;

    /// <summary>The list is about 0.5 MB; anything far larger is not it.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DeviceTemplateLibrary? _library;

    public string Path => System.IO.Path.Combine(options.Value.FullDataDirectory, "templates.json");

    public async Task<DeviceTemplateLibrary> GetAsync(CancellationToken ct = default)
    {
        if (_library is not null)
        {
            return _library;
        }
        await _gate.WaitAsync(ct);
        try
        {
            _library ??= File.Exists(Path) ? await DeviceTemplateLibrary.LoadFileAsync(Path, ct) : DeviceTemplateLibrary.Empty;
            return _library;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Validates and stores a new list; returns how many devices it holds.</summary>
    public async Task<int> ImportAsync(string json, CancellationToken ct = default)
    {
        var parsed = DeviceTemplateLibrary.Parse(json); // throws on a file that is not a template list
        var tmp = Path + ".tmp";
        await File.WriteAllTextAsync(tmp, json, ct);
        File.Move(tmp, Path, overwrite: true);
        _library = parsed;
        return parsed.Devices.Count;
    }

    /// <summary>One page of search results (1-based) and the total number of matches.</summary>
    public async Task<(int Total, IReadOnlyList<DeviceTemplate> Items)> PageAsync(string? query, string? chip, int page, int pageSize, CancellationToken ct = default)
    {
        var all = (await GetAsync(ct)).Search(query, string.IsNullOrWhiteSpace(chip) ? null : chip, limit: int.MaxValue);
        var skip = (Math.Max(1, page) - 1) * pageSize;
        return (all.Count, [.. all.Skip(skip).Take(pageSize)]);
    }

    /// <summary>Downloads the list from <paramref name="url"/> (http/https, at most <see cref="MaxBytes"/>, 60 s) and imports it.</summary>
    public async Task<int> ImportFromUrlAsync(Uri url, HttpClient http, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(http);
        if (url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The list's address must be http or https.", nameof(url));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidDataException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var memory = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            memory.Write(buffer, 0, read);
            if (memory.Length > MaxBytes)
            {
                throw new InvalidDataException($"{url} sent more than {MaxBytes / (1024 * 1024)} MiB; that is not the device list.");
            }
        }
        return await ImportAsync(System.Text.Encoding.UTF8.GetString(memory.ToArray()), ct);
    }

    /// <summary>"P26 Rel ch1, P10 Btn ch1" for tables.</summary>
    public static string PinSummary(DeviceTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return string.Join(", ", template.ToPinTemplate().Pins.Select(p =>
            $"P{p.Pin} {OpenBekenHub.Provisioning.Pins.PinRoles.FindByNumber(p.Role)?.ShortName} ch{p.Channel}"));
    }
}
