namespace OpenBekenHub.Provisioning.Errors;

/// <summary>What went wrong with provisioning input (a config block, a template, a Tuya dump, a profile).</summary>
public enum ProvisioningErrorKind
{
    /// <summary>A value does not fit its field (too long, out of range).</summary>
    InvalidField,
    /// <summary>The data is shorter than the structure it should hold.</summary>
    TooShort,
    /// <summary>The sector reads as erased flash (all 0xFF).</summary>
    Erased,
    /// <summary>The block does not start with the expected magic.</summary>
    BadMagic,
    /// <summary>The block's version is not one this library understands.</summary>
    UnsupportedVersion,
    /// <summary>The block's check byte does not match its contents.</summary>
    ChecksumMismatch,
    /// <summary>A device template cannot be read or applied.</summary>
    BadTemplate,
    /// <summary>No Tuya configuration storage was found, or it could not be decrypted.</summary>
    TuyaConfigNotFound,
}

/// <summary>
/// "The input is wrong" for everything in this library: carries a one-line message, a hint that says what to do
/// next, and an exit code for the command line. Bugs stay ordinary exceptions.
/// </summary>
public class ProvisioningException : Exception
{
    public ProvisioningException(ProvisioningErrorKind kind, string message, string hint, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Hint = hint;
    }

    public ProvisioningErrorKind Kind { get; }

    /// <summary>What the user can do about it.</summary>
    public string Hint { get; }

    /// <summary>Process exit code for the CLI (see <see cref="ProvisioningExitCodes"/>; 20+ so they never collide with the flasher's 1-13).</summary>
    public int ExitCode => Kind switch
    {
        ProvisioningErrorKind.InvalidField or ProvisioningErrorKind.BadTemplate => ProvisioningExitCodes.InvalidInput,
        ProvisioningErrorKind.TuyaConfigNotFound or ProvisioningErrorKind.Erased => ProvisioningExitCodes.NotFound,
        _ => ProvisioningExitCodes.InvalidConfigBlock,
    };
}

/// <summary>Exit codes of provisioning errors.</summary>
public static class ProvisioningExitCodes
{
    /// <summary>A profile, name or template value is invalid or does not fit the config block.</summary>
    public const int InvalidInput = 20;
    /// <summary>A config block read back is damaged (magic, version, check byte, length).</summary>
    public const int InvalidConfigBlock = 21;
    /// <summary>Nothing to read: erased config sector, or no Tuya storage in the dump.</summary>
    public const int NotFound = 22;
}
