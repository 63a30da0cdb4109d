using System.Globalization;
using System.Text;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The configuration the firmware keeps in flash and serves over its REST API (rest_interface.c): pin roles and
/// channels (<c>/api/pins</c>), 64 channel types (<c>/api/channelTypes</c>), the short startup command, and the
/// LittleFS files (<c>/api/lfs/</c>). It survives restarts, as flash does.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>PLATFORM_GPIO_MAX on Beken: <c>/api/pins</c> lists this many pins.</summary>
    public const int GpioCount = 29;

    /// <summary>CHANNEL_MAX: <c>/api/channelTypes</c> lists this many types.</summary>
    public const int ChannelTypeCount = 64;

    /// <summary>Default LittleFS size (32 KiB) less the blocks littlefs keeps for its own metadata.</summary>
    public const int LfsDataCapacity = 0x8000 - (2 * 0x1000);

    /// <summary>The firmware's short startup command buffer (config <c>initCommandLine</c>).</summary>
    public const int StartupCommandMax = 1568;

    private readonly int[] _pinRoles = new int[GpioCount];
    private readonly int[] _pinChannels = new int[GpioCount];
    private readonly int[] _pinChannels2 = new int[GpioCount];
    private readonly int[] _channelTypes = new int[ChannelTypeCount];
    private SortedDictionary<string, byte[]>? _lfs;
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

    /// <summary>The LittleFS files (path → bytes); empty when the file system was never created.</summary>
    public IReadOnlyDictionary<string, byte[]> LfsFiles
    {
        get
        {
            lock (_gate)
            {
                return _lfs is null ? new Dictionary<string, byte[]>() : new Dictionary<string, byte[]>(_lfs, StringComparer.Ordinal);
            }
        }
    }

    internal bool LfsPresent
    {
        get
        {
            lock (_gate)
            {
                return _lfs is not null;
            }
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

    /// <summary>Writes a LittleFS file (creating the file system, as <c>POST /api/lfs/</c> does). False when it is full.</summary>
    public bool WriteLfsFile(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        lock (_gate)
        {
            _lfs ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            var used = _lfs.Where(f => f.Key != path).Sum(f => (long)f.Value.Length);
            if (used + content.Length > LfsDataCapacity)
            {
                return false;
            }
            _lfs[path] = content;
            return true;
        }
    }

    internal bool DeleteLfsFile(string path)
    {
        lock (_gate)
        {
            return _lfs is not null && _lfs.Remove(path);
        }
    }

    internal byte[]? ReadLfsFile(string path)
    {
        lock (_gate)
        {
            return _lfs is not null && _lfs.TryGetValue(path, out var content) ? content : null;
        }
    }

    /// <summary>Entries directly under <paramref name="folder"/> ("" = root): files (type 1) and folders (type 2).</summary>
    internal IReadOnlyList<(string Name, int Type, int Size)> ListLfs(string folder)
    {
        lock (_gate)
        {
            var prefix = folder.Length == 0 ? "" : folder.TrimEnd('/') + "/";
            var entries = new List<(string, int, int)> { (".", 2, 0), ("..", 2, 0) };
            var folders = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (path, content) in _lfs ?? [])
            {
                if (!path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var rest = path[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    entries.Add((rest, 1, content.Length));
                }
                else
                {
                    folders.Add(rest[..slash]);
                }
            }
            entries.AddRange(folders.Select(f => (f, 2, 0)));
            return entries;
        }
    }

    internal bool IsLfsFolder(string path)
    {
        lock (_gate)
        {
            var prefix = path.TrimEnd('/') + "/";
            return path.Length == 0 ? _lfs is not null : _lfs?.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)) == true;
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
