using OpenBekenHub.Provisioning.Config;

namespace OpenBekenHub.Provisioning.Templates;

/// <summary>
/// Pins, flags, channel types and startup command to apply to a plug, whatever their origin (the OpenBeken device
/// list, a Tuya config extraction, or the user's editor). Roles are already numbers the firmware accepts.
/// </summary>
public sealed record PinTemplate
{
    /// <summary>Where it came from, e.g. <c>Generic WiFi DIY Switch</c> or <c>Tuya config (CB2S)</c>.</summary>
    public string Name { get; init; } = "";
    public IReadOnlyList<PinAssignment> Pins { get; init; } = [];
    /// <summary>Flags the template asks for (ORed into the profile's flags), or null.</summary>
    public ulong? Flags { get; init; }
    /// <summary>Channel → channel type number.</summary>
    public IReadOnlyDictionary<int, int> ChannelTypes { get; init; } = new Dictionary<int, int>();
    /// <summary>Short startup command, e.g. <c>backlog startDriver NTP; startDriver BL0942</c>; empty for none.</summary>
    public string StartupCommand { get; init; } = "";
    /// <summary>What was dropped or renamed while producing the template (unknown roles, bad pins).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
