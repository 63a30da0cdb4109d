using System.Net;
using System.Net.Sockets;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Flashing.Tests.Transport;

/// <summary>The flasher over a plain Stream (a loopback socket) instead of a serial port.</summary>
public sealed class StreamLinkTests
{
    [Fact]
    public async Task Connects_and_reads_through_a_stream_link()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, cts.Token);
        using var server = await listener.AcceptTcpClientAsync(cts.Token);
        server.NoDelay = true;
        using var emulator = new BootloaderEmulator(new EmulatorOptions { Chip = EmulatedChip.Bk7231N });
        var serving = emulator.RunAsync(server.GetStream(), cts.Token);

        await using (var link = new StreamLink(client.GetStream(), "loopback"))
        {
            await using var session = await FlashSession.ConnectAsync(link, new FlashSessionOptions { BaudRate = 115_200 }, cancellationToken: cts.Token);
            Assert.Same(Bk7231N.Instance, session.Chip);
            var data = await session.ReadAsync(0, 0x2000, cts.Token);
            Assert.Equal(emulator.Flash.Snapshot().AsSpan(0, 0x2000).ToArray(), data);
        }
        await cts.CancelAsync();
        // the emulator ends either because the link closed its stream or because it was cancelled: whichever comes first
        try
        {
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        Assert.True(serving.IsCompleted);
    }

    [Fact]
    public async Task Silence_is_diagnosed_as_wiring_not_as_noise()
    {
        using var ms = new BlockingSilentStream();
        await using var link = new StreamLink(ms, "silent");
        var loader = new BkLoader(link, new BkLoaderOptions { CatchTimeout = TimeSpan.FromMilliseconds(300), RebootTextInterval = null });
        var ex = await Assert.ThrowsAsync<BootloaderNotFoundException>(() => loader.CatchAsync());
        Assert.Contains("No reply at all", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TX/RX", ex.Hint, StringComparison.Ordinal);
    }

    /// <summary>Accepts writes, never answers; reads block until disposed.</summary>
    private sealed class BlockingSilentStream : Stream
    {
        private readonly ManualResetEventSlim _closed = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { _closed.Wait(); return 0; }
        public override long Seek(long offset, SeekOrigin origin) => 0;
        public override void SetLength(long value) { }
        public override void Write(byte[] buffer, int offset, int count) { }
        protected override void Dispose(bool disposing) { _closed.Set(); base.Dispose(disposing); }
    }
}
