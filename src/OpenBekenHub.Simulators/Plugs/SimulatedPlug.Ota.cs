using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Simulators.Images;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>How a simulated plug misbehaves during OTA, beyond what the served file and the firmware's limits cause.</summary>
public enum OtaFailureMode
{
    None,

    /// <summary>Closes the download half-way (Wi-Fi drop, low-heap reboot): the truncated package is ignored, old version.</summary>
    DropsDownload,

    /// <summary>Reboots after the download and never comes back (a plug that needs a power-cycle).</summary>
    NeverReturns,

    /// <summary>Downloads everything, reboots, and still runs the old version (OpenBeken issues #1261, #2157).</summary>
    RebootsIntoSameVersion,
}

/// <summary>
/// OpenBeken's OTA (openbeken-ota.md §1-4): <c>ota_http &lt;url&gt;</c> pulls over plain HTTP with the firmware's HTTP
/// client limits (status 200 only, case-sensitive <c>Content-Length</c> required, no chunked decoding, no redirects,
/// host and path under 128 bytes, header lines under 256, reads in ≤255-byte pieces that block without timeout), MQTT
/// closed while it runs (LWT), a reboot after every attempt, success visible only as the new version after boot.
/// The raw file lands in the download area from the OTA partition start, overwriting LittleFS when it is longer than the
/// gap; the bootloader installs a good package on the next boot, ignores a bad one, and a package for the other chip
/// bricks the plug. Push OTA (<c>POST /api/ota</c>) writes the same area without reboot.
/// </summary>
public sealed partial class SimulatedPlug
{
    private const int PieceSize = 255;
    private const int MaxDownload = 2 * 1024 * 1024;
    private byte[]? _downloadArea;
    private int _otaBusy;
    private string? _installedVersion;
    private long _otaBytesReceived;

    /// <summary>Failure mode for the next OTA attempts (tests pick one per plug).</summary>
    public OtaFailureMode OtaFailure { get; set; }

    /// <summary>Pause after each piece that does not fill a 4 KiB sector; the firmware sleeps 10 ms (add_otadata).</summary>
    public TimeSpan OtaPiecePause { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Delay between the end of a pull and the reboot (firmware: 1 s).</summary>
    public TimeSpan OtaRebootDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The running firmware version (changes only when a good package for this chip is installed on boot).</summary>
    public string FirmwareVersion
    {
        get => _installedVersion ?? Settings.Version;
        private set => _installedVersion = value;
    }

    /// <summary>Runs code for another chip: it never boots again.</summary>
    public bool IsBricked { get; private set; }

    /// <summary>Hung after an OTA (<see cref="OtaFailureMode.NeverReturns"/>).</summary>
    public bool IsHung { get; private set; }

    public bool OtaInProgress => Volatile.Read(ref _otaBusy) != 0;

    /// <summary>Body bytes received by the last pull (the firmware's "Downloaded: N B").</summary>
    public long OtaBytesReceived => Interlocked.Read(ref _otaBytesReceived);

    /// <summary>Number of pull attempts (the config's otaCounter, which also counts failures).</summary>
    public int OtaCounter { get; private set; }

    private (uint OtaStart, uint LfsStart) OtaLayout => Settings.Chip.EndsWith('T') ? (0x132000u, 0x1AB000u) : (0x12A000u, 0x1C8000u);

    /// <summary>
    /// <c>ota_http &lt;url&gt;</c>: refused while a download runs ("http in progress"), otherwise MQTT closes, the pull
    /// runs, and the plug reboots whatever happened.
    /// </summary>
    internal void StartOtaHttp(string url)
    {
        if (url.Length == 0 || Interlocked.CompareExchange(ref _otaBusy, 1, 0) != 0)
        {
            return;
        }
        OtaCounter++;
        _ = Task.Run(() => PullAndRebootAsync(url));
    }

    private async Task PullAndRebootAsync(string url)
    {
        var ct = _life.Token;
        try
        {
            await PowerOffAsync().ConfigureAwait(false); // "OTA started MQTT will be closed": TCP drop, the broker sends the LWT
            Interlocked.Exchange(ref _otaBytesReceived, 0);
            var received = await DownloadAsync(url, ct).ConfigureAwait(false);
            lock (_gate)
            {
                _downloadArea = received;
            }
            await Task.Delay(OtaRebootDelay, ct).ConfigureAwait(false);
            await RebootFromDownloadAreaAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // disposed mid-download
        }
        finally
        {
            Volatile.Write(ref _otaBusy, 0);
        }
    }

    /// <summary>The firmware's HTTP client; returns what was written to the download area (possibly partial or empty).</summary>
    private async Task<byte[]> DownloadAsync(string url, CancellationToken ct)
    {
        var sink = new MemoryStream();
        if (!TryParseUrl(url, out var host, out var port, out var path))
        {
            _logger.LogDebug("Plug {Topic}: ota_http {Url}: bad URL", ClientTopic, url);
            return [];
        }
        try
        {
            using var tcp = new TcpClient(AddressFamily.InterNetwork);
            await tcp.ConnectAsync(host, port, ct).ConfigureAwait(false);
            var stream = tcp.GetStream();
            var hostHeader = port == 80 ? host : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
            var request = $"GET {path} HTTP/1.1\r\nHost: {hostHeader}\r\nContent-Length: 0\r\nContent-Type: text/csv\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct).ConfigureAwait(false);
            var reader = new PieceReader(stream);
            var status = await reader.ReadLineAsync(ct).ConfigureAwait(false);
            if (status is null || status.Split(' ') is not [_, "200", ..])
            {
                _logger.LogDebug("Plug {Topic}: ota_http: 'Could not found' ({Status})", ClientTopic, status);
                return [];
            }
            long remaining = 0;
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { Length: > 0 } line)
            {
                // compared case-sensitively; the value is cut to 31 chars
                if (line.StartsWith("Content-Length:", StringComparison.Ordinal))
                {
                    var value = line[15..].Trim();
                    _ = long.TryParse(value[..Math.Min(31, value.Length)], NumberStyles.None, CultureInfo.InvariantCulture, out remaining);
                }
            }
            var dropAt = OtaFailure == OtaFailureMode.DropsDownload ? Math.Max(1, remaining / 2) : long.MaxValue;
            var piece = new byte[PieceSize];
            var sector = 0;
            do
            {
                // without Content-Length the counter starts at 0: one piece is taken, then the download ends
                var n = await reader.ReadAsync(piece, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                if (sink.Length + n <= MaxDownload)
                {
                    sink.Write(piece, 0, n);
                }
                Interlocked.Add(ref _otaBytesReceived, n);
                remaining -= n;
                sector += n;
                if (sector >= 4096)
                {
                    sector -= 4096;
                }
                else if (OtaPiecePause > TimeSpan.Zero)
                {
                    await Task.Delay(OtaPiecePause, ct).ConfigureAwait(false);
                }
                if (sink.Length >= dropAt)
                {
                    break;
                }
            }
            while (remaining > 0);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            _logger.LogDebug("Plug {Topic}: ota_http: {Message}", ClientTopic, ex.Message);
        }
        return sink.ToArray();
    }

    /// <summary>Firmware URL rules: <c>http://host[:port]/path</c>, "/" required, host and path under 128 bytes, IPv4 only.</summary>
    internal static bool TryParseUrl(string url, out string host, out int port, out string path)
    {
        host = path = "";
        port = 80;
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme < 0 ? url : url[(scheme + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }
        host = rest[..slash];
        path = rest[slash..];
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (!int.TryParse(host[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                return false;
            }
            host = host[..colon];
        }
        else if (url.StartsWith("HTTPS://", StringComparison.Ordinal))
        {
            port = 443; // only the upper-case scheme changes the port; the connection is plaintext either way
        }
        return host.Length is > 0 and < 128 && path.Length < 128;
    }

    /// <summary><c>POST /api/ota</c>: the body goes to the download area; <c>{"size":N}</c>; no reboot on Beken.</summary>
    internal string PushOta(byte[] body)
    {
        lock (_gate)
        {
            _downloadArea = body;
        }
        OverwriteLittleFsIfReached(body);
        return $"{{\"size\":{body.Length.ToString(CultureInfo.InvariantCulture)}}}";
    }

    /// <summary>Reboot: the bootloader looks at the download area, then the app boots (or does not).</summary>
    private async Task RebootFromDownloadAreaAsync()
    {
        await PowerOffAsync().ConfigureAwait(false);
        if (!ApplyDownloadArea())
        {
            return;
        }
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Applies a waiting package; false when the plug will not come back.</summary>
    private bool ApplyDownloadArea()
    {
        byte[]? area;
        lock (_gate)
        {
            area = _downloadArea;
            _downloadArea = null;
        }
        if (IsBricked || IsHung)
        {
            return false;
        }
        if (area is null)
        {
            return true;
        }
        OverwriteLittleFsIfReached(area);
        if (OtaFailure == OtaFailureMode.NeverReturns)
        {
            IsHung = true;
            return false;
        }
        var image = SyntheticRbl.Inspect(area);
        if (!image.Bootable || OtaFailure == OtaFailureMode.RebootsIntoSameVersion)
        {
            _logger.LogDebug("Plug {Topic}: download area ignored ({Why})", ClientTopic, image.Why);
            return true;
        }
        if (image.Chip != Settings.Chip || image.Version is null)
        {
            IsBricked = true; // the bootloader copied code built for another chip
            return false;
        }
        FirmwareVersion = image.Version;
        return true;
    }

    private void OverwriteLittleFsIfReached(byte[] area)
    {
        var (otaStart, lfsStart) = OtaLayout;
        var gap = (int)(lfsStart - otaStart);
        if (area.Length > gap)
        {
            _littleFs.WriteRaw(area.AsSpan(gap)); // the file system no longer mounts: its files are gone
        }
    }

    /// <summary>Reads the response as the firmware does: header lines up to 255 bytes, then body pieces.</summary>
    private sealed class PieceReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[PieceSize];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken ct)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (_start == _end && !await FillAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }
                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }
                if (line.Length >= PieceSize)
                {
                    throw new IOException("header len > chunksize");
                }
                line.Append((char)b);
            }
        }

        public async Task<int> ReadAsync(byte[] piece, CancellationToken ct)
        {
            if (_start == _end && !await FillAsync(ct).ConfigureAwait(false))
            {
                return 0;
            }
            var n = _end - _start;
            Array.Copy(_buffer, _start, piece, 0, n);
            _start = _end;
            return n;
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false); // select() with no timeout: blocks while the server stalls
            return _end > 0;
        }
    }
}
