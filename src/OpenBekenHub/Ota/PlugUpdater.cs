using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Commands;

namespace OpenBekenHub.Ota;

/// <summary>
/// Updates one plug (openbeken-ota.md §7): back up LittleFS when the file reaches it, trigger <c>ota_http</c> (or
/// push), expect the LWT offline, watch the bytes served, wait for the plug to come back, confirm the version by
/// STATUS 2, restore LittleFS and restart. Only the version after the reboot counts as success.
/// </summary>
public sealed class PlugUpdater(
    IFleetView fleet, DeviceCommandService commands, FirmwareServer server, PlugHttp http, RolloutStore store,
    IOptions<OtaOptions> options, ILogger<PlugUpdater> logger)
{
    public sealed record Job(string RolloutId, RolloutPlug Plug, OtaTarget Target, byte[] File, RolloutSettings Settings);

    /// <summary>Runs the job; returns the plug with its final result. <paramref name="progress"/> sees the download while it exists.</summary>
    public async Task<RolloutPlug> RunAsync(Job job, Action<OtaDownload?> progress, CancellationToken ct)
    {
        var plug = job.Plug;
        var timeout = TimeSpan.FromSeconds(job.Settings.DeviceTimeoutSeconds);
        var backup = await store.GetLfsBackupAsync(job.RolloutId, plug.Id, ct);
        if (fleet.Find(plug.Id) is { Version: { } current } && current == job.Target.Version)
        {
            // resumed after a hub restart: the plug finished while the hub was down
            return backup is null ? plug with { Result = PlugResult.Ok, Reason = null } : await RestoreAsync(job, backup, timeout, ct);
        }
        if (!await fleet.WaitUntilAsync(plug.Id, (d, _) => d.Online, timeout, ct))
        {
            return plug with { Result = PlugResult.TimedOut, Reason = $"offline for {timeout.TotalSeconds:0} s before the update could start" };
        }
        var device = fleet.Find(plug.Id)!;
        var reach = RblLayoutFor(job).OverwritesLfs(job.File.Length);
        if (reach && backup is null)
        {
            if (device.Ip is null)
            {
                return Failed(plug, "the file overwrites LittleFS and the plug's IP is unknown, so it cannot be backed up first");
            }
            try
            {
                backup = await http.GetFsBlockAsync(device.Ip, ct);
                await store.SetLfsBackupAsync(job.RolloutId, plug.Id, backup, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                return Failed(plug, $"LittleFS backup (GET /api/fsblock) failed: {ex.Message}; not updated, so autoexec.bat is not lost");
            }
        }
        var download = new OtaDownload(job.RolloutId, plug.Id, job.File);
        var path = server.Register(download);
        progress(download);
        try
        {
            var offlineWithin = TimeSpan.FromSeconds(options.Value.OfflineWithinSeconds);
            var wentOffline = false;
            // a plug still busy with an earlier attempt (e.g. cut by a hub restart) refuses ota_http ("http in progress")
            // or is rebooting and misses it; one more try once it is back online tells that apart from a plug that never starts
            for (var attempt = 1; attempt <= 2 && !wentOffline; attempt++)
            {
                if (attempt > 1 && !await fleet.WaitUntilAsync(plug.Id, (d, _) => d.Online, timeout, ct))
                {
                    break;
                }
                var marks = fleet.Marks(plug.Id);
                var started = await TriggerAsync(fleet.Find(plug.Id) ?? device, path, download, ct);
                if (started is not null)
                {
                    return Failed(plug, started);
                }
                wentOffline = await fleet.WaitUntilAsync(plug.Id, (_, m) => m.Offline > marks.Offline, offlineWithin, ct);
            }
            if (!wentOffline)
            {
                return Failed(plug, $"no LWT offline within {offlineWithin.TotalSeconds:0} s of ota_http, twice: the OTA command did not start");
            }
            var offline = fleet.Marks(plug.Id);
            if (!await fleet.WaitUntilAsync(plug.Id, (d, m) => d.Online && m.Online > offline.Online, timeout, ct))
            {
                return plug with { Result = PlugResult.TimedOut, Reason = $"not back within {timeout.TotalSeconds:0} s after the OTA ({Served(download)})" };
            }
            var version = await ConfirmVersionAsync(plug.Id, ct);
            if (version != job.Target.Version)
            {
                // "sent" is what the socket accepted: a plug that drops the download late can leave the rest in buffers
                var why = download.Served < job.File.Length
                    ? "the download did not complete"
                    : "it did not install the file although all of it was sent (dropped at the plug's end, or refused by its bootloader)";
                return Failed(plug, $"rebooted into {version ?? "an unknown version"}, not {job.Target.Version}: {why} ({Served(download)})");
            }
        }
        finally
        {
            server.Revoke(path);
            progress(null);
        }
        return backup is null ? plug with { Result = PlugResult.Ok, Reason = null } : await RestoreAsync(job, backup, timeout, ct);
    }

    private static Flashing.Images.RblLayout RblLayoutFor(Job job) =>
        Flashing.Images.RblLayout.For(job.Target.Chip) ?? throw new InvalidOperationException($"no OTA layout for {job.Target.Chip}");

    private static string Served(OtaDownload d) => $"{d.Served:N0} of {d.File.Length:N0} bytes served";

    private static RolloutPlug Failed(RolloutPlug plug, string reason) => plug with { Result = PlugResult.Failed, Reason = reason };

    /// <summary>Sends the trigger; returns an error text, or null when it was sent.</summary>
    private async Task<string?> TriggerAsync(FleetDevice device, string path, OtaDownload download, CancellationToken ct)
    {
        if (options.Value.Push)
        {
            if (device.Ip is null)
            {
                return "push OTA needs the plug's IP, which it has not reported";
            }
            try
            {
                var size = await http.PushOtaAsync(device.Ip, download.File, ct);
                download.Add(Math.Max(0, size));
                if (size != download.File.Length)
                {
                    return $"push OTA: the plug wrote {size:N0} of {download.File.Length:N0} bytes; not rebooted";
                }
                await http.RebootAsync(device.Ip, ct);
                return null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
            {
                return $"push OTA failed: {ex.Message}";
            }
        }
        var url = server.UrlFor(path, device.Ip);
        var sent = await commands.ExecuteAsync(device.Id, "ota_http " + url, ct);
        return sent.Succeeded ? null : $"ota_http could not be sent: {sent.Error}";
    }

    /// <summary>STATUS 2's <c>StatusFWR.Version</c> (<c>OpenBK7231N_1.18.231</c>), else the build the bridge saw.</summary>
    private async Task<string?> ConfirmVersionAsync(string deviceId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var reply = await commands.ExecuteAsync(deviceId, "STATUS 2", ct);
            if (reply.Succeeded && reply.Reply is { Length: > 0 and < 4096 } text)
            {
                try
                {
                    var version = JsonNode.Parse(text)?["StatusFWR"]?["Version"]?.GetValue<string>();
                    var underscore = version?.IndexOf('_', StringComparison.Ordinal) ?? -1;
                    if (version is not null && version.StartsWith("Open", StringComparison.Ordinal) && underscore > 0)
                    {
                        return version[(underscore + 1)..];
                    }
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
                {
                    logger.LogDebug("STATUS 2 reply of {Device} is not StatusFWR JSON: {Message}", deviceId, ex.Message);
                }
            }
        }
        return fleet.Find(deviceId)?.Version;
    }

    /// <summary>Writes the LittleFS backup back, restarts so autoexec runs, and checks the block reads back equal.</summary>
    private async Task<RolloutPlug> RestoreAsync(Job job, byte[] backup, TimeSpan timeout, CancellationToken ct)
    {
        var plug = job.Plug;
        if (!await fleet.WaitUntilAsync(plug.Id, (d, _) => d.Online && d.Ip is not null, timeout, ct))
        {
            return plug with { Result = PlugResult.TimedOut, Reason = $"updated, but offline for {timeout.TotalSeconds:0} s so LittleFS was not restored (the backup is kept)" };
        }
        var ip = fleet.Find(plug.Id)!.Ip!;
        try
        {
            await http.PostFsBlockAsync(ip, backup, ct);
            var marks = fleet.Marks(plug.Id);
            await http.RebootAsync(ip, ct);
            if (!await fleet.WaitUntilAsync(plug.Id, (d, m) => d.Online && m.Online > marks.Online, timeout, ct))
            {
                return plug with { Result = PlugResult.TimedOut, Reason = "updated and LittleFS restored, but not back after the restart" };
            }
            var after = await http.GetFsBlockAsync(ip, ct);
            if (!after.AsSpan().SequenceEqual(backup))
            {
                return Failed(plug, "updated, but LittleFS did not read back equal to the backup after the restore (the backup is kept)");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return Failed(plug, $"updated, but restoring LittleFS failed: {ex.Message} (the backup is kept)");
        }
        await store.SetLfsBackupAsync(job.RolloutId, plug.Id, null, ct);
        return plug with { Result = PlugResult.Ok, Reason = "LittleFS backed up and restored" };
    }
}
