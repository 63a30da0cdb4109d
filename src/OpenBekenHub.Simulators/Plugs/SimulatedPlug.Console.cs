#pragma warning disable CA1507 // the JSON keys are the firmware's wire names, not our member names
using System.Globalization;
using System.Text.Json.Nodes;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>The console commands and the Tasmota-style JSON replies (firmware <c>json_interface.c</c> behaviour).</summary>
public sealed partial class SimulatedPlug
{
    /// <summary>
    /// Runs one console command line (as <c>/cm?cmnd=</c> does) and returns the reply the HTTP API would give:
    /// JSON for POWER/STATUS/STATE/SENSOR/Flags/..., a bare integer for GetChannel/SetChannel, <c>{}</c> otherwise.
    /// </summary>
    public string Execute(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var line = commandLine.Trim();
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var args = space < 0 ? "" : line[(space + 1)..].Trim();
        RunCommand(name, args);
        return BuildReply(name, args);
    }

    private void ExecuteFromMqtt(string name, string line)
    {
        var reply = Execute(line);
        var upper = name.ToUpperInvariant();
        if (upper.StartsWith("POWER", StringComparison.Ordinal) || upper is "STATE" or "DIMMER" or "CT" or "COLOR" or "HSBCOLOR")
        {
            Publish($"stat/{ClientTopic}/RESULT", reply);
        }
        else if (upper == "STATUS")
        {
            var args = line.Length > name.Length ? line[(name.Length + 1)..].Trim() : "";
            var suffix = args is "2" or "4" or "5" or "6" or "7" or "8" or "10" or "11" ? args : "";
            Publish($"stat/{ClientTopic}/STATUS{suffix}", reply);
        }
    }

    private void RunCommand(string name, string args)
    {
        var upper = name.ToUpperInvariant();
        if (upper.StartsWith("POWER", StringComparison.Ordinal))
        {
            RunPower(upper[5..], args);
            return;
        }
        LogCommand(upper, args);
        switch (upper)
        {
            case "BACKLOG":
                foreach (var part in args.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Execute(part);
                }
                break;
            case "SETCHANNEL":
                {
                    var a = Ints(args);
                    if (a.Length >= 2 && a[0] is >= 0 and <= MaxChannel)
                    {
                        SetChannel(a[0], a[1], toggle: false);
                    }
                    break;
                }
            case "TOGGLECHANNEL":
                {
                    var a = Ints(args);
                    if (a.Length >= 1 && a[0] is >= 0 and <= MaxChannel)
                    {
                        SetChannel(a[0], null, toggle: true);
                    }
                    break;
                }
            case "FLAGS":
                if (ulong.TryParse(args, NumberStyles.None, CultureInfo.InvariantCulture, out var flags))
                {
                    Flags = flags;
                }
                break;
            case "SETFLAG":
                {
                    var a = Ints(args);
                    if (a.Length >= 2 && a[0] is >= 0 and < 64)
                    {
                        Flags = a[1] != 0 ? Flags | (1UL << a[0]) : Flags & ~(1UL << a[0]);
                    }
                    break;
                }
            case "SHORTNAME":
                if (args.Length > 0)
                {
                    ShortName = args.Replace(' ', '_');
                }
                break;
            case "FRIENDLYNAME":
                if (args.Length > 0)
                {
                    FriendlyName = args.Trim('"');
                }
                break;
            case "RESTART":
            case "REBOOT":
                ScheduleRestart();
                break;
            case "PUBLISHALL":
                lock (_gate)
                {
                    QueueFullBroadcast();
                }
                break;
            case "PUBLISHCHANNELS":
                lock (_gate)
                {
                    QueueChannelBroadcast();
                }
                break;
            case "SCHEDULEHADISCOVERY":
                {
                    var a = Ints(args);
                    lock (_gate)
                    {
                        _discoveryDueMs = PlugScheduler.NowMs + ((a.Length > 0 ? a[0] : 5) * 1000L);
                    }
                    break;
                }
            case "OTA_HTTP":
                StartOtaHttp(args);
                break;
            default:
                if (!RunMqttSettingCommand(upper, args))
                {
                    RunConfigCommand(upper, args);
                }
                break;
        }
    }

    private void RunPower(string index, string args)
    {
        int channel;
        if (index.Length == 0)
        {
            channel = _relays.Count > 0 ? _relays.Min() : 1;
        }
        else if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out channel) || channel > MaxChannel)
        {
            return;
        }
        switch (args.ToUpperInvariant())
        {
            case "ON":
            case "1":
                SetChannel(channel, 1, toggle: false);
                break;
            case "OFF":
            case "0":
                SetChannel(channel, 0, toggle: false);
                break;
            case "TOGGLE":
            case "2":
                SetChannel(channel, null, toggle: true);
                break;
            default:
                break; // "", STATUS: report only
        }
    }

    private static int[] Ints(string args) =>
        args.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => int.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? (int?)v : null)
            .TakeWhile(v => v is not null)
            .Select(v => v!.Value)
            .ToArray();

    private string BuildReply(string name, string args)
    {
        var upper = name.ToUpperInvariant();
        if (upper.StartsWith("POWER", StringComparison.Ordinal))
        {
            return PowerObject().ToJsonString();
        }
        switch (upper)
        {
            case "STATUS":
                return StatusReply(args).ToJsonString();
            case "STATE":
                return StatusSts().ToJsonString();
            case "SENSOR":
                return StatusSns().ToJsonString();
            case "GETCHANNEL":
                {
                    var a = Ints(args);
                    return a.Length > 0 && a[0] is >= 0 and <= MaxChannel ? GetChannel(a[0]).ToString(CultureInfo.InvariantCulture) : "0";
                }
            case "SETCHANNEL":
            case "TOGGLECHANNEL":
                {
                    var a = Ints(args);
                    return a.Length > 0 && a[0] is >= 0 and <= MaxChannel ? GetChannel(a[0]).ToString(CultureInfo.InvariantCulture) : "0";
                }
            case "FLAGS":
                return new JsonObject { ["Flags"] = (Flags & 0xFFFFFFFF).ToString(CultureInfo.InvariantCulture) }.ToJsonString();
            case "MQTTHOST":
                return new JsonObject { ["MQTTHost"] = Settings.BrokerHost }.ToJsonString();
            case "MQTTUSER":
                return new JsonObject { ["MQTTUser"] = StoredMqttUsername ?? "" }.ToJsonString();
            case "MQTTCLIENT":
                return new JsonObject { ["MQTTClient"] = ClientTopic }.ToJsonString();
            case "MQTTPASSWORD":
                return new JsonObject { ["MQTTPassword"] = "****" }.ToJsonString();
            case "SSID1":
                return new JsonObject { ["SSId1"] = Settings.Ssid }.ToJsonString();
            case "ECHO":
                return args;
            default:
                return "{}";
        }
    }

    private JsonObject PowerObject()
    {
        var result = new JsonObject();
        var relays = _relays.Order().ToArray();
        if (relays.Length <= 1)
        {
            var on = relays.Length == 0 || GetChannel(relays[0]) > 0;
            result["POWER"] = on ? "ON" : "OFF";
            return result;
        }
        var offset = relays.Contains(0) ? 1 : 0;
        foreach (var ch in relays)
        {
            result[$"POWER{ch + offset}"] = GetChannel(ch) > 0 ? "ON" : "OFF";
        }
        return result;
    }

    private JsonObject StatusReply(string args) => args switch
    {
        "2" => new JsonObject { ["StatusFWR"] = StatusFwr() },
        "4" => new JsonObject { ["StatusMEM"] = StatusMem() },
        "5" => new JsonObject { ["StatusNET"] = StatusNet() },
        "6" => new JsonObject { ["StatusMQT"] = StatusMqt() },
        "7" => new JsonObject { ["StatusTIM"] = StatusTim() },
        "8" or "10" => new JsonObject { ["StatusSNS"] = StatusSns() },
        "11" => new JsonObject { ["StatusSTS"] = StatusSts() },
        _ => new JsonObject
        {
            ["Status"] = StatusMain(),
            ["StatusPRM"] = new JsonObject { ["Baudrate"] = 115200, ["GroupAddress"] = 0, ["GroupTopic"] = Settings.GroupTopic, ["OtaUrl"] = "https://github.com/openshwprojects/OpenBK7231T_App/releases/latest", ["RestartReason"] = "HardwareWatchdog", ["Uptime"] = UptimeText(), ["StartupUTC"] = "", ["Sleep"] = 50, ["CfgHolder"] = 4617, ["BootCount"] = 1, ["BCResetTime"] = "", ["SaveCount"] = 1, ["SaveAddress"] = "FB000" },
            ["StatusFWR"] = StatusFwr(),
            ["StatusLOG"] = new JsonObject { ["SerialLog"] = 2, ["WebLog"] = 2, ["MqttLog"] = 0, ["SysLog"] = 0, ["LogHost"] = "", ["LogPort"] = 514, ["SSId"] = new JsonArray(Settings.Ssid, ""), ["TelePeriod"] = 300, ["Resolution"] = "558180C0", ["SetOption"] = new JsonArray("00008009", "2805C80001000600003C5A0A002800000000", "00000080", "00006000", "00004000", "00000000") },
            ["StatusMEM"] = StatusMem(),
            ["StatusNET"] = StatusNet(),
            ["StatusMQT"] = StatusMqt(),
            ["StatusTIM"] = StatusTim(),
            ["StatusSNS"] = StatusSns(),
            ["StatusSTS"] = StatusSts(),
        },
    };

    private JsonObject StatusMain()
    {
        var names = new JsonArray();
        var power = 0;
        var i = 0;
        foreach (var ch in _relays.Order())
        {
            names.Add($"{ShortName}_{++i}");
            if (GetChannel(ch) > 0)
            {
                power |= 1 << (i - 1);
            }
        }
        return new JsonObject
        {
            ["Module"] = 0, ["DeviceName"] = ShortName, ["FriendlyName"] = names, ["Topic"] = ClientTopic,
            ["ButtonTopic"] = "0", ["Power"] = power, ["PowerOnState"] = 3, ["LedState"] = 1, ["LedMask"] = "FFFF",
            ["SaveData"] = 1, ["SaveState"] = 1, ["SwitchTopic"] = "0", ["SwitchMode"] = new JsonArray(0, 0, 0, 0, 0, 0, 0, 0),
            ["ButtonRetain"] = 0, ["SwitchRetain"] = 0, ["SensorRetain"] = 0, ["PowerRetain"] = 0, ["InfoRetain"] = 0, ["StateRetain"] = 0,
        };
    }

    private JsonObject StatusFwr() => new()
    {
        ["Version"] = $"Open{Settings.Chip}_{FirmwareVersion}",
        ["BuildDateTime"] = "Jan 17 2026 12:00:00",
        ["Boot"] = 7,
        ["Core"] = "0.0",
        ["SDK"] = "obk",
        ["CpuFrequency"] = 80,
        ["Hardware"] = Settings.Chip,
        ["CR"] = "465/699",
    };

    private static JsonObject StatusMem() => new()
    {
        ["ProgramSize"] = 616, ["Free"] = 384, ["Heap"] = 25, ["ProgramFlashSize"] = 4096, ["FlashSize"] = 2048,
        ["FlashChipId"] = "1540A1", ["FlashFrequency"] = 40, ["FlashMode"] = 3,
        ["Features"] = new JsonArray("00000809", "8FDAC787", "04368001", "000000CD", "010013C0", "C000F981", "00004004", "00001000", "00000020"),
        ["Drivers"] = "1,2,3,4,5,6,7,8,9,10,12,16,18,19,20,21,22,24,26,27,29,30,35,37,45,62", ["Sensors"] = "1,2,3,4,5,6",
    };

    private JsonObject StatusNet() => new()
    {
        ["Hostname"] = ShortName,
        ["IPAddress"] = Settings.Ip,
        ["Gateway"] = "192.168.0.1",
        ["Subnetmask"] = "255.255.255.0",
        ["DNSServer1"] = "192.168.0.1",
        ["DNSServer2"] = "0.0.0.0",
        ["Mac"] = Settings.Mac.ToUpperInvariant(),
        ["Webserver"] = 2,
        ["HTTP_API"] = 1,
        ["WifiConfig"] = 4,
        ["WifiPower"] = 17.0,
    };

    private JsonObject StatusMqt() => new()
    {
        ["MqttHost"] = Settings.BrokerHost,
        ["MqttPort"] = Settings.BrokerPort,
        ["MqttClientMask"] = ClientTopic,
        ["MqttClient"] = ClientTopic,
        ["MqttUser"] = Settings.Username ?? "",
        ["MqttCount"] = 23,
        ["MAX_PACKET_SIZE"] = 1200,
        ["KEEPALIVE"] = 30,
        ["SOCKET_TIMEOUT"] = 4,
    };

    private static JsonObject StatusTim()
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return new JsonObject { ["UTC"] = now, ["Local"] = now, ["StartDST"] = "", ["EndDST"] = "", ["Timezone"] = "+00:00", ["Sunrise"] = "07:50", ["Sunset"] = "17:17" };
    }

    private JsonObject StatusSns()
    {
        var sns = new JsonObject { ["Time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) };
        if (Meter is not null)
        {
            double[] v;
            lock (_gate)
            {
                v = [Meter.Power, Meter.ApparentPower, Meter.ReactivePower, Meter.PowerFactor, Meter.Voltage, Meter.Current, 50.0, Meter.EnergyWh, 0, Meter.EnergyLastHourWh];
            }
            string[] keys = ["Power", "ApparentPower", "ReactivePower", "Factor", "Voltage", "Current", "Frequency", "ConsumptionTotal", "Yesterday", "ConsumptionLastHour"];
            var energy = new JsonObject();
            for (var i = 0; i < keys.Length; i++)
            {
                energy[keys[i]] = JsonValue.Create(Math.Round(v[i], 6));
            }
            sns["ENERGY"] = energy;
        }
        sns["ESP32"] = new JsonObject { ["Temperature"] = 31.5 };
        sns["TempUnit"] = "C";
        return sns;
    }

    private JsonObject StatusSts()
    {
        var sts = new JsonObject
        {
            ["Time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
            ["Uptime"] = UptimeText(),
            ["UptimeSec"] = (long)Uptime.TotalSeconds,
            ["Heap"] = 96,
            ["SleepMode"] = "Dynamic",
            ["Sleep"] = 10,
            ["LoadAvg"] = 99,
            ["MqttCount"] = 23,
        };
        foreach (var (key, value) in PowerObject())
        {
            sts[key] = value?.DeepClone();
        }
        sts["Wifi"] = new JsonObject
        {
            ["AP"] = 1, ["SSId"] = Settings.Ssid, ["BSSId"] = "30:B5:C2:5D:70:72", ["Channel"] = 11, ["Mode"] = "11n",
            ["RSSI"] = Math.Clamp((Rssi + 100) * 2, 0, 100), ["Signal"] = Rssi, ["LinkCount"] = 21, ["Downtime"] = "0T06:13:34",
        };
        return sts;
    }

    private string UptimeText()
    {
        var u = Uptime;
        return string.Create(CultureInfo.InvariantCulture, $"{u.Days}T{u.Hours:00}:{u.Minutes:00}:{u.Seconds:00}");
    }
}
