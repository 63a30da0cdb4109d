using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Jobs;

/// <summary>The REST contract of flash jobs: NeedsPins and the pins endpoint (issue 12), request hardening (issue 11).</summary>
public sealed class JobsApiTests
{
    [Fact]
    public async Task A_job_with_no_template_and_no_Tuya_pins_stops_in_NeedsPins_before_any_erase_and_the_pins_endpoint_continues_it_to_a_plug_with_a_channel()
    {
        await using var rig = await JobRig.StartAsync();
        var stock = rig.Station.Pty.Emulator.Flash.Snapshot();
        rig.Station.BootPlugOnReboot();
        using var api = await rig.ApiClientAsync();

        var start = await api.PostAsJsonAsync("/api/jobs", new
        {
            port = rig.Station.Port, firmwareId = rig.FirmwareId, profileId = rig.ProfileId, deviceName = "Hall plug", catchSeconds = 20, adoptSeconds = 60,
        });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var stopped = await JobAsync(rig, api, id, "NeedsPins");
        Assert.Equal("verified", Step(stopped, "backup").GetProperty("outcome").GetString());
        Assert.Equal("needs-input", Step(stopped, "pins").GetProperty("outcome").GetString());
        Assert.Equal("pending", Step(stopped, "write-firmware").GetProperty("outcome").GetString());
        Assert.Equal(stock, rig.Station.Pty.Emulator.Flash.Snapshot()); // nothing erased
        var backupPath = Step(stopped, "backup").GetProperty("result").GetProperty("backupPath").GetString()!;
        Assert.Equal(stock, await File.ReadAllBytesAsync(backupPath)); // the typed result names the verified backup

        // a table that gives the plug no channel, and a pin the chip does not have, are refused; the job stays put
        var noChannel = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new { pins = new Dictionary<string, object> { ["8"] = new { role = "WifiLED_n", channel = 0 } } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noChannel.StatusCode);
        var badPin = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new { pins = new Dictionary<string, object> { ["P40"] = new { role = "Rel", channel = 1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, badPin.StatusCode);
        Assert.Contains("pin number", await badPin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("NeedsPins", (await JobAsync(rig, api, id, "NeedsPins")).GetProperty("state").GetString());

        var pins = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new
        {
            pins = new Dictionary<string, object> { ["26"] = new { role = "Rel", channel = 1 }, ["P10"] = new { role = "Btn", channel = 1 } },
        });
        Assert.Equal(HttpStatusCode.Accepted, pins.StatusCode);
        var done = await JobAsync(rig, api, id, "Succeeded", TimeSpan.FromMinutes(3));
        Assert.All(done.GetProperty("steps").EnumerateArray(), s => Assert.Equal("verified", s.GetProperty("outcome").GetString()));
        Assert.Single(Directory.GetFiles(Path.Combine(rig.Hub.DataDirectory, "backups"), "*.bin")); // the first backup was kept

        // the plug booted with the chosen pins and the hub adopted it with its relay channel
        Assert.Contains(rig.Station.BootedPlug!.Settings.Pins, p => p.Pin == 26 && p.Role == "Rel" && p.Channel == 1);
        var deviceId = done.GetProperty("facts").GetProperty("deviceId").GetString()!;
        var device = await api.GetFromJsonAsync<JsonElement>($"/api/devices/{deviceId}");
        Assert.Contains(device.GetProperty("channels").EnumerateArray(), c => c.GetProperty("channel").GetInt32() == 1);

        // a finished job does not take pins again
        var again = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new { template = "anything" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task The_pins_endpoint_takes_a_template_name_and_refuses_an_unknown_one_with_near_matches()
    {
        await using var rig = await JobRig.StartAsync();
        var catalog = rig.Hub.Service<TemplateCatalog>();
        await catalog.ImportAsync(await File.ReadAllTextAsync(SharedData.DeviceTemplates));
        var library = await catalog.GetAsync();
        var template = library.Devices.First(d => d.Chip.Equals("BK7231N", StringComparison.OrdinalIgnoreCase)
            && d.Pins.Values.Count(v => v.StartsWith("Rel;", StringComparison.Ordinal)) == 1 && library.FindByName(d.DisplayName) is not null);
        using var api = await rig.ApiClientAsync();
        var start = await api.PostAsJsonAsync("/api/jobs", new
        {
            port = rig.Station.Port, firmwareId = rig.FirmwareId, profileId = rig.ProfileId, catchSeconds = 20, waitForDevice = false,
        });
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await JobAsync(rig, api, id, "NeedsPins");

        var unknown = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new { template = template.Name[..^1] + "#" });
        Assert.True(unknown.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest, unknown.StatusCode.ToString());
        var chosen = await api.PostAsJsonAsync($"/api/jobs/{id}/pins", new { template = template.DisplayName });
        Assert.Equal(HttpStatusCode.Accepted, chosen.StatusCode);
        var done = await JobAsync(rig, api, id, "Succeeded", TimeSpan.FromMinutes(3));
        Assert.Equal(template.DisplayName, Step(done, "pins").GetProperty("result").GetProperty("pinSource").GetString());
        Assert.Contains("Rel", done.GetProperty("facts").GetProperty("pins").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_requests_take_only_library_firmware_and_listed_ports_and_never_reveal_whether_a_path_exists()
    {
        await using var rig = await JobRig.StartAsync();
        using var api = await rig.ApiClientAsync();
        async Task<(HttpStatusCode, string)> PostAsync(object body)
        {
            var r = await api.PostAsJsonAsync("/api/jobs", body);
            var problem = await r.Content.ReadFromJsonAsync<JsonElement>();
            return (r.StatusCode, problem.GetProperty("detail").GetString()!);
        }

        // a firmware path: refused the same way whether the file exists or not
        var existing = await PostAsync(new { port = rig.Station.Port, firmwarePath = "/etc/passwd" });
        var missing = await PostAsync(new { port = rig.Station.Port, firmwarePath = "/etc/no-such-file" });
        Assert.Equal(HttpStatusCode.BadRequest, existing.Item1);
        Assert.Equal(existing, missing);
        Assert.Single(existing.Item2.Split('\n'));

        // a port that is not listed, existing device or not
        var tty = await PostAsync(new { port = "/dev/null", firmwareId = rig.FirmwareId });
        var none = await PostAsync(new { port = "/dev/no-such-tty", firmwareId = rig.FirmwareId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tty.Item1);
        Assert.Equal(tty, none);
        Assert.DoesNotContain("/dev/null", tty.Item2, StringComparison.Ordinal);

        // an id that is not in the library
        var unknown = await PostAsync(new { port = rig.Station.Port, firmwareId = "../../etc/passwd" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.Item1);
        Assert.Contains("not in the firmware library", unknown.Item2, StringComparison.Ordinal);

        // nothing of it reached the station: the flash job list is empty
        Assert.Empty(await api.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);
    }

    private static JsonElement Step(JsonElement job, string step) =>
        job.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == step);

    /// <summary>Waits for the job's current run to end (the runner's own completion), then reads it as a script would.</summary>
    private static async Task<JsonElement> JobAsync(JobRig rig, HttpClient api, string id, string state, TimeSpan? timeout = null)
    {
        var run = rig.Hub.Service<FlashJobRunner>().Find(id) ?? throw new InvalidOperationException($"job {id} is not known to the runner");
        await run.Completion.Task.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        var job = await api.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        Assert.True(job.GetProperty("state").GetString() == state,
            $"job {job.GetProperty("state")}: {job.GetProperty("error")}\n{string.Join("\n", job.GetProperty("log").EnumerateArray().Select(l => l.GetProperty("text").GetString()))}");
        return job;
    }
}
