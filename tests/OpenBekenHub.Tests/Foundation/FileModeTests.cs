using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using OpenBekenHub.Cli;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Cli;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>What holds secrets (store, backups, data-protection keys) is readable by the hub's user only.</summary>
[Collection(CliCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode Dir0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_fresh_hub_keeps_its_data_directory_store_and_keys_owner_only()
    {
        using var parent = new TempDir("modes");
        var data = Path.Combine(parent.Path, "data");
        await using var hub = await HubHost.StartAsync($"--Hub:DataDirectory={data}");
        using var client = await hub.LoggedInClientAsync(); // login and antiforgery create the first key

        Assert.Equal(Dir0700, File.GetUnixFileMode(data));
        Assert.Equal(File0600, File.GetUnixFileMode(Path.Combine(data, "obkhub.db")));
        Assert.True(File.Exists(Path.Combine(data, "obkhub.db-wal")));
        Assert.Equal(File0600, File.GetUnixFileMode(Path.Combine(data, "obkhub.db-wal")));
        Assert.Equal(Dir0700, File.GetUnixFileMode(Path.Combine(data, "keys")));
        var keys = Directory.GetFiles(Path.Combine(data, "keys"), "*.xml");
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Equal(File0600, File.GetUnixFileMode(k)));
    }

    [Fact]
    public async Task Files_left_open_by_an_older_version_are_tightened_at_start()
    {
        using var data = new TempDir("old-modes");
        var db = Path.Combine(data.Path, "obkhub.db");
        await new HubStore(db).MigrateAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(data.Path, Dir0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(db, File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var hub = await HubHost.StartAsync(data);

        Assert.Equal(Dir0700, File.GetUnixFileMode(data.Path));
        Assert.Equal(File0600, File.GetUnixFileMode(db));
    }

    [Fact]
    public async Task A_backup_read_from_the_chip_is_written_0600()
    {
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231N);
        using var dir = new TempDir("backup-mode");
        var output = dir.File("bootloader.bin");

        var (code, _, stderr) = await CliRunner.RunAsync("read", "--port", station.Port, "--out", output, "--length", "0x1000");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Equal(File0600, File.GetUnixFileMode(output));
    }

    [Fact]
    public async Task With_a_certificate_the_keys_are_encrypted_at_rest_and_still_work_after_a_restart()
    {
        using var secrets = new TempDir("key-cert");
        using var data = new TempDir("key-cert-data");
        var pfx = secrets.File("obkhub-keys.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=obkhub data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }
        string[] args = [$"--Hub:DataProtection:CertificatePath={pfx}", "--Hub:DataProtection:CertificatePassword=pfx-password"];

        string protectedText;
        await using (var hub = await HubHost.StartAsync(data, args))
        {
            protectedText = hub.Service<IDataProtectionProvider>().CreateProtector("test").Protect("wifi-secret");
        }
        var key = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(data.Path, "keys"), "*.xml")));
        Assert.Contains("<encryptedSecret", key, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", key, StringComparison.Ordinal);

        await using var restarted = await HubHost.StartAsync(data, args);
        Assert.Equal("wifi-secret", restarted.Service<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText));
    }

    [Fact]
    public async Task An_unreadable_key_certificate_stops_start_up_with_one_line()
    {
        using var data = new TempDir("bad-cert");
        var notACertificate = data.File("keys.pfx");
        await File.WriteAllTextAsync(notACertificate, "not a certificate");
        await using var process = ObkhubProcess.Start(
            ["--data", data.Path, "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--Mqtt:Embedded:Port", "0",
             "--Hub:DataProtection:CertificatePath", notACertificate]);
        Assert.Equal(ExitCodes.Configuration, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith("obkhub: configuration error: Hub:DataProtection:CertificatePath", process.Stderr.Trim(), StringComparison.Ordinal);
        Assert.Single(process.Stderr.Trim().Split('\n'));
    }
}
