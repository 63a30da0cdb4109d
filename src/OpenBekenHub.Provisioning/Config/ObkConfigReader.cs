using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Identity;
using L = OpenBekenHub.Provisioning.Config.ObkConfigLayout;

namespace OpenBekenHub.Provisioning.Config;

/// <summary>Parses a configuration block read from a device or a backup, checking magic, version and check byte.</summary>
public static class ObkConfigReader
{
    /// <summary>
    /// Parses a block (3584 bytes, or a longer span such as the whole 4 KiB sector). Throws
    /// <see cref="ProvisioningException"/> with kind Erased, TooShort, BadMagic, UnsupportedVersion or ChecksumMismatch.
    /// </summary>
    public static ObkConfig Parse(ReadOnlySpan<byte> block)
    {
        if (block.Length >= 4 && block[..4].IndexOfAnyExcept((byte)0xFF) < 0)
        {
            throw new ProvisioningException(ProvisioningErrorKind.Erased,
                "The configuration sector is erased (0xFF); the plug will boot with factory defaults (open AP).",
                "Write a configuration block, or configure the plug through its access point.");
        }
        if (block.Length < 8)
        {
            throw TooShort(block.Length);
        }
        if (block[0] != 'C' || block[1] != 'F' || block[2] != 'G')
        {
            throw new ProvisioningException(ProvisioningErrorKind.BadMagic,
                $"Not an OpenBeken configuration block: it starts with {Convert.ToHexString(block[..3])}, expected 434647 (\"CFG\").",
                "Check the offset (0x1E1000 on BK7231T, 0x1D1000 on BK7231N) and the chip.");
        }
        var version = BinaryPrimitives.ReadInt32LittleEndian(block[L.Version..]);
        if (version is not (4 or 5))
        {
            throw new ProvisioningException(ProvisioningErrorKind.UnsupportedVersion,
                "Configuration block version " + version + " is not supported (expected 4 or 5).",
                "Let the firmware upgrade the block by booting it once, or write a new block.");
        }
        if (block.Length < L.Size)
        {
            throw TooShort(block.Length);
        }
        var s = block[..L.Size];
        var expected = ObkCrc8.ComputeSigned(s[L.Version..]);
        if (s[L.Crc] != expected)
        {
            var unsigned = ObkCrc8.ComputeUnsigned(s[L.Version..]);
            var note = s[L.Crc] == unsigned ? " (it matches the unsigned CRC-8 of non-Beken platforms)" : "";
            throw new ProvisioningException(ProvisioningErrorKind.ChecksumMismatch,
                $"Configuration block check byte is 0x{s[L.Crc]:X2} but the contents give 0x{expected:X2}{note}.",
                "The block is damaged or was written for another platform; the firmware would load factory defaults.");
        }
        return Decode(s, version);
    }

    /// <summary>Like <see cref="Parse"/>, returning false and the error instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> block, out ObkConfig? config, out ProvisioningException? error)
    {
        try
        {
            config = Parse(block);
            error = null;
            return true;
        }
        catch (ProvisioningException ex)
        {
            config = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Reads the block at <paramref name="chip"/>'s config offset of a full flash dump.</summary>
    public static ObkConfig ReadFromFlash(ReadOnlySpan<byte> flash, ObkChip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (flash.Length < chip.ConfigOffset + L.Size)
        {
            throw TooShort(flash.Length - chip.ConfigOffset);
        }
        return Parse(flash.Slice(chip.ConfigOffset, L.Size));
    }

    /// <summary>The chip whose config offset holds a block starting with <c>CFG</c> in this dump, or null.</summary>
    public static ObkChip? DetectChip(ReadOnlySpan<byte> flash)
    {
        foreach (var chip in ObkChips.All)
        {
            if (flash.Length >= chip.ConfigOffset + 3 && flash.Slice(chip.ConfigOffset, 3).SequenceEqual("CFG"u8))
            {
                return chip;
            }
        }
        return null;
    }

    private static ObkConfig Decode(ReadOnlySpan<byte> s, int version)
    {
        var pins = new List<PinAssignment>();
        for (var pin = 0; pin < L.PinCount; pin++)
        {
            int role = s[L.PinRoles + pin], ch = s[L.PinChannels + pin], ch2 = s[L.PinChannels2 + pin];
            if (role != 0 || ch != 0 || ch2 != 0)
            {
                pins.Add(new PinAssignment(pin, role, ch, ch2));
            }
        }
        var types = new Dictionary<int, int>();
        var starts = new Dictionary<int, short>();
        for (var ch = 0; ch < L.ChannelCount; ch++)
        {
            if (s[L.ChannelTypes + ch] != 0)
            {
                types[ch] = s[L.ChannelTypes + ch];
            }
            var v = BinaryPrimitives.ReadInt16LittleEndian(s[(L.StartChannelValues + (2 * ch))..]);
            if (v != 0)
            {
                starts[ch] = v;
            }
        }
        var cal = new uint[8];
        for (var i = 0; i < 8; i++)
        {
            cal[i] = BinaryPrimitives.ReadUInt32LittleEndian(s[(L.Calibration + (4 * i))..]);
        }
        var corr = new float[6];
        for (var i = 0; i < 6; i++)
        {
            corr[i] = BinaryPrimitives.ReadSingleLittleEndian(s[(L.LedCorrection + (4 * i))..]);
        }
        var mac = s.Slice(L.Mac, 6);
        return new ObkConfig
        {
            Version = version,
            Flags = BinaryPrimitives.ReadUInt64LittleEndian(s[L.GenericFlags..]),
            ChangeCounter = BinaryPrimitives.ReadUInt16LittleEndian(s[L.ChangeCounter..]),
            OtaCounter = BinaryPrimitives.ReadUInt16LittleEndian(s[L.OtaCounter..]),
            WifiSsid = Str(s, L.WifiSsidField),
            WifiPassword = Str(s, L.WifiPassField),
            MqttHost = Str(s, L.MqttHostField),
            MqttClientId = Str(s, L.MqttClientIdField),
            MqttUser = Str(s, L.MqttUserNameField),
            MqttPassword = Str(s, L.MqttPassField),
            MqttPort = BinaryPrimitives.ReadInt32LittleEndian(s[L.MqttPort..]),
            WebappRoot = Str(s, L.WebappRootField),
            StoredMac = mac.IndexOfAnyExcept((byte)0) < 0 ? null : MacAddress.FromBytes(mac),
            ShortName = Str(s, L.ShortDeviceNameField),
            LongName = Str(s, L.LongDeviceNameField),
            Pins = pins,
            ChannelTypes = types,
            StartValues = starts,
            LogToLfs = s[L.Log2Lfs],
            DgrSendFlags = BinaryPrimitives.ReadUInt32LittleEndian(s[L.DgrSendFlags..]),
            DgrRecvFlags = BinaryPrimitives.ReadUInt32LittleEndian(s[L.DgrRecvFlags..]),
            DgrName = Str(s, L.DgrNameField),
            NtpServer = Str(s, L.NtpServerField),
            CalibrationRaw = cal,
            ButtonShortPress = s[L.ButtonShortPress],
            ButtonLongPress = s[L.ButtonLongPress],
            ButtonHoldRepeat = s[L.ButtonHoldRepeat],
            LfsSize = BinaryPrimitives.ReadUInt32LittleEndian(s[L.LfsSize..]),
            LoggerFlags = BinaryPrimitives.ReadUInt32LittleEndian(s[L.LoggerFlags..]),
            StaticIp = ReadStaticIp(s),
            LedRemap = s.Slice(L.LedRemap, 5).ToArray(),
            LedCorrection = new LedCorrection(corr[0], corr[1], corr[2], corr[3], corr[4], corr[5]),
            MqttGroup = Str(s, L.MqttGroupField),
            TimeRequiredToMarkBootSuccessful = s[L.TimeRequiredToMarkBootSuccessful],
            PingInterval = BinaryPrimitives.ReadInt32LittleEndian(s[L.PingInterval..]),
            PingSeconds = BinaryPrimitives.ReadInt32LittleEndian(s[L.PingSeconds..]),
            PingHost = Str(s, L.PingHostField),
            InitCommandLine = Str(s, L.InitCommandLineField),
            WifiSsid2 = Str(s, L.WifiSsid2Field),
            WifiPassword2 = Str(s, L.WifiPass2Field),
            WebPassword = Str(s, L.WebPasswordField),
            MqttUseTls = s[L.MqttUseTls] != 0,
            MqttVerifyTlsCert = s[L.MqttVerifyTlsCert] != 0,
            MqttCertFile = Str(s, L.MqttCertFileField),
            DisableWebServer = s[L.DisableWebServer] != 0,
        };
    }

    private static ObkStaticIp? ReadStaticIp(ReadOnlySpan<byte> s)
    {
        var raw = s.Slice(L.StaticIp, 16);
        if (raw.IndexOfAnyExcept((byte)0) < 0)
        {
            return null;
        }
        return new ObkStaticIp(new IPAddress(raw[..4]), new IPAddress(raw[4..8]), new IPAddress(raw[8..12]), new IPAddress(raw[12..16]));
    }

    /// <summary>A NUL-terminated string; a field filled to its end (wifi_pass) is taken whole, as the firmware does.</summary>
    private static string Str(ReadOnlySpan<byte> s, (int Offset, int Length) field)
    {
        var raw = s.Slice(field.Offset, field.Length);
        var end = raw.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? raw : raw[..end]);
    }

    private static ProvisioningException TooShort(int length) =>
        new(ProvisioningErrorKind.TooShort,
            "Configuration data is " + length.ToString(CultureInfo.InvariantCulture) + " bytes; a version 4/5 block is " + L.Size + " bytes.",
            "Read the whole 4 KiB config sector.");
}
