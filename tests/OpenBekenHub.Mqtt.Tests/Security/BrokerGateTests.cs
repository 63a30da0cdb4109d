using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests.Security;

public sealed class BrokerGateTests : IDisposable
{
    private readonly TempDir _dir = new("gate");

    private BrokerAccounts Accounts() => BrokerAccounts.Open(_dir.File(BrokerAccounts.FileName), "obkhub");

    [Fact]
    public void Accounts_file_is_private_and_keeps_plug_passwords_only_as_hashes()
    {
        var accounts = Accounts();
        var (_, password) = accounts.IssuePlug("obk1", "OpenBK7231N_1", "bekens_n", "flash");
        var path = _dir.File(BrokerAccounts.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        var text = File.ReadAllText(path);
        Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        var reopened = Accounts();
        Assert.Equal(accounts.Hub.Password, reopened.Hub.Password);
        Assert.NotNull(reopened.Verify("obk1", password));
        Assert.Null(reopened.Verify("obk1", password + "x"));
        Assert.Equal(22, password.Length);
    }

    [Fact]
    public void A_resumed_flash_job_gets_the_same_password_and_another_job_a_new_one()
    {
        var accounts = Accounts();
        var (_, first) = accounts.IssuePlug("obk1", null, null, "flash", issueKey: "job-1");
        var (_, again) = accounts.IssuePlug("obk1", null, null, "flash", issueKey: "job-1");
        var (_, other) = accounts.IssuePlug("obk1", null, null, "flash", issueKey: "job-2");
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(22, other.Length);
        Assert.NotNull(accounts.Verify("obk1", other));
        Assert.Null(accounts.Verify("obk1", first));
        // keyed by this install's hub secret: another install derives something else
        using var elsewhere = new TempDir("gate-elsewhere");
        var (_, foreign) = BrokerAccounts.Open(elsewhere.File(BrokerAccounts.FileName), "obkhub").IssuePlug("obk1", null, null, "flash", issueKey: "job-2");
        Assert.NotEqual(other, foreign);
    }

    [Fact]
    public void Anonymous_and_wrong_passwords_are_refused_and_listed_without_the_password()
    {
        var gate = new BrokerGate(Accounts());
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkAA", null, null, "192.168.1.9", null).Verdict);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkBB", "homeassistant", "qqqqqqqqqq", "192.168.1.10", null).Verdict);
        var listed = gate.Refused.Snapshot();
        Assert.Equal(["obkBB", "obkAA"], listed.Select(r => r.ClientId));
        Assert.Equal("192.168.1.10", listed[0].Address);
        Assert.Equal("homeassistant", listed[0].Username);
        Assert.Contains("wrong password", listed[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hubs_client_id_and_a_plugs_client_id_belong_to_their_accounts()
    {
        var accounts = Accounts();
        var gate = new BrokerGate(accounts);
        var (_, pw) = accounts.IssuePlug("obk1", null, null, "flash");
        Assert.Equal(ConnectVerdict.Accepted, gate.Decide("obkhub", accounts.Hub.Username, accounts.Hub.Password, null, null).Verdict);
        // Home Assistant's valid account cannot take the hub's or a plug's id (MQTT would disconnect the holder)
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkhub", "homeassistant", accounts.HomeAssistant.Password, null, null).Verdict);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obk1", "homeassistant", accounts.HomeAssistant.Password, null, null).Verdict);
        // nor can a plug use another id, or a will on another plug's topic
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obk2", "obk1", pw, null, null).Verdict);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obk1", "obk1", pw, null, "obk2/connected").Verdict);
        Assert.Equal(ConnectVerdict.Accepted, gate.Decide("obk1", "obk1", pw, null, "obk1/connected").Verdict);
        Assert.Contains(gate.Refused.Snapshot(), r => r.ClientId == "obkhub" && r.Reason.Contains("takeover", StringComparison.Ordinal));
    }

    [Fact]
    public void Permit_join_admits_unknown_plugs_with_a_new_account_and_closes()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-12-05T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var accounts = Accounts();
        var gate = new BrokerGate(accounts, time);
        gate.PermitJoin(TimeSpan.FromMinutes(2));
        var join = gate.Decide("obkNEW", "homeassistant", "qqqqqqqqqq", "10.0.0.5", "obkNEW/connected");
        Assert.Equal(ConnectVerdict.Joining, join.Verdict);
        Assert.NotNull(accounts.Verify("obkNEW", join.JoinPassword));
        Assert.Null(accounts.Find("obkNEW")!.Confirmed);
        // reserved names, and a flashed plug's account not yet seen, never join
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkhub", null, null, null, null).Verdict);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("cmnd", null, null, null, null).Verdict);
        var (_, flashed) = accounts.IssuePlug("obkFLASHED", null, null, "flash");
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkFLASHED", "homeassistant", "qqqqqqqqqq", null, null).Verdict);
        Assert.NotNull(accounts.Verify("obkFLASHED", flashed));
        var moved = new List<string>();
        gate.PlugMoved += a => moved.Add(a.Username);
        Assert.Equal(ConnectVerdict.Accepted, gate.Decide("obkNEW", "obkNEW", join.JoinPassword, null, null).Verdict);
        Assert.Equal(["obkNEW"], moved);
        Assert.NotNull(accounts.Find("obkNEW")!.Confirmed);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkNEW", null, null, null, null).Verdict);
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Null(gate.PermitJoinUntil);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide("obkLATE", null, null, null, null).Verdict);
    }

    [Fact]
    public void Approval_admits_one_refused_client_once()
    {
        var gate = new BrokerGate(Accounts());
        Assert.False(gate.Approve("obkX")); // never refused
        gate.Decide("obkX", null, null, null, null);
        Assert.True(gate.Approve("obkX"));
        Assert.Empty(gate.Refused.Snapshot());
        Assert.Equal(ConnectVerdict.Joining, gate.Decide("obkX", null, null, null, null).Verdict);
        Assert.Equal("approved", gate.Accounts.Find("obkX")!.Source);
    }

    [Fact]
    public void The_refused_list_is_bounded()
    {
        var list = new RefusedClients(capacity: 3);
        for (var i = 0; i < 10; i++)
        {
            list.Add(new RefusedClient($"c{i}", null, null, DateTimeOffset.UtcNow, "x"));
        }
        Assert.Equal(["c9", "c8", "c7"], list.Snapshot().Select(r => r.ClientId));
    }

    public void Dispose() => _dir.Dispose();

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
