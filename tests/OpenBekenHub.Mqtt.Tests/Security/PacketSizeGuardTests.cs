using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Mqtt.Tests.Security;

public sealed class PacketSizeGuardTests
{
    /// <summary>MQTT remaining-length encoding (§2.2.3).</summary>
    private static byte[] Header(byte type, int length)
    {
        var bytes = new List<byte> { type };
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            bytes.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        return [.. bytes];
    }

    private static async Task<int> ReadAllAsync(Stream s, int chunk)
    {
        var buffer = new byte[chunk];
        var total = 0;
        int n;
        while ((n = await s.ReadAsync(buffer)) > 0)
        {
            total += n;
        }
        return total;
    }

    [Fact]
    public async Task Packets_within_the_limit_pass_whole_in_any_read_size()
    {
        var data = new List<byte>();
        foreach (var len in new[] { 0, 10, 300, 4090 })
        {
            data.AddRange(Header(0x30, len));
            data.AddRange(new byte[len]);
        }
        foreach (var chunk in new[] { 1, 2, 7, 4096 })
        {
            await using var guard = new PacketSizeGuardStream(new MemoryStream([.. data]), 4096);
            Assert.Equal(data.Count, await ReadAllAsync(guard, chunk));
            Assert.Null(guard.RefusedSize);
        }
    }

    [Fact]
    public async Task A_header_announcing_200_MiB_fails_the_read_that_completes_it()
    {
        var header = Header(0x30, 200 * 1024 * 1024);
        Assert.Equal(5, header.Length);
        await using var guard = new PacketSizeGuardStream(new MemoryStream([.. Header(0xC0, 0), .. header, 1, 2, 3]), 256 * 1024);
        var buffer = new byte[1];
        // PINGREQ, then the type byte and the first three length bytes pass; the fourth length byte completes the header
        for (var i = 0; i < 2 + 4; i++)
        {
            Assert.Equal(1, await guard.ReadAsync(buffer));
        }
        var ex = await Assert.ThrowsAsync<PacketTooLargeException>(async () => await guard.ReadAtLeastAsync(buffer, 1));
        Assert.Equal(200 * 1024 * 1024 + 5, ex.Size);
        Assert.Equal(200 * 1024 * 1024 + 5, guard.RefusedSize);
    }
}
