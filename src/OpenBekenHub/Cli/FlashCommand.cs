using System.CommandLine;
using MQTTnet;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Jobs;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub flash</c>: the whole job from the command line, for scripts and a headless Pi — validate, back up, write
/// OpenBeken, write the configuration block (Wi-Fi, MQTT, name, pins) in the same bootloader session, verify both by
/// CRC, reboot, and wait for the plug's first MQTT appearance. Exit 0 only when every step that ran is verified.
/// Passwords may come from OBKHUB_WIFI_PASSWORD / OBKHUB_MQTT_PASSWORD instead of the command line (visible in ps).
/// </summary>
public static class FlashCommand
{
    public static Command Create()
    {
        var command = new Command("flash", "Flash OpenBeken and provision Wi-Fi, MQTT, name and pins in one go, then wait for the plug on MQTT");
        var c = FlashingCommands.Common.AddTo(command);
        var firmware = new Option<string>("--firmware", "-f") { Description = "OpenBK7231T_UA_*.bin or OpenBK7231N_QIO_*.bin", Required = true };
        var ssid = new Option<string>("--ssid") { Description = "Wi-Fi network the plug joins", Required = true };
        var wifiPassword = new Option<string?>("--wifi-password") { Description = "Wi-Fi password (or OBKHUB_WIFI_PASSWORD)" };
        var mqttHost = new Option<string>("--mqtt-host") { Description = "Broker address as the plug sees it", Required = true };
        var mqttPort = new Option<int>("--mqtt-port") { Description = "Broker port", DefaultValueFactory = _ => 1883 };
        var mqttUser = new Option<string?>("--mqtt-user") { Description = "Broker user" };
        var mqttPassword = new Option<string?>("--mqtt-password") { Description = "Broker password (or OBKHUB_MQTT_PASSWORD)" };
        var name = new Option<string?>("--name") { Description = "Device name (defaults to one derived from the MAC)" };
        var topic = new Option<string>("--client-topic") { Description = "Client topic pattern; must be unique per plug", DefaultValueFactory = _ => "obk_{mac6}" };
        var template = new Option<string?>("--template") { Description = "Device template name from the OpenBeken template list" };
        var templates = new Option<string?>("--templates") { Description = "Template list JSON (the OpenBeken web app's devices.json)", DefaultValueFactory = _ => "./data/templates.json" };
        var backupDir = new Option<string>("--backup-dir") { Description = "Where backups go", DefaultValueFactory = _ => FlashingCommands.DefaultBackupDirectory };
        var noWait = new Option<bool>("--no-wait") { Description = "End after verify and reboot instead of waiting for the plug on MQTT" };
        var waitSeconds = new Option<int>("--wait-timeout") { Description = "Seconds to wait for the plug on MQTT", DefaultValueFactory = _ => 180 };
        var batch = new Option<int>("--batch") { Description = "Flash this many plugs one after another on the same jig ({n} in --name counts them)", DefaultValueFactory = _ => 1 };
        var cenGpio = new Option<int?>("--cen-gpio") { Description = "Raspberry Pi GPIO (BCM) wired to CEN: the catch pulses it, nobody has to touch CEN" };
        var powerGpio = new Option<int?>("--power-gpio") { Description = "Raspberry Pi GPIO (BCM) switching the plug's supply through a relay" };
        foreach (var o in new Option[] { firmware, ssid, wifiPassword, mqttHost, mqttPort, mqttUser, mqttPassword, name, topic, template, templates, backupDir, noWait, waitSeconds, batch, cenGpio, powerGpio })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            var profile = new ProvisioningProfile
            {
                WifiSsid = parse.GetValue(ssid)!,
                WifiPassword = parse.GetValue(wifiPassword) ?? Environment.GetEnvironmentVariable("OBKHUB_WIFI_PASSWORD") ?? "",
                MqttHost = parse.GetValue(mqttHost)!,
                MqttPort = parse.GetValue(mqttPort),
                MqttUser = parse.GetValue(mqttUser) ?? "",
                MqttPassword = parse.GetValue(mqttPassword) ?? Environment.GetEnvironmentVariable("OBKHUB_MQTT_PASSWORD") ?? "",
                ClientTopicPattern = parse.GetValue(topic)!,
            };
            if (profile.Validate() is { Count: > 0 } problems)
            {
                throw new ImageRejectedException("Provisioning settings are invalid: " + string.Join("; ", problems), "Fix the option named above.");
            }
            var file = parse.GetValue(firmware)!;
            var data = await File.ReadAllBytesAsync(file, ct);
            ImageDetector.Detect(data, c.ExpectedChip(parse), false, file).ThrowIfRejected();
            var pins = await LoadTemplateAsync(parse.GetValue(template), parse.GetValue(templates), ct);
            using var gpio = parse.GetValue(cenGpio) is null && parse.GetValue(powerGpio) is null ? null : new System.Device.Gpio.GpioController();
            var reset = gpio is null ? null : new Station.GpioResetStrategy(gpio, new Station.StationPortOptions
            {
                Port = parse.GetValue(c.Port)!, CenGpio = parse.GetValue(cenGpio), PowerGpio = parse.GetValue(powerGpio),
            });
            var count = Math.Max(1, parse.GetValue(batch));
            var results = new List<PlugResult>();
            for (var n = 1; n <= count; n++)
            {
                if (count > 1)
                {
                    Say(parse, $"Plug {n} of {count}: {(reset is null ? "wire it in, then reset it (CEN to GND or re-power)" : "wire it in; the jig resets it")}.");
                }
                var plugName = parse.GetValue(name)?.Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                try
                {
                    results.Add(await FlashOneAsync(parse, c, reset, progress, profile, data, file, pins, plugName,
                        parse.GetValue(backupDir)!, parse.GetValue(noWait) ? null : TimeSpan.FromSeconds(parse.GetValue(waitSeconds)), ct) with { Index = n });
                }
                catch (FlashException ex) when (count > 1)
                {
                    // a batch goes on with the next plug; the summary says which one failed and why
                    results.Add(new PlugResult(n, null, null, null, null, false, ex.Message + " " + ex.Hint));
                }
            }
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(count == 1
                    ? new { status = "ok", result = results[0] }
                    : new { status = results.All(r => r.Error is null) ? "ok" : "partial", result = (object)results });
            }
            else
            {
                var table = new Table().AddColumns("#", "MAC", "client topic", "name", "online", "result");
                foreach (var r in results)
                {
                    table.AddRow($"{r.Index}", Markup.Escape(r.Mac ?? ""), Markup.Escape(r.ClientTopic ?? ""), Markup.Escape(r.Name ?? ""),
                        r.Appeared ? "yes" : "-", r.Error is null ? "[green]ok[/]" : "[red]" + Markup.Escape(r.Error) + "[/]");
                }
                AnsiConsole.Write(table);
            }
            return results.All(r => r.Error is null) ? 0 : FlashExitCodes.General;
        }, ct));
        return command;
    }

    public sealed record PlugResult(int Index, string? Mac, string? ClientTopic, string? Name, string? Backup, bool Appeared, string? Error);

    private static async Task<PlugResult> FlashOneAsync(ParseResult parse, FlashingCommands.Common c, IResetStrategy? reset, IProgress<FlashProgress>? progress,
        ProvisioningProfile profile, byte[] data, string file, PinTemplate? pins, string? plugName, string backupDir, TimeSpan? wait, CancellationToken ct)
    {
        await using var session = await c.ConnectAsync(parse, progress, ct, reset);
        PlugConfig.LayoutFor(session.Chip); // refuse an unsupported chip before the backup and the erase
        var backup = await session.BackupAsync(backupDir, ct);
        Say(parse, $"Backup: {backup.Path}");
        var write = await session.WriteImageAsync(data, new WriteImageOptions { SkipBackup = true, FileName = file }, ct);
        Say(parse, $"Firmware: {write.Written.Count} region(s) written, {write.Skipped.Count} already matched.");

        var config = PlugConfig.Build(profile, session.Chip, backup.Data, session.Info.MacAddress, plugName, pins);
        var sector = ObkConfigWriter.BuildSector(config);
        await session.WriteRegionAsync(session.Chip.ConfigOffset, sector, new WriteImageOptions { SkipBackup = true }, ct);
        var firmwareCheck = await session.VerifyAsync(data, file, cancellationToken: ct);
        var configCheck = await session.VerifyRegionAsync(session.Chip.ConfigOffset, sector, ct);
        if (!firmwareCheck.Matches || !configCheck.Matches)
        {
            throw new CrcMismatchException("Verification after writing failed.", "Run the same command again: only differing regions are rewritten.");
        }
        Say(parse, $"Config: client topic {config.MqttClientId}, name {config.ShortName}, SSID {config.WifiSsid}; firmware and config verified.");
        await session.RebootAsync(ct);

        var appeared = false;
        if (wait is { } timeout)
        {
            Say(parse, $"Waiting up to {timeout.TotalSeconds:0} s for {config.MqttClientId} on {profile.MqttHost}:{profile.MqttPort}…");
            appeared = await WaitForPlugAsync(profile, config.MqttClientId, timeout, ct);
            if (!appeared)
            {
                throw new ReplyTimeoutException($"{config.MqttClientId} did not appear on MQTT in time; the plug is flashed and configured.",
                    "Check the Wi-Fi password and that the plug can reach the broker; the plug opens its own AP if it cannot join.");
            }
        }
        return new PlugResult(0, config.StoredMac?.ToString(), config.MqttClientId, config.ShortName, backup.Path, appeared, null);
    }

    private static void Say(ParseResult parse, string line)
    {
        if (!parse.GetValue(parse.CommandResult.Command.Options.OfType<Option<bool>>().First(o => o.Name == "--json")))
        {
            Console.Error.WriteLine(line);
        }
    }

    private static async Task<PinTemplate?> LoadTemplateAsync(string? name, string? path, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        if (path is null || !File.Exists(path))
        {
            throw new ImageRejectedException($"--template needs the template list; '{path}' does not exist.", "Pass --templates devices.json (the OpenBeken web app's device list).");
        }
        try
        {
            return (await DeviceTemplateLibrary.LoadFileAsync(path, ct)).GetByName(name).ToPinTemplate();
        }
        catch (ProvisioningException ex)
        {
            throw new ImageRejectedException(ex.Message, ex.Hint);
        }
    }

    /// <summary>Waits for the plug's retained "&lt;topic&gt;/connected = online" (its LWT) on the broker it was given.</summary>
    private static async Task<bool> WaitForPlugAsync(ProvisioningProfile profile, string clientTopic, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.ConvertPayloadToString() == "online")
            {
                online.TrySetResult();
            }
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer(profile.MqttHost, profile.MqttPort).WithClientId("obkhub-cli-" + Guid.NewGuid().ToString("N")[..6]);
        if (profile.MqttUser.Length > 0)
        {
            options = options.WithCredentials(profile.MqttUser, profile.MqttPassword);
        }
        try
        {
            while (!client.IsConnected)
            {
                try
                {
                    await client.ConnectAsync(options.Build(), deadline.Token);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
                }
            }
            await client.SubscribeAsync($"{clientTopic}/connected", cancellationToken: deadline.Token);
            await online.Task.WaitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
