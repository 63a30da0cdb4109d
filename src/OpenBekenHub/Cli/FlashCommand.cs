using System.CommandLine;
using MQTTnet;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Provisioning.Chips;
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
        foreach (var o in new Option[] { firmware, ssid, wifiPassword, mqttHost, mqttPort, mqttUser, mqttPassword, name, topic, template, templates, backupDir, noWait, waitSeconds })
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

            await using var session = await c.ConnectAsync(parse, progress, ct);
            var obkChip = ObkChips.Find(session.Chip.Name)
                ?? throw new ChipMismatchException($"Provisioning supports BK7231T and BK7231N, not {session.Chip.Name}.", "Use 'obkhub write' to flash without provisioning.");
            var backup = await session.BackupAsync(parse.GetValue(backupDir)!, ct);
            Say(parse, $"Backup: {backup.Path}");
            var write = await session.WriteImageAsync(data, new WriteImageOptions { SkipBackup = true, FileName = file }, ct);
            Say(parse, $"Firmware: {write.Written.Count} region(s) written, {write.Skipped.Count} already matched.");

            var mac = RfMac.ReadFromFlash(backup.Data, obkChip) ?? (MacAddress.TryParse(session.Info.MacAddress, out var m) ? m : null);
            var config = ConfigBuilder.BuildConfig(profile, obkChip, parse.GetValue(name), mac, pins);
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
            if (!parse.GetValue(noWait))
            {
                Say(parse, $"Waiting up to {parse.GetValue(waitSeconds)} s for {config.MqttClientId} on {profile.MqttHost}:{profile.MqttPort}…");
                appeared = await WaitForPlugAsync(profile, config.MqttClientId, TimeSpan.FromSeconds(parse.GetValue(waitSeconds)), ct);
                if (!appeared)
                {
                    throw new ReplyTimeoutException($"{config.MqttClientId} did not appear on MQTT in time; the plug is flashed and configured.",
                        "Check the Wi-Fi password and that the plug can reach the broker; the plug opens its own AP if it cannot join.");
                }
            }
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(new
                {
                    status = "ok", chip = session.Chip.Name, backup = backup.Path, clientTopic = config.MqttClientId, name = config.ShortName,
                    mac = mac?.ToString(), appeared,
                });
            }
            else
            {
                AnsiConsole.MarkupLine(appeared ? $"[green]Done:[/] {Markup.Escape(config.MqttClientId)} is online." : "[green]Done:[/] flashed, configured and rebooted.");
            }
            return 0;
        }, ct));
        return command;
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
