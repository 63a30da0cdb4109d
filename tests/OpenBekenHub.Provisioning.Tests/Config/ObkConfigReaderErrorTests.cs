using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;

namespace OpenBekenHub.Provisioning.Tests.Config;

public sealed class ObkConfigReaderErrorTests
{
    private static byte[] Valid() => ObkConfigWriter.Build(DocumentedExampleBlockTests.DocumentedExample());

    [Fact]
    public void A_wrong_magic_is_reported_as_BadMagic()
    {
        var b = Valid();
        b[0] = (byte)'X';
        var ex = Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(b));
        Assert.Equal(ProvisioningErrorKind.BadMagic, ex.Kind);
        Assert.Contains("CFG", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public void A_version_other_than_4_or_5_is_reported_as_UnsupportedVersion(int version)
    {
        var b = Valid();
        b[4] = (byte)version;
        var ex = Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(b));
        Assert.Equal(ProvisioningErrorKind.UnsupportedVersion, ex.Kind);
        Assert.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_byte_is_reported_as_ChecksumMismatch_with_both_values()
    {
        var b = Valid();
        b[ObkConfigLayout.WifiSsid] ^= 0x01;
        var ex = Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(b));
        Assert.Equal(ProvisioningErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Contains("0xF6", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_checksummed_with_the_unsigned_CRC_is_refused_and_the_message_says_so()
    {
        var b = Valid();
        b[3] = ObkCrc8.ComputeUnsigned(b.AsSpan(4));
        var ex = Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(b));
        Assert.Contains("unsigned", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_erased_sector_is_reported_as_Erased()
    {
        var b = new byte[4096];
        b.AsSpan().Fill(0xFF);
        Assert.Equal(ProvisioningErrorKind.Erased, Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(b)).Kind);
    }

    [Fact]
    public void A_truncated_block_is_reported_as_TooShort()
    {
        Assert.Equal(ProvisioningErrorKind.TooShort, Assert.Throws<ProvisioningException>(() => ObkConfigReader.Parse(Valid().AsSpan(0, 2000))).Kind);
    }

    [Fact]
    public void TryParse_returns_the_error_instead_of_throwing()
    {
        var b = Valid();
        b[1] = 0;
        Assert.False(ObkConfigReader.TryParse(b, out var config, out var error));
        Assert.Null(config);
        Assert.Equal(ProvisioningErrorKind.BadMagic, error!.Kind);
    }
}

public sealed class ProvisioningExitCodeTests
{
    [Theory]
    [InlineData(ProvisioningErrorKind.InvalidField, ProvisioningExitCodes.InvalidInput)]
    [InlineData(ProvisioningErrorKind.BadTemplate, ProvisioningExitCodes.InvalidInput)]
    [InlineData(ProvisioningErrorKind.ChecksumMismatch, ProvisioningExitCodes.InvalidConfigBlock)]
    [InlineData(ProvisioningErrorKind.BadMagic, ProvisioningExitCodes.InvalidConfigBlock)]
    [InlineData(ProvisioningErrorKind.Erased, ProvisioningExitCodes.NotFound)]
    [InlineData(ProvisioningErrorKind.TuyaConfigNotFound, ProvisioningExitCodes.NotFound)]
    public void Each_error_kind_has_an_exit_code_apart_from_the_flasher_codes(ProvisioningErrorKind kind, int code)
    {
        var ex = new ProvisioningException(kind, "m", "h");
        Assert.Equal(code, ex.ExitCode);
        Assert.True(ex.ExitCode >= 20);
    }
}
