using System.CommandLine;
using MQTTnet;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Jobs;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Pins;
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
        var pinsOption = new Option<string?>("--pins")
        {
            Description = "Pin table, e.g. 26=Rel:1,10=Btn:1,8=WifiLED_n (over --template's pins). Without it or --template the pins come from the stock Tuya config; with none of them the plug is not erased",
        };
        var templates = new Option<string?>("--templates") { Description = "Template list JSON (the OpenBeken web app's devices.json)", DefaultValueFactory = _ => "./data/templates.json" };
        var backupDir = new Option<string>("--backup-dir") { Description = "Where backups go", DefaultValueFactory = _ => FlashingCommands.DefaultBackupDirectory };
        var noWait = new Option<bool>("--no-wait") { Description = "End after verify and reboot instead of waiting for the plug on MQTT" };
        var waitSeconds = new Option<int>("--wait-timeout") { Description = "Seconds to wait for the plug on MQTT", DefaultValueFactory = _ => 180 };
        var batch = new Option<int>("--batch") { Description = "Flash this many plugs one after another on the same jig ({n} in --name counts them)", DefaultValueFactory = _ => 1 };
        var cenGpio = new Option<int?>("--cen-gpio") { Description = "Raspberry Pi GPIO (BCM) wired to CEN: the catch pulses it, nobody has to touch CEN" };
        var powerGpio = new Option<int?>("--power-gpio") { Description = "Raspberry Pi GPIO (BCM) switching the plug's supply through a relay" };
        foreach (var o in new Option[] { firmware, ssid, wifiPassword, mqttHost, mqttPort, mqttUser, mqttPassword, name, topic, template, pinsOption, templates, backupDir, noWait, waitSeconds, batch, cenGpio, powerGpio })
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
            var chosen = await ChoosePinsAsync(parse.GetValue(template), parse.GetValue(templates), parse.GetValue(pinsOption), ct);
            using var gpio = parse.GetValue(cenGpio) is null && parse.GetValue(powerGpio) is null ? null : new System.Device.Gpio.GpioController();
            var reset = gpio is null ? null : new Station.GpioResetStrategy(gpio, new Station.StationPortOptions
            {
                Port = parse.GetValue(c.Port)!, CenGpio = parse.GetValue(cenGpio), PowerGpio = parse.GetValue(powerGpio),
            });
            var count = Math.Max(1, parse.GetValue(batch));
            var wait = parse.GetValue(noWait) ? (TimeSpan?)null : TimeSpan.FromSeconds(parse.GetValue(waitSeconds));
            var results = new List<PlugResult>();
            for (var n = 1; n <= count; n++)
            {
                if (count > 1)
                {
                    Say(parse, $"Plug {n} of {count}: {(reset is null ? "wire it in, then reset it (CEN to GND or re-power)" : "wire it in; the jig resets it")}.");
                }
                var plan = new FlashPlan
                {
                    Port = parse.GetValue(c.Port)!,
                    Firmware = data,
                    FileName = Path.GetFileName(file),
                    Session = c.SessionOptions(parse, reset),
                    BackupDirectory = parse.GetValue(backupDir)!,
                    Profile = profile,
                    Template = chosen,
                    DeviceName = parse.GetValue(name)?.Replace("{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
                    Adopter = wait is { } w ? new MqttPlugAdopter(profile, w) : null,
                    Progress = progress,
                };
                results.Add(await FlashOneAsync(parse, plan, n, count > 1, ct));
            }
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(count == 1 && results[0].Error is null
                    ? new { status = "ok", result = results[0] }
                    : new { status = results.All(r => r.Error is null) ? "ok" : "partial", result = (object)results });
            }
            else
            {
                var table = new Table().AddColumns("#", "MAC", "client topic", "name", "pins", "online", "result");
                foreach (var r in results)
                {
                    table.AddRow($"{r.Index}", Markup.Escape(r.Mac ?? ""), Markup.Escape(r.ClientTopic ?? ""), Markup.Escape(r.Name ?? ""), Markup.Escape(r.Pins ?? ""),
                        r.Appeared ? "yes" : "-", r.Error is null ? "[green]ok[/]" : "[red]" + Markup.Escape(r.Error) + "[/]");
                }
                AnsiConsole.Write(table);
            }
            return results.All(r => r.Error is null) ? 0 : FlashExitCodes.General;
        }, ct));
        return command;
    }

    /// <summary>One plug's outcome; <see cref="Steps"/> are the pipeline's steps, the same ids and outcomes the web job shows.</summary>
    public sealed record PlugResult(int Index, string? Mac, string? ClientTopic, string? Name, string? Pins, string? Backup, bool Appeared, string? Error,
        IReadOnlyList<JobStepView> Steps);

    /// <summary>
    /// Runs the shared <see cref="FlashPipeline"/> over an in-memory job record (nothing persisted: the profile's
    /// secrets stay in this process). A single plug's failure propagates (one line, its exit code); in a batch it is
    /// recorded and the jig goes on with the next plug.
    /// </summary>
    private static async Task<PlugResult> FlashOneAsync(ParseResult parse, FlashPlan plan, int index, bool batch, CancellationToken ct)
    {
        var job = new FlashJob($"cli-{index}", new FlashJobRequest { Port = plan.Port, FirmwarePath = plan.FileName, DeviceName = plan.DeviceName, TemplateName = plan.Template?.Name });
        job.Logged += line => Say(parse, line.Text);
        string? error = null;
        try
        {
            await new FlashPipeline(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).RunAsync(job, plan, recorder: null, ct);
        }
        catch (FlashException ex) when (batch)
        {
            // a batch goes on with the next plug; the summary says which one failed and why
            error = ex.Message + " " + ex.Hint;
        }
        var steps = job.View().Steps;
        string? Fact(string key) => job.Facts.TryGetValue(key, out var v) ? v : null;
        return new PlugResult(index, Fact("mac"), Fact("clientTopic"), Fact("deviceName"), Fact("pins"),
            steps.First(s => s.Step == JobSteps.Backup).Result?.BackupPath, steps.First(s => s.Step == JobSteps.Adopt).Outcome == "verified", error, steps);
    }

    private static void Say(ParseResult parse, string line)
    {
        if (!parse.GetValue(parse.CommandResult.Command.Options.OfType<Option<bool>>().First(o => o.Name == "--json")))
        {
            Console.Error.WriteLine(line);
        }
    }

    /// <summary>The pins decided on the command line: <c>--pins</c> (over the template's pins), <c>--template</c>, or null (stock Tuya config).</summary>
    private static async Task<PinTemplate?> ChoosePinsAsync(string? name, string? path, string? pins, CancellationToken ct)
    {
        try
        {
            PinTemplate? template = null;
            if (!string.IsNullOrWhiteSpace(name))
            {
                if (path is null || !File.Exists(path))
                {
                    throw new ImageRejectedException($"--template needs the template list; '{path}' does not exist.", "Pass --templates devices.json (the OpenBeken web app's device list).");
                }
                template = (await DeviceTemplateLibrary.LoadFileAsync(path, ct)).GetByName(name).ToPinTemplate();
            }
            return string.IsNullOrWhiteSpace(pins) ? template : PinTable.FromChoices(PinTable.ToChoices(PinTable.Parse(pins)), "--pins", template);
        }
        catch (ProvisioningException ex)
        {
            throw new ImageRejectedException(ex.Message, ex.Hint);
        }
    }

    /// <summary>
    /// The CLI's adopt step: waits for the plug's retained <c>&lt;topic&gt;/connected = online</c> (its LWT) on the broker
    /// it was given — the CLI has no registry, so it only watches.
    /// </summary>
    private sealed class MqttPlugAdopter(ProvisioningProfile profile, TimeSpan timeout) : IPlugAdopter
    {
        public async Task<StepResult> AdoptAsync(FlashJob job, string clientTopic, IReadOnlyList<int> expectedChannels, CancellationToken ct)
        {
            job.AddLog("info", $"Waiting up to {timeout.TotalSeconds:0} s for {clientTopic} on {profile.MqttHost}:{profile.MqttPort}…");
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
                    catch (MQTTnet.Exceptions.MqttCommunicationException)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(2), deadline.Token);
                    }
                }
                await client.SubscribeAsync($"{clientTopic}/connected", cancellationToken: deadline.Token);
                await online.Task.WaitAsync(deadline.Token);
                return new StepResult($"{clientTopic} is online on {profile.MqttHost}:{profile.MqttPort}") { ClientTopic = clientTopic };
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ReplyTimeoutException($"{clientTopic} did not appear on MQTT in time; the plug is flashed and configured.",
                    "Check the Wi-Fi password and that the plug can reach the broker; the plug opens its own AP if it cannot join.");
            }
        }
    }
}
