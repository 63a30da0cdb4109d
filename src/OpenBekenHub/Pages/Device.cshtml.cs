using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenBekenHub.Api;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Pages;

public sealed class DeviceModel(OpenBekenBridge bridge, DeviceCommandService commands, Configs.UniqueIdAliasTable aliases) : PageModel
{
    /// <summary>The same projection REST and the live feed use.</summary>
    public DeviceDto Device { get; private set; } = null!;

    /// <summary>The plug this one was restored from as a replacement (id, name), or null.</summary>
    public (string Id, string Name)? Replaces { get; private set; }

    /// <summary>The plug that carries this one's Home Assistant device now (id, name), or null.</summary>
    public (string Id, string Name)? ReplacedBy { get; private set; }

    public bool BrokerConnected => bridge.IsConnected;

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    /// <summary>The last console exchange, shown under the console box.</summary>
    [TempData]
    public string? ConsoleReply { get; set; }

    public IReadOnlyList<PinRole> Roles => PinRoles.All;

    public IActionResult OnGet(string id)
    {
        if (bridge.State.Find(id) is not { } device)
        {
            return NotFound();
        }
        Device = DeviceDto.From(device);
        Replaces = Named(aliases.Replaces(id));
        ReplacedBy = Named(aliases.ReplacedBy(id));
        return Page();
    }

    private (string Id, string Name)? Named(string? id) =>
        id is null ? null : (id, bridge.State.Find(id)?.Record.DisplayName ?? id);

    /// <summary>The user approves an identity move: the device takes the client topic its MAC was reported on.</summary>
    public IActionResult OnPostApproveMove(string id)
    {
        var moved = bridge.ApproveMove(id);
        Message = moved is null ? null : $"Moved to client topic {moved.ClientTopic}.";
        ErrorMessage = moved is null ? "Nothing to approve (or another device holds that topic)." : null;
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostRenameAsync(string id, string? name, string? area, CancellationToken ct)
    {
        var updated = await bridge.UpdateAsync(id, string.IsNullOrWhiteSpace(name) ? null : name.Trim(), area?.Trim() ?? "", ct);
        Message = updated is null ? "No such device." : "Saved; Home Assistant keeps the same entities under the new name.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostConsoleAsync(string id, string command, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command))
        {
            return RedirectToPage(new { id });
        }
        var result = await commands.ExecuteAsync(id, command.Trim(), ct);
        ConsoleReply = $"> {command.Trim()}\n{(result.Succeeded ? result.Reply ?? "(sent)" : $"error ({result.HttpStatus}): {result.Error}")}";
        ErrorMessage = result.Succeeded ? null : result.Error;
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostRestartAsync(string id, CancellationToken ct)
    {
        var result = await commands.RestartAsync(id, ct);
        Message = result.Succeeded ? "Restarting; it is back in a few seconds." : null;
        ErrorMessage = result.Succeeded ? null : result.Error;
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostForgetAsync(string id, CancellationToken ct)
    {
        var removed = await bridge.ForgetAsync(id, ct);
        Message = removed is null ? "No such device." : $"Forgot {removed.Record.DisplayName}; its Home Assistant entities are removed.";
        return Redirect("/");
    }
}
