using System.Globalization;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Pins;

/// <summary>
/// Console commands (openbeken.md §4.2) that apply a template to an adopted plug over MQTT
/// (<c>cmnd/&lt;c&gt;/backlog</c>) or HTTP (<c>POST /api/cmnd</c>), the way the web app's importer does:
/// <c>SetPinRole</c> + <c>SetPinChannel</c> per pin, then <c>Flags</c>, channel types and <c>StartupCommand</c>.
/// </summary>
public static class ObkCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary><c>SetPinRole &lt;pin&gt; &lt;shortName&gt;</c> (numbers are not accepted by the firmware).</summary>
    public static string SetPinRole(int pin, PinRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return string.Create(Inv, $"SetPinRole {pin} {role.CommandName}");
    }

    /// <summary><c>SetPinChannel &lt;pin&gt; &lt;ch&gt; [ch2]</c>; the second channel only when non-zero.</summary>
    public static string SetPinChannel(int pin, int channel, int channel2 = 0) =>
        channel2 != 0 ? string.Create(Inv, $"SetPinChannel {pin} {channel} {channel2}") : string.Create(Inv, $"SetPinChannel {pin} {channel}");

    /// <summary><c>setChannelType &lt;ch&gt; &lt;TypeName&gt;</c>.</summary>
    public static string SetChannelType(int channel, ChannelType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return string.Create(Inv, $"setChannelType {channel} {type.Name}");
    }

    /// <summary><c>Flags &lt;uint64 decimal&gt;</c>.</summary>
    public static string Flags(ulong flags) => string.Create(Inv, $"Flags {flags}");

    /// <summary><c>StartupCommand "&lt;cmds&gt;"</c>. Double quotes inside become single quotes, which the tokenizer would otherwise cut at.</summary>
    public static string StartupCommand(string command) =>
        "StartupCommand \"" + (command ?? "").Replace('"', '\'') + "\"";

    /// <summary>
    /// The commands that make a plug's pins, flags, channel types and startup command equal to the template's.
    /// Pins in <paramref name="clearPins"/> that the template does not set get role None and channel 0 first.
    /// </summary>
    public static IReadOnlyList<string> ForTemplate(PinTemplate template, IEnumerable<int>? clearPins = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var cmds = new List<string>();
        var set = template.Pins.Select(p => p.Pin).ToHashSet();
        foreach (var pin in (clearPins ?? []).Where(p => !set.Contains(p)).Distinct().Order())
        {
            cmds.Add(SetPinRole(pin, PinRoles.None));
            cmds.Add(SetPinChannel(pin, 0));
        }
        foreach (var p in template.Pins.OrderBy(p => p.Pin))
        {
            var role = PinRoles.FindByNumber(p.Role)
                ?? throw new ArgumentException("Pin " + p.Pin + " has role number " + p.Role + ", which the firmware does not know.", nameof(template));
            cmds.Add(SetPinRole(p.Pin, role));
            cmds.Add(SetPinChannel(p.Pin, p.Channel, p.Channel2));
        }
        foreach (var (ch, type) in template.ChannelTypes.OrderBy(t => t.Key))
        {
            var t = ChannelTypes.FindByNumber(type)
                ?? throw new ArgumentException("Channel " + ch + " has type number " + type + ", which the firmware does not know.", nameof(template));
            cmds.Add(SetChannelType(ch, t));
        }
        if (template.Flags is { } flags)
        {
            cmds.Add(Flags(flags));
        }
        if (!string.IsNullOrWhiteSpace(template.StartupCommand))
        {
            cmds.Add(StartupCommand(template.StartupCommand));
        }
        return cmds;
    }

    /// <summary>The same commands for a configuration's pins (e.g. to copy a plug's pins to another one).</summary>
    public static IReadOnlyList<string> ForConfigPins(ObkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ForTemplate(new PinTemplate { Pins = config.Pins, ChannelTypes = config.ChannelTypes });
    }

    /// <summary>
    /// Joins commands into <c>backlog c1; c2; …</c> lines no longer than <paramref name="maxLength"/> characters
    /// (the MQTT receive limit is 2048 bytes; <c>/cm</c> runs commands over ~123 characters twice, so use
    /// <c>POST /api/cmnd</c> or MQTT for long lines). A <c>StartupCommand</c> always gets a line of its own,
    /// because its quoted text may itself contain <c>;</c>.
    /// </summary>
    public static IReadOnlyList<string> ToBacklogs(IEnumerable<string> commands, int maxLength = 1000)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var lines = new List<string>();
        var current = new List<string>();
        void Flush()
        {
            if (current.Count > 0)
            {
                lines.Add(current.Count == 1 ? current[0] : "backlog " + string.Join("; ", current));
                current.Clear();
            }
        }
        foreach (var c in commands)
        {
            if (c.StartsWith("StartupCommand", StringComparison.OrdinalIgnoreCase))
            {
                Flush();
                lines.Add(c);
                continue;
            }
            var projected = "backlog ".Length + current.Sum(x => x.Length + 2) + c.Length;
            if (current.Count > 0 && projected > maxLength)
            {
                Flush();
            }
            current.Add(c);
        }
        Flush();
        return lines;
    }
}
