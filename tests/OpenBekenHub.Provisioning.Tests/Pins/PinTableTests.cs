using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tests.Pins;

public sealed class PinTableTests
{
    [Fact]
    public void The_role_table_has_roles_0_to_98_in_order()
    {
        Assert.Equal(99, PinRoles.All.Count);
        Assert.Equal(Enumerable.Range(0, 99), PinRoles.All.Select(r => r.Number));
    }

    [Theory]
    [InlineData(1, "Relay", "Rel")]
    [InlineData(9, "LED_WIFI_n", "WifiLED_n")]
    [InlineData(17, "BL0937_SEL", "BL0937SEL")]
    [InlineData(21, "SM2135_DAT", "SM2135DAT")]
    [InlineData(46, "CHT83XX_DAT", "CHT83XX_SDA")]
    [InlineData(86, "HLW8112_SCSN", "HLW_8112_SCSN")]
    [InlineData(98, "BL0939_MISO", "BL0939_MISO")]
    public void Documented_roles_have_their_number_enum_and_short_name(int number, string enumName, string shortName)
    {
        var r = PinRoles.FindByNumber(number)!;
        Assert.Equal((enumName, shortName), (r.EnumName, r.ShortName));
        Assert.Same(r, PinRoles.FindByShortName(shortName));
    }

    [Fact]
    public void Short_names_are_unique_and_None_is_accepted_for_role_0()
    {
        Assert.Equal(PinRoles.All.Count, PinRoles.All.Select(r => r.ShortName.ToUpperInvariant()).Distinct().Count());
        Assert.Same(PinRoles.None, PinRoles.FindByShortName("none"));
        Assert.Equal("None", PinRoles.None.CommandName);
    }

    [Fact]
    public void Channel_types_are_0_to_67_with_the_documented_names()
    {
        Assert.Equal(Enumerable.Range(0, 68), ChannelTypes.All.Select(t => t.Number));
        Assert.Equal("Toggle", ChannelTypes.FindByNumber(6)!.Name);
        Assert.Equal(17, ChannelTypes.FindByName("voltage_div10")!.Number);
        Assert.Equal("Frequency", ChannelTypes.FindByNumber(67)!.Name);
    }

    [Fact]
    public void A_plug_template_becomes_SetPinRole_and_SetPinChannel_commands_then_flags_and_startup()
    {
        var template = new PinTemplate
        {
            Pins = [new PinAssignment(26, 1, 1), new PinAssignment(10, 3, 1, 2), new PinAssignment(8, 9, 0)],
            ChannelTypes = new Dictionary<int, int> { [1] = 6 },
            Flags = 1024,
            StartupCommand = "backlog startDriver NTP; startDriver BL0942",
        };

        var cmds = ObkCommands.ForTemplate(template, clearPins: [6, 26]);

        Assert.Equal(
        [
            "SetPinRole 6 None", "SetPinChannel 6 0",
            "SetPinRole 8 WifiLED_n", "SetPinChannel 8 0",
            "SetPinRole 10 Btn", "SetPinChannel 10 1 2",
            "SetPinRole 26 Rel", "SetPinChannel 26 1",
            "setChannelType 1 Toggle",
            "Flags 1024",
            "StartupCommand \"backlog startDriver NTP; startDriver BL0942\"",
        ], cmds);
    }

    [Fact]
    public void Commands_are_grouped_into_backlog_lines_with_StartupCommand_alone()
    {
        var lines = ObkCommands.ToBacklogs(["SetPinRole 26 Rel", "SetPinChannel 26 1", "StartupCommand \"a; b\"", "Flags 1"], maxLength: 50);

        Assert.Equal(["backlog SetPinRole 26 Rel; SetPinChannel 26 1", "StartupCommand \"a; b\"", "Flags 1"], lines);
        Assert.All(ObkCommands.ToBacklogs(Enumerable.Repeat("SetPinChannel 10 1", 100), maxLength: 100), l => Assert.True(l.Length <= 100));
    }
}
