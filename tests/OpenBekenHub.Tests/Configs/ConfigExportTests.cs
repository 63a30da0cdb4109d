using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Configs;

public sealed class ConfigExportTests
{
    private const string WifiSecret = "wifi-secret-8842";
    private const string MqttSecret = "mqtt-secret-5531";
    private const string WebSecret = "plug-web-pw-7";

    [Fact]
    public async Task The_export_holds_no_password_in_clear_and_only_the_hub_that_made_it_can_open_the_protected_parts()
    {
        using var data = new TempDir("cfg-export");
        byte[] export;
        string id;
        await using (var h = await ConfigHarness.StartAsync(data, plugWebPassword: WebSecret))
        {
            var (plug, plugId) = await h.AddPlugAsync("02:0b:00:00:0e:01", "127.0.0.2", s => s with
            {
                WebPassword = WebSecret,
                Password = MqttSecret,
                StartupCommand = $"backlog MqttPassword {MqttSecret}; startDriver NTP",
            });
            id = plugId;
            plug.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes($"Password1 {WifiSecret}\nstartDriver NTP\n"));
            plug.WriteLfsFile("notes.txt", Encoding.UTF8.GetBytes("kitchen plug\n"));
            Assert.Equal("created", (await h.BackupAsync(id))[0]!["outcome"]!.GetValue<string>());

            // the API and pages mask what they show
            var shown = await h.Api.GetStringAsync($"/api/configs/{id}/versions/1");
            Assert.DoesNotContain(WifiSecret, shown, StringComparison.Ordinal);
            Assert.DoesNotContain(MqttSecret, shown, StringComparison.Ordinal);
            Assert.Contains("Password1 ****", shown, StringComparison.Ordinal);

            export = await h.Api.GetByteArrayAsync("/api/configs/export");
            var text = Encoding.UTF8.GetString(export);
            foreach (var secret in new[] { WifiSecret, MqttSecret, WebSecret })
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), text, StringComparison.Ordinal);
            }
            var version = JsonNode.Parse(export)!["versions"]![0]!;
            Assert.Equal("", version["snapshot"]!["startupCommand"]!.GetValue<string>());
            Assert.NotNull(version["protected"]!["startupCommand"]);
            Assert.NotNull(version["protected"]!["file:autoexec.bat"]);
            Assert.Null(version["protected"]!["file:notes.txt"]); // nothing secret in it: exported as is
            Assert.Contains(version["snapshot"]!["files"]!.AsArray(), f => f!["path"]!.GetValue<string>() == "notes.txt" && f["contentBase64"]!.GetValue<string>().Length > 0);

            // importing on the same hub: nothing new, everything recognised as present
            var again = await ImportAsync(h.Api, export);
            Assert.Equal((0, 1, 0), (again["imported"]!.GetValue<int>(), again["unchanged"]!.GetValue<int>(), again["skipped"]!.GetValue<int>()));
        }

        // another hub (other keys) cannot: the version is skipped with a warning, never imported half
        await using var other = await ConfigHarness.StartAsync();
        var result = await ImportAsync(other.Api, export);
        Assert.Equal(0, result["imported"]!.GetValue<int>());
        Assert.Equal(1, result["skipped"]!.GetValue<int>());
        Assert.Contains("another hub's keys", result["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_imported_into_a_fresh_data_directory_with_the_same_keys_restores_every_version()
    {
        using var data = new TempDir("cfg-export-keys");
        byte[] export;
        string id;
        await using (var h = await ConfigHarness.StartAsync(data))
        {
            var (plug, plugId) = await h.AddPlugAsync("02:0b:00:00:0e:02", "127.0.0.2", s => s with { StartupCommand = "backlog MqttPassword abc123; startDriver NTP" });
            id = plugId;
            await h.BackupAsync(id);
            plug.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\n"));
            await h.BackupAsync(id);
            export = await h.Api.GetByteArrayAsync("/api/configs/export");
        }
        // a new database beside the same key ring (e.g. the store was lost, the keys were backed up)
        File.Delete(Path.Combine(data.Path, "obkhub.db"));
        foreach (var f in Directory.GetFiles(data.Path, "obkhub.db-*"))
        {
            File.Delete(f);
        }
        await using var fresh = await ConfigHarness.StartAsync(data);
        var result = await ImportAsync(fresh.Api, export);
        Assert.Equal(2, result["imported"]!.GetValue<int>());
        var items = JsonNode.Parse(await fresh.Api.GetStringAsync($"/api/configs/{id}/versions/1"))!["items"]!;
        Assert.Equal("backlog MqttPassword ****; startDriver NTP", items["startup command"]!.GetValue<string>());
    }

    private static async Task<JsonNode> ImportAsync(HttpClient api, byte[] export)
    {
        var content = new ByteArrayContent(export);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var reply = await api.PostAsync("/api/configs/import", content);
        var body = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!;
    }
}
