using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Library;

/// <summary>
/// The OpenBeken device-template list the user imported (a copy of the web app's devices JSON), kept in
/// &lt;data&gt;/templates.json and parsed once.
/// </summary>
public sealed class TemplateCatalog(IOptions<HubOptions> options)
{
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
}
