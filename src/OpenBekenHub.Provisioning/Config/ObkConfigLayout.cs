namespace OpenBekenHub.Provisioning.Config;

/// <summary>
/// Byte offsets of <c>mainConfig_t</c> for the Beken 32-pin group (openbeken.md §5.4), little-endian,
/// strings NUL-terminated in fixed arrays. Named once here; the writer and reader use only these.
/// </summary>
public static class ObkConfigLayout
{
    /// <summary>Size of the block for version 4 and 5.</summary>
    public const int Size = 0xE00;

    /// <summary>The version the current firmware runs at; writing it keeps the web password on first boot.</summary>
    public const int CurrentVersion = 5;

    public const int PinCount = 32;
    public const int ChannelCount = 64;

    public const int Ident = 0x000;          // "CFG"
    public const int Crc = 0x003;
    public const int Version = 0x004;
    public const int GenericFlags = 0x008;
    public const int GenericFlags2 = 0x00C;
    public const int ChangeCounter = 0x010;
    public const int OtaCounter = 0x012;
    public const int WifiSsid = 0x014;       // 64
    public const int WifiPass = 0x054;       // 64 (may be full, no NUL)
    public const int MqttHost = 0x094;       // 256
    public const int MqttClientId = 0x194;   // 64
    public const int MqttUserName = 0x1D4;   // 64
    public const int MqttPass = 0x214;       // 128
    public const int MqttPort = 0x294;       // int32
    public const int WebappRoot = 0x298;     // 64
    public const int Mac = 0x2D8;            // 6
    public const int ShortDeviceName = 0x2DE; // 32
    public const int LongDeviceName = 0x2FE;  // 64
    public const int PinRoles = 0x33E;       // 32
    public const int PinChannels = 0x35E;    // 32
    public const int PinChannels2 = 0x37E;   // 32
    public const int ChannelTypes = 0x39E;   // 64
    public const int StartChannelValues = 0x3DE; // 64 x int16
    public const int Log2Lfs = 0x45E;
    public const int DgrSendFlags = 0x460;
    public const int DgrRecvFlags = 0x464;
    public const int DgrName = 0x468;        // 16
    public const int NtpServer = 0x478;      // 32
    public const int Calibration = 0x498;    // 8 x 4
    public const int ButtonShortPress = 0x4B8;
    public const int ButtonLongPress = 0x4B9;
    public const int ButtonHoldRepeat = 0x4BA;
    public const int LfsSize = 0x4BC;
    public const int LoggerFlags = 0x4C0;
    public const int StaticIp = 0x527;       // ip, mask, gateway, dns: 4 x 4
    public const int LedRemap = 0x537;       // 5
    public const int LedCorrection = 0x53C;  // 6 x float
    public const int MqttGroup = 0x554;      // 64
    public const int TimeRequiredToMarkBootSuccessful = 0x597;
    public const int PingInterval = 0x598;
    public const int PingSeconds = 0x59C;
    public const int PingHost = 0x5A0;       // 64
    public const int InitCommandLine = 0x5E0; // 1568
    public const int WifiSsid2 = 0xC00;      // 64
    public const int WifiPass2 = 0xC40;      // 68
    public const int WebPassword = 0xC84;    // 33
    public const int MqttUseTls = 0xCA5;
    public const int MqttVerifyTlsCert = 0xCA6;
    public const int MqttCertFile = 0xCA7;   // 20
    public const int DisableWebServer = 0xCBB;

    /// <summary>(offset, capacity) of each string field; the capacity includes the terminating NUL except for <c>wifi_pass</c>.</summary>
    internal static readonly (int Offset, int Length) WifiSsidField = (WifiSsid, 64);
    internal static readonly (int Offset, int Length) WifiPassField = (WifiPass, 64);
    internal static readonly (int Offset, int Length) MqttHostField = (MqttHost, 256);
    internal static readonly (int Offset, int Length) MqttClientIdField = (MqttClientId, 64);
    internal static readonly (int Offset, int Length) MqttUserNameField = (MqttUserName, 64);
    internal static readonly (int Offset, int Length) MqttPassField = (MqttPass, 128);
    internal static readonly (int Offset, int Length) WebappRootField = (WebappRoot, 64);
    internal static readonly (int Offset, int Length) ShortDeviceNameField = (ShortDeviceName, 32);
    internal static readonly (int Offset, int Length) LongDeviceNameField = (LongDeviceName, 64);
    internal static readonly (int Offset, int Length) DgrNameField = (DgrName, 16);
    internal static readonly (int Offset, int Length) NtpServerField = (NtpServer, 32);
    internal static readonly (int Offset, int Length) MqttGroupField = (MqttGroup, 64);
    internal static readonly (int Offset, int Length) PingHostField = (PingHost, 64);
    internal static readonly (int Offset, int Length) InitCommandLineField = (InitCommandLine, 1568);
    internal static readonly (int Offset, int Length) WifiSsid2Field = (WifiSsid2, 64);
    internal static readonly (int Offset, int Length) WifiPass2Field = (WifiPass2, 68);
    internal static readonly (int Offset, int Length) WebPasswordField = (WebPassword, 33);
    internal static readonly (int Offset, int Length) MqttCertFileField = (MqttCertFile, 20);
}
