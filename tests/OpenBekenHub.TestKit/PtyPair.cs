namespace OpenBekenHub.TestKit;

/// <summary>
/// A pair of linked pseudo-terminals made by socat: what is written to one end is read from the other.
/// The flasher opens <see cref="HostPath"/> through System.IO.Ports; the emulator opens <see cref="DevicePath"/>.
/// socat runs raw with echo off so bytes pass unchanged.
/// </summary>
public sealed class PtyPair : IAsyncDisposable
{
    private readonly TempDir _dir = new("pty");
    private ExternalProcess? _socat;

    private PtyPair()
    {
        HostPath = _dir.File("host");
        DevicePath = _dir.File("device");
    }

    public string HostPath { get; }

    public string DevicePath { get; }

    public static async Task<PtyPair> CreateAsync()
    {
        var pair = new PtyPair();
        pair._socat = ExternalProcess.Start("socat", "-d", "-d",
            $"pty,raw,echo=0,link={pair.HostPath}", $"pty,raw,echo=0,link={pair.DevicePath}");
        await Eventually.TrueAsync(() => File.Exists(pair.HostPath) && File.Exists(pair.DevicePath),
            TimeSpan.FromSeconds(10), "socat created both pty links").ConfigureAwait(false);
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socat is not null)
        {
            await _socat.DisposeAsync().ConfigureAwait(false);
        }
        _dir.Dispose();
    }
}
