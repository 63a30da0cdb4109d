using System.Text;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The plug's log memory: a 4096-byte ring read over HTTP by <c>GET /lograw</c>, which returns what was logged since
/// the previous HTTP read (firmware <c>logging.c</c>); every console command is logged as the firmware's CMD feature does.
/// The pin configuration itself lives in <c>SimulatedPlug.Config.cs</c>.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>BK7231 pin count in <c>/api/pins</c> (PLATFORM_GPIO_MAX).</summary>
    public const int PinCount = GpioCount;

    public const int LogSize = 4096;

    private readonly StringBuilder _logRing = new();
    private int _logHttpTail;

    /// <summary>The pins in the plug's configuration now, by role short name (empty pins left out).</summary>
    public IReadOnlyList<PinAssignment> Pins =>
    [
        .. Enumerable.Range(0, GpioCount).Select(i => (Pin: i, Value: GetPin(i)))
            .Where(p => p.Value.Role != 0 || p.Value.Channel != 0 || p.Value.Channel2 != 0)
            .Select(p => new PinAssignment(p.Pin, Firmware.FirmwareBoot.RoleShortName(p.Value.Role), p.Value.Channel, p.Value.Channel2)),
    ];

    /// <summary>Logs a console command as the firmware's CMD feature does.</summary>
    private void LogCommand(string upper, string args) => AddLog($"Info:CMD:[WebApp Cmd '{upper} {args}' Result] OK");

    /// <summary>Appends a line to the log memory (CR LF terminated; the oldest bytes are overwritten).</summary>
    internal void AddLog(string line)
    {
        lock (_logRing)
        {
            _logRing.Append(line).Append("\r\n");
            if (_logRing.Length > LogSize)
            {
                var drop = _logRing.Length - LogSize;
                _logRing.Remove(0, drop);
                _logHttpTail = Math.Max(0, _logHttpTail - drop);
            }
        }
    }

    /// <summary><c>GET /lograw</c>: everything logged since the last HTTP read (one shared tail, as in the firmware).</summary>
    internal string ReadLogForHttp()
    {
        lock (_logRing)
        {
            var text = _logRing.ToString(_logHttpTail, _logRing.Length - _logHttpTail);
            _logHttpTail = _logRing.Length;
            return text;
        }
    }
}
