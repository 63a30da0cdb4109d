using System.Buffers.Binary;
using System.Text;

namespace OpenBekenHub.Simulators.Firmware;

/// <summary>
/// The values a simulated plug reads from OpenBeken's flash configuration block at boot. This is the simulator's
/// own reading of the documented layout (openbeken.md §5.2-5.4), written without the hub's Provisioning library,
/// so an end-to-end test proves the hub's writer and the documented layout agree.
/// </summary>
public sealed record FlashConfigBlock
{
    public required int Version { get; init; }
    public required ulong Flags { get; init; }
    public required string WifiSsid { get; init; }
    public required string WifiPassword { get; init; }
    public required string MqttHost { get; init; }
    public required int MqttPort { get; init; }
    public required string MqttClientId { get; init; }
    public required string MqttUser { get; init; }
    public required string MqttPassword { get; init; }
    public required string MqttGroup { get; init; }
    public required string ShortName { get; init; }
    public required string LongName { get; init; }
    /// <summary>Pin number → (role number, channel, channel2) for every pin with a role or a channel.</summary>
    public required IReadOnlyDictionary<int, (int Role, int Channel, int Channel2)> Pins { get; init; }
    public required string StartupCommand { get; init; }
    public required string WebPassword { get; init; }
    /// <summary>The MAC copy kept in the block (all zero when not set); the firmware ignores it on Beken.</summary>
    public required byte[] StoredMac { get; init; }

    /// <summary>Why the firmware would not accept the block, or null when it would.</summary>
    public static string? Check(ReadOnlySpan<byte> block)
    {
        if (block.Length < 8)
        {
            return "the config area is shorter than the header";
        }
        if (block[0] != 0x43 || block[1] != 0x46 || block[2] != 0x47)
        {
            return block[..4].IndexOfAnyExcept((byte)0xFF) < 0 ? "the config sector is erased" : "the config ident is not 'CFG'";
        }
        var version = BinaryPrimitives.ReadInt32LittleEndian(block[4..]);
        var size = version == 3 ? 2016 : 3584;
        if (version is not (4 or 5))
        {
            return "config version " + version + " is not simulated (only 4 and 5)";
        }
        if (block.Length < size)
        {
            return "the config area is shorter than " + size + " bytes";
        }
        var crc = BekenCrc8(block[4..size]);
        return crc == block[3] ? null : $"config check byte 0x{block[3]:X2} does not match the computed 0x{crc:X2}";
    }

    /// <summary>Parses a block the firmware would accept; throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static FlashConfigBlock Parse(ReadOnlySpan<byte> block)
    {
        var problem = Check(block);
        if (problem is not null)
        {
            throw new InvalidDataException(problem);
        }
        var pins = new Dictionary<int, (int, int, int)>();
        for (var pin = 0; pin < 32; pin++)
        {
            int role = block[0x33E + pin], ch = block[0x35E + pin], ch2 = block[0x37E + pin];
            if (role != 0 || ch != 0 || ch2 != 0)
            {
                pins[pin] = (role, ch, ch2);
            }
        }
        return new FlashConfigBlock
        {
            Version = BinaryPrimitives.ReadInt32LittleEndian(block[4..]),
            Flags = BinaryPrimitives.ReadUInt32LittleEndian(block[0x08..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(block[0x0C..]) << 32),
            WifiSsid = Text(block, 0x14, 64),
            WifiPassword = Text(block, 0x54, 64),
            MqttHost = Text(block, 0x94, 256),
            MqttClientId = Text(block, 0x194, 64),
            MqttUser = Text(block, 0x1D4, 64),
            MqttPassword = Text(block, 0x214, 128),
            MqttPort = BinaryPrimitives.ReadInt32LittleEndian(block[0x294..]),
            StoredMac = block.Slice(0x2D8, 6).ToArray(),
            ShortName = Text(block, 0x2DE, 32),
            LongName = Text(block, 0x2FE, 64),
            Pins = pins,
            MqttGroup = Text(block, 0x554, 64),
            StartupCommand = Text(block, 0x5E0, 1568),
            WebPassword = Text(block, 0xC84, 33),
        };
    }

    /// <summary>
    /// The firmware's tiny_crc8 compiled with a signed <c>char</c> (as the Beken SDKs are): the register is a signed
    /// byte, so each right shift copies bit 7.
    /// </summary>
    internal static byte BekenCrc8(ReadOnlySpan<byte> data)
    {
        sbyte crc = 0;
        foreach (var d in data)
        {
            var inbyte = d;
            for (var i = 8; i > 0; i--)
            {
                var mix = (byte)((crc ^ inbyte) & 0x01);
                crc = (sbyte)(crc >> 1);
                if (mix != 0)
                {
                    crc = (sbyte)(crc ^ unchecked((sbyte)0x8C));
                }
                inbyte >>= 1;
            }
        }
        return unchecked((byte)crc);
    }

    private static string Text(ReadOnlySpan<byte> block, int offset, int capacity)
    {
        var field = block.Slice(offset, capacity);
        var nul = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? field[..nul] : field);
    }
}
