using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using OpenBekenHub.Auth;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Store;

namespace OpenBekenHub.Pages;

public sealed class SettingsModel(
    IOptions<MqttOptions> mqtt,
    IConfiguration configuration,
    UserSettingsFile userSettings,
    ProfileStore profiles,
    ApiTokenStore tokens,
    UserStore users) : PageModel
{
    public MqttOptions Mqtt => mqtt.Value;

    public string DiscoveryPrefix => configuration["HomeAssistant:DiscoveryPrefix"] ?? "homeassistant";

    public IReadOnlyList<ProfileView> Profiles { get; private set; } = [];

    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? ErrorMessage { get; set; }

    /// <summary>A token's secret, shown once right after it was created.</summary>
    [TempData]
    public string? NewTokenSecret { get; set; }

    public ProfileView? Editing { get; private set; }

    public async Task OnGetAsync(string? edit, CancellationToken ct)
    {
        Profiles = await profiles.ListAsync(ct);
        Tokens = await tokens.ListAsync(ct);
        Editing = edit is null ? null : Profiles.FirstOrDefault(p => p.Id == edit);
    }

    public IActionResult OnPostBroker(string mode, string? host, int port, string? username, string? password, bool useTls, string discoveryPrefix)
    {
        if (string.IsNullOrWhiteSpace(discoveryPrefix) || discoveryPrefix.Contains('#') || discoveryPrefix.Contains('+'))
        {
            ErrorMessage = "Discovery prefix must be a plain topic (no # or +).";
            return RedirectToPage();
        }
        if (mode == "external" && (string.IsNullOrWhiteSpace(host) || port is < 1 or > 65535))
        {
            ErrorMessage = "An external broker needs a host and a port 1-65535.";
            return RedirectToPage();
        }
        var values = new Dictionary<string, string?>
        {
            ["HomeAssistant:DiscoveryPrefix"] = discoveryPrefix.Trim().TrimEnd('/'),
            ["Mqtt:Host"] = mode == "external" ? host!.Trim() : "",
            ["Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:Username"] = string.IsNullOrWhiteSpace(username) ? null : username.Trim(),
            ["Mqtt:UseTls"] = useTls ? "true" : "false",
        };
        if (!string.IsNullOrEmpty(password))
        {
            values["Mqtt:Password"] = password; // write-only: an empty field keeps the stored one
        }
        userSettings.Update(values);
        Message = "Broker settings saved. They apply when the hub restarts.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostProfileAsync(string? id, ProfileInput input, CancellationToken ct)
    {
        try
        {
            await profiles.SaveAsync(string.IsNullOrEmpty(id) ? null : id, input, ct);
            Message = $"Profile '{input.Name}' saved.";
        }
        catch (ArgumentException ex)
        {
            ErrorMessage = "Profile not saved: " + ex.Message;
        }
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDeleteProfileAsync(string id, CancellationToken ct)
    {
        Message = await profiles.DeleteAsync(id, ct) ? "Profile deleted." : "No such profile.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostCreateTokenAsync(string name, string? scope, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 64)
        {
            ErrorMessage = "Give the token a name (what script uses it), at most 64 characters.";
            return RedirectToPage();
        }
        if (!Enum.TryParse<HubScope>(scope, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
        {
            ErrorMessage = "Choose the token's scope: read, control or admin.";
            return RedirectToPage();
        }
        var (_, secret) = await tokens.CreateAsync(name.Trim(), parsed, ct);
        NewTokenSecret = secret;
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRevokeTokenAsync(string id, CancellationToken ct)
    {
        Message = await tokens.DeleteAsync(id, ct) ? "Token revoked." : "No such token.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostPasswordAsync(string current, string next, string confirm, CancellationToken ct)
    {
        if (next != confirm)
        {
            ErrorMessage = "The new passwords do not match.";
        }
        else if (PasswordPolicy.Problem(next) is { } problem)
        {
            ErrorMessage = "The new password " + problem + ".";
        }
        else if (!await users.ChangePasswordAsync(User.FindFirstValue(ClaimTypes.Name) ?? "", current, next, ct))
        {
            ErrorMessage = "The current password is wrong.";
        }
        else if (await users.VerifyAsync(User.FindFirstValue(ClaimTypes.Name) ?? "", next, ct) is { } user)
        {
            // every session ended with the change; this browser gets a fresh one
            await HubSessions.SignInAsync(HttpContext, user, ct);
            Message = "Password changed. Every other session was logged out.";
        }
        return RedirectToPage();
    }
}
