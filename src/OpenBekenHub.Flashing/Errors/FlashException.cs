namespace OpenBekenHub.Flashing.Errors;

/// <summary>
/// "The device, the wiring or the input is wrong" (not a bug). Carries a one-line message, a hint saying what to do
/// next and a process exit code; the CLI prints one line per failure kind.
/// </summary>
public class FlashException : Exception
{
    public FlashException(string message, string hint, int exitCode = FlashExitCodes.General, Exception? innerException = null)
        : base(message, innerException)
    {
        Hint = hint;
        ExitCode = exitCode;
    }

    public string Hint { get; }

    public int ExitCode { get; }

    /// <summary>Short stable identifier of the failure kind, for JSON output and logs.</summary>
    public virtual string Kind => "flash-error";
}

/// <summary>Exit codes, one per failure kind.</summary>
public static class FlashExitCodes
{
    public const int Success = 0;
    public const int General = 1;
    public const int ImageRejected = 2;
    public const int BootloaderNotFound = 3;
    public const int ReplyTimeout = 4;
    public const int ReplyCorrupt = 5;
    public const int CrcMismatch = 6;
    public const int ChipMismatch = 7;
    public const int PortLost = 8;
    public const int PortUnavailable = 9;
    public const int BaudRate = 10;
    public const int FlashProtected = 11;
    public const int BootloaderStatus = 12;
    public const int BackupRequired = 13;
    public const int Cancelled = 130;
}

public sealed class BootloaderNotFoundException(string message, string hint)
    : FlashException(message, hint, FlashExitCodes.BootloaderNotFound)
{
    public override string Kind => "bootloader-not-found";
}

public sealed class ReplyTimeoutException(string message, string hint)
    : FlashException(message, hint, FlashExitCodes.ReplyTimeout)
{
    public override string Kind => "reply-timeout";
}

public sealed class ReplyCorruptException(string message, string hint = "Noise on the line: lower the baud rate, shorten the wires or check the ground.")
    : FlashException(message, hint, FlashExitCodes.ReplyCorrupt)
{
    public override string Kind => "reply-corrupt";
}

/// <summary>The bootloader answered with a non-zero status byte.</summary>
public sealed class BootloaderStatusException(string command, byte status)
    : FlashException($"{command} failed: bootloader status {status} ({Protocol.BkStatusText.Describe(status)})",
        status == (byte)Protocol.BkStatus.UnknownCommand
            ? "This bootloader does not support that command; check the chip type."
            : "Retry; if it persists, re-power the plug and check the 3.3 V supply.",
        FlashExitCodes.BootloaderStatus)
{
    public byte Status { get; } = status;

    public override string Kind => "bootloader-status";
}

public sealed class CrcMismatchException(string message, string hint = "The flash did not take the data: re-power the plug, check the supply and retry at a lower baud.")
    : FlashException(message, hint, FlashExitCodes.CrcMismatch)
{
    public override string Kind => "crc-mismatch";
}

public sealed class ImageRejectedException(string message, string hint)
    : FlashException(message, hint, FlashExitCodes.ImageRejected)
{
    public override string Kind => "image-rejected";
}

public sealed class ChipMismatchException(string message, string hint)
    : FlashException(message, hint, FlashExitCodes.ChipMismatch)
{
    public override string Kind => "chip-mismatch";
}

/// <summary>The serial port went away mid-operation. <see cref="ResumeAddress"/> says where a retry may continue.</summary>
public sealed class PortLostException(string message, Exception? inner = null, uint? resumeAddress = null)
    : FlashException(message, "Check the USB cable and adapter, reconnect, and run the same command again: verified regions are skipped.",
        FlashExitCodes.PortLost, inner)
{
    public uint? ResumeAddress { get; } = resumeAddress;

    public override string Kind => "port-lost";
}

public sealed class PortUnavailableException(string message, Exception? inner = null)
    : FlashException(message, "Check the port name (obkhub ports), permissions (dialout group) and that no other program holds it.",
        FlashExitCodes.PortUnavailable, inner)
{
    public override string Kind => "port-unavailable";
}

public sealed class BaudRateException(string message)
    : FlashException(message, "Use a lower --baud; some adapters (CP2102) cannot do 921600.", FlashExitCodes.BaudRate)
{
    public override string Kind => "baud-rate";
}

public sealed class FlashProtectedException(string message)
    : FlashException(message, "The flash status register keeps its protect bits; re-power the plug and retry.", FlashExitCodes.FlashProtected)
{
    public override string Kind => "flash-protected";
}

public sealed class BackupRequiredException(string message)
    : FlashException(message, "Make a backup first (obkhub read), or pass --no-backup if you really accept the risk.", FlashExitCodes.BackupRequired)
{
    public override string Kind => "backup-required";
}
