using System.Buffers.Binary;
using System.Text;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Errors;
using L = OpenBekenHub.Provisioning.Config.ObkConfigLayout;

namespace OpenBekenHub.Provisioning.Config;

/// <summary>Produces the 3,584-byte configuration block exactly as the firmware reads it (openbeken.md §5).</summary>
public static class ObkConfigWriter
{
    /// <summary>
    /// Serialises <paramref name="config"/>: zero-filled, <c>CFG</c>, version, every field at its offset, then the
    /// signed CRC-8 over bytes [4, 3584) at byte 3. Throws <see cref="ProvisioningException"/> (InvalidField) when a
    /// value does not fit.
    /// </summary>
    public static byte[] Build(ObkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Version is not (4 or 5))
        {
            throw Invalid(nameof(config.Version), "is " + config.Version + "; only versions 4 and 5 have the 3584-byte layout");
        }
        var b = new byte[L.Size];
        b[0] = (byte)'C';
        b[1] = (byte)'F';
        b[2] = (byte)'G';
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s[L.Version..], config.Version);
        BinaryPrimitives.WriteUInt64LittleEndian(s[L.GenericFlags..], config.Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(s[L.ChangeCounter..], config.ChangeCounter);
        BinaryPrimitives.WriteUInt16LittleEndian(s[L.OtaCounter..], config.OtaCounter);

        Str(s, L.WifiSsidField, config.WifiSsid, nameof(config.WifiSsid));
        Str(s, L.WifiPassField, config.WifiPassword, nameof(config.WifiPassword), allowFull: true);
        Str(s, L.MqttHostField, config.MqttHost, nameof(config.MqttHost));
        Str(s, L.MqttClientIdField, config.MqttClientId, nameof(config.MqttClientId));
        Str(s, L.MqttUserNameField, config.MqttUser, nameof(config.MqttUser));
        Str(s, L.MqttPassField, config.MqttPassword, nameof(config.MqttPassword));
        if (config.MqttPort is < 0 or > 65535)
        {
            throw Invalid(nameof(config.MqttPort), "is " + config.MqttPort + "; must be 1-65535");
        }
        BinaryPrimitives.WriteInt32LittleEndian(s[L.MqttPort..], config.MqttPort);
        Str(s, L.WebappRootField, config.WebappRoot, nameof(config.WebappRoot));
        config.StoredMac?.ToBytes().CopyTo(s[L.Mac..]);
        Str(s, L.ShortDeviceNameField, config.ShortName, nameof(config.ShortName));
        Str(s, L.LongDeviceNameField, config.LongName, nameof(config.LongName));

        WritePins(s, config);
        WriteChannels(s, config);

        b[L.Log2Lfs] = config.LogToLfs;
        BinaryPrimitives.WriteUInt32LittleEndian(s[L.DgrSendFlags..], config.DgrSendFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[L.DgrRecvFlags..], config.DgrRecvFlags);
        Str(s, L.DgrNameField, config.DgrName, nameof(config.DgrName));
        Str(s, L.NtpServerField, config.NtpServer, nameof(config.NtpServer));
        if (config.CalibrationRaw.Count != 8)
        {
            throw Invalid(nameof(config.CalibrationRaw), "has " + config.CalibrationRaw.Count + " entries; the block holds exactly 8");
        }
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[(L.Calibration + (4 * i))..], config.CalibrationRaw[i]);
        }
        b[L.ButtonShortPress] = config.ButtonShortPress;
        b[L.ButtonLongPress] = config.ButtonLongPress;
        b[L.ButtonHoldRepeat] = config.ButtonHoldRepeat;
        BinaryPrimitives.WriteUInt32LittleEndian(s[L.LfsSize..], config.LfsSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[L.LoggerFlags..], config.LoggerFlags);
        WriteStaticIp(s, config.StaticIp);
        if (config.LedRemap.Count != 5)
        {
            throw Invalid(nameof(config.LedRemap), "has " + config.LedRemap.Count + " entries; the block holds exactly 5 (r, g, b, c, w)");
        }
        for (var i = 0; i < 5; i++)
        {
            b[L.LedRemap + i] = config.LedRemap[i];
        }
        var lc = config.LedCorrection;
        float[] corr = [lc.Red, lc.Green, lc.Blue, lc.Gamma, lc.RgbMin, lc.CwMin];
        for (var i = 0; i < corr.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(s[(L.LedCorrection + (4 * i))..], corr[i]);
        }
        Str(s, L.MqttGroupField, config.MqttGroup, nameof(config.MqttGroup));
        b[L.TimeRequiredToMarkBootSuccessful] = config.TimeRequiredToMarkBootSuccessful;
        BinaryPrimitives.WriteInt32LittleEndian(s[L.PingInterval..], config.PingInterval);
        BinaryPrimitives.WriteInt32LittleEndian(s[L.PingSeconds..], config.PingSeconds);
        Str(s, L.PingHostField, config.PingHost, nameof(config.PingHost));
        Str(s, L.InitCommandLineField, config.InitCommandLine, nameof(config.InitCommandLine));
        Str(s, L.WifiSsid2Field, config.WifiSsid2, nameof(config.WifiSsid2));
        Str(s, L.WifiPass2Field, config.WifiPassword2, nameof(config.WifiPassword2));
        Str(s, L.WebPasswordField, config.WebPassword, nameof(config.WebPassword));
        b[L.MqttUseTls] = config.MqttUseTls ? (byte)1 : (byte)0;
        b[L.MqttVerifyTlsCert] = config.MqttVerifyTlsCert ? (byte)1 : (byte)0;
        Str(s, L.MqttCertFileField, config.MqttCertFile, nameof(config.MqttCertFile));
        b[L.DisableWebServer] = config.DisableWebServer ? (byte)1 : (byte)0;

        b[L.Crc] = ObkCrc8.ComputeSigned(s[L.Version..]);
        return b;
    }

    /// <summary>
    /// The whole 4 KiB configuration sector as the firmware leaves it: the block followed by 0xFF (the firmware
    /// erases the sector and writes only <c>sizeof(mainConfig_t)</c> bytes). Write it at <see cref="ObkChip.ConfigOffset"/>.
    /// </summary>
    public static byte[] BuildSector(ObkConfig config)
    {
        var sector = new byte[ObkChip.SectorSize];
        sector.AsSpan().Fill(0xFF);
        Build(config).CopyTo(sector, 0);
        return sector;
    }

    /// <summary>
    /// Places the configuration sector into a copy of a full flash image at the chip's config offset; every other
    /// byte (the RF sector beside it included) is left as it was.
    /// </summary>
    public static byte[] PlaceInFlash(ReadOnlySpan<byte> flash, ObkChip chip, ObkConfig config)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (flash.Length < chip.ConfigOffset + ObkChip.SectorSize)
        {
            throw new ProvisioningException(ProvisioningErrorKind.TooShort,
                $"Flash image is {flash.Length} bytes; the {chip.Name} config sector ends at 0x{chip.ConfigOffset + ObkChip.SectorSize:X}.",
                "Give a full 2 MiB flash image.");
        }
        var copy = flash.ToArray();
        BuildSector(config).CopyTo(copy, chip.ConfigOffset);
        return copy;
    }

    private static void WritePins(Span<byte> s, ObkConfig config)
    {
        var seen = new HashSet<int>();
        foreach (var p in config.Pins)
        {
            if (p.Pin is < 0 or >= L.PinCount)
            {
                throw Invalid("Pins", "has pin " + p.Pin + "; this chip group has pins 0-" + (L.PinCount - 1));
            }
            if (!seen.Add(p.Pin))
            {
                throw Invalid("Pins", "lists pin " + p.Pin + " twice");
            }
            CheckByte("Pins[" + p.Pin + "].Role", p.Role);
            CheckByte("Pins[" + p.Pin + "].Channel", p.Channel);
            CheckByte("Pins[" + p.Pin + "].Channel2", p.Channel2);
            s[L.PinRoles + p.Pin] = (byte)p.Role;
            s[L.PinChannels + p.Pin] = (byte)p.Channel;
            s[L.PinChannels2 + p.Pin] = (byte)p.Channel2;
        }
    }

    private static void WriteChannels(Span<byte> s, ObkConfig config)
    {
        foreach (var (ch, type) in config.ChannelTypes)
        {
            CheckChannel("ChannelTypes", ch);
            CheckByte("ChannelTypes[" + ch + "]", type);
            s[L.ChannelTypes + ch] = (byte)type;
        }
        foreach (var (ch, value) in config.StartValues)
        {
            CheckChannel("StartValues", ch);
            BinaryPrimitives.WriteInt16LittleEndian(s[(L.StartChannelValues + (2 * ch))..], value);
        }
    }

    private static void WriteStaticIp(Span<byte> s, ObkStaticIp? ip)
    {
        if (ip is null)
        {
            return;
        }
        var parts = new[] { ip.Ip, ip.Mask, ip.Gateway, ip.Dns };
        for (var i = 0; i < 4; i++)
        {
            var bytes = parts[i].GetAddressBytes();
            if (bytes.Length != 4)
            {
                throw Invalid(nameof(ObkConfig.StaticIp), "must hold IPv4 addresses");
            }
            bytes.CopyTo(s[(L.StaticIp + (4 * i))..]);
        }
    }

    private static void Str(Span<byte> s, (int Offset, int Length) field, string value, string name, bool allowFull = false)
    {
        var bytes = Encoding.UTF8.GetBytes(value ?? "");
        var max = allowFull ? field.Length : field.Length - 1;
        if (bytes.Length > max)
        {
            throw Invalid(name, "is " + bytes.Length + " bytes; the field holds at most " + max);
        }
        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            throw Invalid(name, "contains a NUL character");
        }
        bytes.CopyTo(s[field.Offset..]);
    }

    private static void CheckByte(string name, int value)
    {
        if (value is < 0 or > 255)
        {
            throw Invalid(name, "is " + value + "; must be 0-255");
        }
    }

    private static void CheckChannel(string name, int ch)
    {
        if (ch is < 0 or >= L.ChannelCount)
        {
            throw Invalid(name, "has channel " + ch + "; channels are 0-" + (L.ChannelCount - 1));
        }
    }

    private static ProvisioningException Invalid(string field, string what) =>
        new(ProvisioningErrorKind.InvalidField, "Config field " + field + " " + what + ".",
            "Shorten or correct the value in the profile, name or template.");
}
