using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Pages;

public sealed class IndexModel(DeviceRegistry registry, DeviceCommandService commands, OpenBekenBridge bridge) : PageModel
{
    public IReadOnlyList<DeviceSnapshot> Devices { get; private set; } = [];

    public bool BrokerConnected => bridge.IsConnected;

    [TempData]
    public string? ErrorMessage { get; set; }

    public void OnGet()
    {
        Devices = [.. registry.List().OrderBy(d => d.Record.Area ?? "\uffff", StringComparer.OrdinalIgnoreCase)
            .ThenBy(d => d.Record.DisplayName, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Toggles a relay. fetch() callers get JSON (the live feed then updates the row); plain forms a redirect.</summary>
    public async Task<IActionResult> OnPostChannelAsync(string id, int channel, string op, CancellationToken ct)
    {
        var what = op switch
        {
            "on" => ChannelAction.On,
            "off" => ChannelAction.Off,
            _ => ChannelAction.Toggle,
        };
        var result = await commands.SetChannelAsync(id, channel, what, ct);
        if (Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
        {
            return result.Succeeded
                ? new JsonResult(new { status = result.Status.ToString(), value = result.Device?.Channels.GetValueOrDefault(channel) })
                : new JsonResult(new { status = result.Status.ToString(), error = result.Error }) { StatusCode = StatusCodes.Status502BadGateway };
        }
        if (!result.Succeeded)
        {
            ErrorMessage = result.Error ?? "The plug did not answer.";
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

    public static string Reading(DeviceSnapshot d, string quantity, string unit, string format = "0.#") =>
        d.Readings.TryGetValue(quantity, out var v) ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + " " + unit : "";
}
