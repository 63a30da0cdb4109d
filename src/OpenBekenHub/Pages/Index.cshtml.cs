using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Api;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;

namespace OpenBekenHub.Pages;

public sealed class IndexModel(OpenBekenBridge bridge) : PageModel
{
    /// <summary>The same projection REST and the live feed use.</summary>
    public IReadOnlyList<DeviceDto> Devices { get; private set; } = [];

    public IReadOnlyList<ForgottenDeviceDto> Forgotten { get; private set; } = [];

    public bool BrokerConnected => bridge.IsConnected;

    [TempData]
    public string? ErrorMessage { get; set; }

    public void OnGet()
    {
        Devices = [.. bridge.State.List().Select(DeviceDto.From).OrderBy(d => d.Area ?? "\uffff", StringComparer.OrdinalIgnoreCase)
            .ThenBy(d => d.Name, StringComparer.OrdinalIgnoreCase)];
        Forgotten = [.. bridge.State.Forgotten().Take(50).Select(ForgottenDeviceDto.From)];
    }

    /// <summary>Toggles a relay. fetch() callers get JSON with the command's HTTP code (the live feed then updates the row); plain forms a redirect.</summary>
    public async Task<IActionResult> OnPostChannelAsync(string id, int channel, string op, CancellationToken ct)
    {
        var what = op switch
        {
            "on" => ChannelAction.On,
            "off" => ChannelAction.Off,
            _ => ChannelAction.Toggle,
        };
        var result = await bridge.Commands.SetChannelAsync(id, channel, what, ct);
        if (Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
        {
            int? value = result.Device is { } d && d.Channels.TryGetValue(channel, out var v) ? v : null;
            return new JsonResult(new { status = result.Status.ToString().ToLowerInvariant(), value, error = result.Error }) { StatusCode = result.HttpStatus };
        }
        if (!result.Succeeded)
        {
            ErrorMessage = result.Error ?? "The plug did not answer.";
        }
        return RedirectToPage();
    }

    /// <summary>Adopts a device from the "seen but forgotten" list.</summary>
    public async Task<IActionResult> OnPostAdoptAsync(string id, CancellationToken ct)
    {
        if (await bridge.AdoptForgottenAsync(id, ct) is null)
        {
            ErrorMessage = "That device cannot be adopted (unknown, or another device uses its client topic).";
        }
        return RedirectToPage();
    }

    public static string Ago(DateTimeOffset when)
    {
        var span = DateTimeOffset.UtcNow - when;
        return span.TotalSeconds < 60 ? "just now"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min ago"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours} h ago"
            : when.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Reading(DeviceDto d, string quantity, string unit, string format = "0.#") =>
        d.Readings.TryGetValue(quantity, out var v) ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + " " + unit : "";
}
