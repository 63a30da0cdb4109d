using System.Security.Cryptography;

namespace OpenBekenHub.Auth;

/// <summary>
/// The one password rule, applied wherever a password is set: OBKHUB_ADMIN_PASSWORD / Hub:AdminPassword, the
/// Settings page and <c>obkhub admin reset-password</c>.
/// </summary>
public static class PasswordPolicy
{
    /// <summary>Long enough that the login throttle makes guessing hopeless, short enough to type on a phone.</summary>
    public const int MinLength = 10;

    /// <summary>Bounds the hashing work a single login request can cause.</summary>
    public const int MaxLength = 512;

    /// <summary>Null when <paramref name="password"/> is acceptable, else why not (never echoes the password).</summary>
    public static string? Problem(string? password) =>
        string.IsNullOrEmpty(password) ? "must not be empty"
        : password.Length < MinLength ? $"must have at least {MinLength} characters (got {password.Length})"
        : password.Length > MaxLength ? $"must have at most {MaxLength} characters"
        : string.IsNullOrWhiteSpace(password) ? "must not be only spaces"
        : null;

    /// <summary>16 characters from an unambiguous alphabet (~92 bits), easy to type from a terminal.</summary>
    public static string Generate()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 16);
    }
}
