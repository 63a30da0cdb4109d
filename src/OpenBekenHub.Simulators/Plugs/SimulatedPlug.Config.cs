using System.Globalization;
using System.Text;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The configuration the firmware keeps in flash and serves over its REST API (rest_interface.c): pin roles and
/// channels (<c>/api/pins</c>), 64 channel types (<c>/api/channelTypes</c>) and the short startup command (the LittleFS
/// files are in SimulatedPlug.LittleFs.cs). It survives restarts, as flash does.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>PLATFORM_GPIO_MAX on Beken: <c>/api/pins</c> lists this many pins.</summary>
    public const int GpioCount = 29;

    /// <summary>CHANNEL_MAX: <c>/api/channelTypes</c> lists this many types.</summary>
    public const int ChannelTypeCount = 64;

    /// <summary>The firmware's short startup command buffer (config <c>initCommandLine</c>).</summary>
    public const int StartupCommandMax = 1568;

    private readonly int[] _pinRoles = new int[GpioCount];
    private readonly int[] _pinChannels = new int[GpioCount];
    private readonly int[] _pinChannels2 = new int[GpioCount];
    private readonly int[] _channelTypes = new int[ChannelTypeCount];
    private string? _startupCommand;
    private bool _pinsLoaded;

    /// <summary>The startup command now in the config (starts as <see cref="PlugSettings.StartupCommand"/>).</summary>
    public string StartupCommand
    {
        get
        {
            lock (_gate)
            {
                return _startupCommand ?? Settings.StartupCommand;
            }
        }
    }

    /// <summary>Pin i's role number, channel and second channel, as <c>/api/pins</c> reports them.</summary>
    public (int Role, int Channel, int Channel2) GetPin(int pin)
    {
        lock (_gate)
        {
            EnsurePins();
            return (_pinRoles[pin], _pinChannels[pin], _pinChannels2[pin]);
        }
    }

    public int GetChannelType(int channel)
    {
        lock (_gate)
        {
            return _channelTypes[channel];
        }
    }

    /// <summary>Role number of a short role name, or -1 (the firmware's <c>SetPinRole</c> takes names only).</summary>
    internal static int RoleNumber(string name)
    {
        for (var i = 0; i < 256; i++)
        {
            var n = FirmwareBoot.RoleShortName(i);
            if (n == i.ToString(CultureInfo.InvariantCulture))
            {
                return -1;
            }
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Sets pin <paramref name="pin"/>'s role (by number) as <c>POST /api/pins</c> and <c>SetPinRole</c> do.</summary>
    internal void SetPinRole(int pin, int role)
    {
        lock (_gate)
        {
            EnsurePins();
            _pinRoles[pin] = role;
            RebuildChannelSets();
        }
    }

    internal void SetPinChannel(int pin, int channel, int? channel2)
    {
        lock (_gate)
        {
            EnsurePins();
            _pinChannels[pin] = channel;
            if (channel2 is { } c2)
            {
                _pinChannels2[pin] = c2;
            }
            RebuildChannelSets();
        }
    }

    internal void SetChannelType(int channel, int type)
    {
        lock (_gate)
        {
            _channelTypes[channel] = type;
        }
    }

    /// <summary>Stores the startup command, cut to the config field's size as the firmware's strcpy_safe does.</summary>
    internal void SetStartupCommand(string text)
    {
        lock (_gate)
        {
            _startupCommand = text.Length > StartupCommandMax - 1 ? text[..(StartupCommandMax - 1)] : text;
        }
    }

    /// <summary>The config console commands (cmd_main.c / cmd_channels.c) the Console partial does not know.</summary>
    private void RunConfigCommand(string upper, string args)
    {
        var words = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (upper)
        {
            case "SETPINROLE":
                if (words.Length >= 2 && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pin) && pin < GpioCount)
                {
                    var role = words[1].Equals("None", StringComparison.OrdinalIgnoreCase) ? 0 : RoleNumber(words[1]);
                    if (role >= 0)
                    {
                        SetPinRole(pin, role);
                    }
                }
                break;
            case "SETPINCHANNEL":
                {
                    var a = Ints(args);
                    if (a.Length >= 2 && a[0] is >= 0 and < GpioCount)
                    {
                        SetPinChannel(a[0], a[1], a.Length >= 3 ? a[2] : null);
                    }
                    break;
                }
            case "STARTUPCOMMAND":
                SetStartupCommand(Unquote(args));
                break;
            default:
                break;
        }
    }

    private static string Unquote(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('"'))
        {
            var end = t.IndexOf('"', 1);
            return end < 0 ? t[1..] : t[1..end];
        }
        return t;
    }

    /// <summary>The pins come from the settings until something changes them (then the config is the truth).</summary>
    private void EnsurePins()
    {
        if (_pinsLoaded)
        {
            return;
        }
        _pinsLoaded = true;
        foreach (var p in Settings.Pins.Where(p => p.Pin is >= 0 and < GpioCount))
        {
            _pinRoles[p.Pin] = Math.Max(0, RoleNumber(p.Role));
            _pinChannels[p.Pin] = p.Channel;
            _pinChannels2[p.Pin] = p.Channel2;
        }
    }

    /// <summary>Relays and inputs follow the pins at once, as PIN_SetPinRoleForPinIndex does.</summary>
    private void RebuildChannelSets()
    {
        _relays.Clear();
        _inputs.Clear();
        for (var i = 0; i < GpioCount; i++)
        {
            var name = FirmwareBoot.RoleShortName(_pinRoles[i]);
            if (name is "Rel" or "Rel_n")
            {
                _relays.Add(_pinChannels[i]);
            }
            else if (name.StartsWith("dInput", StringComparison.Ordinal))
            {
                _inputs.Add(_pinChannels[i]);
            }
        }
    }

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
