using System.Security.Cryptography;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Tuya;

namespace OpenBekenHub.Provisioning.Tests.Tuya;

public sealed class TuyaConfigExtractorTests
{
    private const string PlugParams =
        "{Jsonver:1.1.8,module:CB2S,rl1_pin:26,rl1_lv:1,bt1_pin:10,bt1_lv:0,netled1_pin:8,netled1_lv:0,"
        + "ele_pin:7,vi_pin:6,sel_pin_pin:24,ele_fun:0,crc:88}";

    [Fact]
    public void A_stock_plug_dump_yields_its_pins_as_an_OpenBeken_template()
    {
        var flash = new SyntheticTuyaStorage()
            .Add("gw_bi", "{\"ap_ssid\":\"SmartLife\",\"uuid\":\"abc\"}")
            .Add("user_param_key", PlugParams)
            .BuildFlash();

        var x = TuyaConfigExtractor.Extract(flash);

        Assert.Equal(0x1EE000, x.StorageOffset);
        Assert.Equal(["gw_bi", "user_param_key"], x.ValueNames);
        Assert.Equal(PlugParams, x.UserParamText);
        Assert.Equal("CB2S", x.Module);
        Assert.Same(ObkChips.BK7231N, x.Chip);
        Assert.Equal("26", x.UserParams["rl1_pin"]);
        Assert.Equal("1.1.8", x.UserParams["Jsonver"]);
        Assert.Equal(
        [
            new PinAssignment(6, PinRoles.Bl0937Cf1.Number, 0),
            new PinAssignment(7, PinRoles.Bl0937Cf.Number, 0),
            new PinAssignment(8, PinRoles.WifiLedInverted.Number, 0),
            new PinAssignment(10, PinRoles.Button.Number, 1),
            new PinAssignment(24, PinRoles.Bl0937Sel.Number, 0),
            new PinAssignment(26, PinRoles.Relay.Number, 1),
        ], x.Proposal.Pins);
        Assert.Equal("Tuya config (CB2S)", x.Proposal.Name);
    }

    [Fact]
    public void A_bulb_with_an_I2C_LED_driver_gets_driver_pins_currents_and_LED_map()
    {
        var flash = new SyntheticTuyaStorage()
            .Add("user_param_key", "{Jsonver:1.1.8,module:WB2L,iicscl:8,iicsda:26,iicr:2,iicg:1,iicb:0,iicc:4,iicw:3,drgbcur:14,dwcur:5,dccur:5,pwmhz:1000}")
            .BuildFlash();

        var x = TuyaConfigExtractor.Extract(flash);

        Assert.Same(ObkChips.BK7231T, x.Chip);
        Assert.Contains(new PinAssignment(26, PinRoles.FindByShortName("BP5758D_DAT")!.Number, 0), x.Proposal.Pins);
        Assert.Contains(new PinAssignment(8, PinRoles.FindByShortName("BP5758D_CLK")!.Number, 0), x.Proposal.Pins);
        Assert.Equal("backlog BP5758D_Current 14 5; LED_Map 2 1 0 4 3; PWMFrequency 1000", x.Proposal.StartupCommand);
    }

    [Fact]
    public void The_data_key_for_other_platform_prefixes_is_found_too()
    {
        var flash = new SyntheticTuyaStorage { KeyPart1 = "8721D", DataMagic = 0x135726AB }
            .Add("user_param_key", "{module:CBU,rl1_pin:6,rl2_pin:7,bt1_pin:8,bt2_pin:9}")
            .BuildFlash(0x1F0000);

        var x = TuyaConfigExtractor.Extract(flash);

        Assert.Equal(0x1F0000, x.StorageOffset);
        Assert.Equal([(6, 1), (7, 2), (8, 1), (9, 2)], x.Proposal.Pins.Select(p => (p.Pin, p.Channel)));
    }

    [Fact]
    public void When_the_index_pages_are_unreadable_the_user_param_text_is_found_in_the_decrypted_data()
    {
        var storage = new SyntheticTuyaStorage().Add("user_param_key", PlugParams);
        var raw = storage.Build();
        // Decrypt the data block, clear its index bitmap, fix the checksum, encrypt again.
        using var aes = Aes.Create();
        aes.Key = storage.DataKey();
        var block = aes.DecryptEcb(raw.AsSpan(4096, 4096), PaddingMode.None);
        block[15] = 0;
        BitConverter.TryWriteBytes(block.AsSpan(4), (uint)block.Skip(8).Sum(b => b));
        aes.EncryptEcb(block, PaddingMode.None).CopyTo(raw, 4096);
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        raw.CopyTo(flash, 0x1EE000);

        var x = TuyaConfigExtractor.Extract(flash);

        Assert.Empty(x.ValueNames);
        Assert.Equal(PlugParams, x.UserParamText);
        Assert.Equal(6, x.Proposal.Pins.Count);
    }

    [Fact]
    public void A_dump_without_Tuya_storage_is_reported_as_not_found()
    {
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        ObkConfigWriter.BuildSector(new ObkConfig()).CopyTo(flash, 0x1D1000);

        var ex = Assert.Throws<ProvisioningException>(() => TuyaConfigExtractor.Extract(flash));
        Assert.Equal(ProvisioningErrorKind.TuyaConfigNotFound, ex.Kind);
        Assert.Null(TuyaConfigExtractor.TryExtract(flash));
    }

    [Fact]
    public void A_data_block_with_a_bad_checksum_is_not_used()
    {
        var storage = new SyntheticTuyaStorage().Add("user_param_key", PlugParams);
        var raw = storage.Build();
        raw[4096 + 200] ^= 0xFF; // damage one ciphertext byte of the data block
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        raw.CopyTo(flash, 0x1EE000);

        Assert.Equal(ProvisioningErrorKind.TuyaConfigNotFound,
            Assert.Throws<ProvisioningException>(() => TuyaConfigExtractor.Extract(flash)).Kind);
    }

    [Theory]
    [InlineData("{Jsonver:1.1.8,module:CB2S,rl1_pin:26,}", "rl1_pin", "26")]
    [InlineData("{\"module\":\"CB3S\",\"bt1_pin\":\"10\"}", "module", "CB3S")]
    [InlineData("{a:{b:1,c:x y}}", "c", "x y")]
    [InlineData("{broken:1,rl1_pin:6", "rl1_pin", "6")]
    public void User_param_text_parses_in_Tuya_pseudo_JSON_real_JSON_and_damaged_forms(string text, string key, string value)
    {
        Assert.Equal(value, TuyaUserParams.Parse(text)[key]);
    }
}

public sealed class TuyaKvStorageWriterTests
{
    [Fact]
    public void The_library_writer_produces_the_same_bytes_as_the_independently_built_storage()
    {
        var key = Enumerable.Range(1, 16).Select(i => (byte)(i * 13)).ToArray();
        var expected = new SyntheticTuyaStorage { DeviceKey = key }
            .Add("gw_bi", "{\"ap_ssid\":\"SmartLife\"}")
            .Add("user_param_key", "{Jsonver:1.1.8,module:CB2S,rl1_pin:26}")
            .Build();

        var written = TuyaKvStorageWriter.Build(
            [new("gw_bi", "{\"ap_ssid\":\"SmartLife\"}"), new("user_param_key", "{Jsonver:1.1.8,module:CB2S,rl1_pin:26}")], key);

        Assert.Equal(expected, written);
    }

    [Fact]
    public void A_stock_like_image_written_by_the_library_is_extracted()
    {
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        TuyaKvStorageWriter.WriteInto(flash, 0x1EE000, [new("user_param_key", "{module:CB2S,rl1_pin:26,bt1_pin:10,netled1_pin:8}")]);

        var x = TuyaConfigExtractor.Extract(flash);

        Assert.Equal(3, x.Proposal.Pins.Count);
        Assert.Same(OpenBekenHub.Provisioning.Chips.ObkChips.BK7231N, x.Chip);
    }
}
