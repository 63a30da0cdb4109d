using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tests.Templates;

public sealed class DeviceTemplateLibraryTests
{
    private static readonly Lazy<DeviceTemplateLibrary> Library =
        new(() => DeviceTemplateLibrary.LoadFileAsync(TestData.DeviceTemplatesPath).GetAwaiter().GetResult());

    [Fact]
    public void The_shared_list_loads_all_863_devices()
    {
        Assert.Equal(863, Library.Value.Devices.Count);
        Assert.Equal(422, Library.Value.Devices.Count(d => d.Chip == "BK7231N"));
        Assert.Equal(7 + 169, Library.Value.Devices.Count(d => d.Pins.Count == 0)); // 7 without "pins", 169 with an empty object
    }

    [Fact]
    public void Search_matches_every_word_and_filters_by_chip_and_board()
    {
        var lib = Library.Value;
        var hits = lib.Search("DIY Switch", chip: "BK7231T", board: "WB2S");

        Assert.Contains(hits, d => d.Model == "ZN268131");
        Assert.All(hits, d => Assert.Equal("BK7231T", d.Chip));
        Assert.All(hits, d => Assert.Contains("WB2S", d.Board, StringComparison.OrdinalIgnoreCase));
        Assert.NotEmpty(lib.Search("zn268131"));
        Assert.Empty(lib.Search("no-such-device-xyz"));
    }

    [Fact]
    public void A_template_found_by_model_converts_to_firmware_roles()
    {
        var t = Library.Value.GetByName("ZN268131").ToPinTemplate();

        Assert.Equal(
        [
            new(6, PinRoles.Relay.Number, 1), new(7, PinRoles.WifiLedInverted.Number, 1),
            new(10, PinRoles.Button.Number, 1), new(26, PinRoles.ToggleChannelOnToggle.Number, 1),
        ], t.Pins);
        Assert.Empty(t.Warnings);
    }

    [Fact]
    public void An_unknown_template_name_fails_with_suggestions()
    {
        var ex = Assert.Throws<ProvisioningException>(() => Library.Value.GetByName("WiFi DIY Switc"));
        Assert.Equal(ProvisioningErrorKind.BadTemplate, ex.Kind);
        Assert.Contains("Did you mean", ex.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SM2135_DAT", "SM2135DAT")]
    [InlineData("SM2235_CLK", "SM2235CLK")]
    [InlineData("Relay", "Rel")]
    [InlineData("Button", "Btn")]
    [InlineData("WiFi_LED_n", "WifiLED_n")]
    [InlineData("WiFILED_n", "WifiLED_n")]
    [InlineData("BridgeFWD ", "BridgeFWD")]
    [InlineData("dInput_NoPullUP", "dInput_NoPullUp")]
    [InlineData("IRrecv", "IRRecv")]
    [InlineData("BP5758_DAT", "BP5758D_DAT")]
    [InlineData("Btn_NextColour", "Btn_NextColor")]
    public void Role_names_from_templates_are_normalised_to_the_firmware_spelling(string raw, string expected)
    {
        Assert.Equal(expected, RoleNames.Normalize(raw)!.ShortName);
    }

    [Fact]
    public void Across_the_whole_list_only_meaningless_role_names_remain_unknown()
    {
        var unknown = Library.Value.Devices
            .SelectMany(d => d.Pins.Values)
            .Select(v => v.Split(';')[0].Trim())
            .Where(r => RoleNames.Normalize(r) is null)
            .Distinct()
            .Order()
            .ToList();

        Assert.Equal(["Btnl", "Buzzer", "SCL", "SDA"], unknown);
    }

    [Fact]
    public void Flags_come_from_flags_text_or_the_old_numeric_flag()
    {
        var lib = DeviceTemplateLibrary.Parse("""{"devices":[{"name":"a","flags":"1024"},{"name":"b","flag":16},{"name":"c"}]}""");
        Assert.Equal([1024UL, 16UL, null], lib.Devices.Select(d => d.Flags));
        Assert.Throws<ProvisioningException>(() => DeviceTemplateLibrary.Parse("""{"nodevices":1}"""));
    }
}
