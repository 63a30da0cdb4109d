using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tests.Pins;

/// <summary>Pin tables as people give them (wizard, REST, <c>--pins</c>) and the "does the plug get a channel" rule.</summary>
public sealed class PinChoiceTableTests
{
    [Fact]
    public void A_table_from_the_api_becomes_firmware_role_numbers_sorted_by_pin_with_None_rows_dropped()
    {
        var t = PinTable.FromChoices(new Dictionary<string, PinChoice>
        {
            ["P26"] = new("Rel", 1), ["10"] = new("btn", 1), ["8"] = new("WifiLED_n"), ["6"] = new("None"),
        });
        Assert.Equal([(8, 9, 0), (10, 3, 1), (26, 1, 1)], t.Pins.Select(p => (p.Pin, p.Role, p.Channel)));
        Assert.Equal([1], PinTable.Channels(t));
        Assert.Equal("P8 WifiLED_n ch0, P10 Btn ch1, P26 Rel ch1", PinTable.Describe(t));
    }

    [Fact]
    public void The_command_line_form_parses_and_round_trips_through_the_api_form()
    {
        var t = PinTable.Parse("26=Rel:1, 24=BL0937CF,7=BL0937CF1:0");
        Assert.Equal([(7, 19, 0), (24, 18, 0), (26, 1, 1)], t.Pins.Select(p => (p.Pin, p.Role, p.Channel)));
        Assert.Equal(t.Pins, PinTable.FromChoices(PinTable.ToChoices(t)).Pins);
    }

    [Fact]
    public void Buttons_and_wifi_leds_alone_give_no_channel()
    {
        Assert.Empty(PinTable.Channels(PinTable.Parse("10=Btn:1,8=WifiLED_n")));
        Assert.Equal([1, 2], PinTable.Channels(PinTable.Parse("6=Rel:2,7=dInput:1,26=Rel:1")));
    }

    [Theory]
    [InlineData("32=Rel:1", "pin number")]
    [InlineData("P-1=Rel:1", "pin number")]
    [InlineData("26=Relay2:1", "not a pin role")]
    [InlineData("26=Rel:300", "0-255")]
    [InlineData("26=Rel:x", "not a number")]
    [InlineData("26", "PIN=ROLE")]
    [InlineData("26=Rel:1,P26=Btn:1", "twice")]
    public void A_bad_row_is_refused_with_one_line_that_names_it(string text, string says)
    {
        var ex = Assert.Throws<ProvisioningException>(() => PinTable.Parse(text));
        Assert.Equal(ProvisioningErrorKind.BadTemplate, ex.Kind);
        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_table_over_a_template_keeps_the_templates_flags_and_startup_command()
    {
        var template = new PinTemplate { Name = "Plug X", Flags = 1024, StartupCommand = "startDriver BL0942", Pins = PinTable.Parse("23=Rel:1").Pins };
        var edited = PinTable.FromChoices(new Dictionary<string, PinChoice> { ["26"] = new("Rel", 1) }, basedOn: template);
        Assert.Equal(("Plug X (edited)", 1024UL, "startDriver BL0942"), (edited.Name, edited.Flags!.Value, edited.StartupCommand));
        Assert.Equal(26, Assert.Single(edited.Pins).Pin);
        Assert.Equal("Plug X", PinTable.FromChoices(PinTable.ToChoices(template), basedOn: template).Name); // the template's own table, unchanged
    }
}
