namespace OpenBekenHub.Flashing.Operations;

/// <summary>Tunables of the loader: every attempt count and timeout has a name here, none is a literal in the code.</summary>
public sealed class BkLoaderOptions
{
    /// <summary>How long the catch loop sends link checks while the user resets the chip.</summary>
    public TimeSpan CatchTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Wait for a reply to each link check during the catch.</summary>
    public TimeSpan LinkCheckReplyTimeout { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Re-pulse the reset strategy this often during the catch.</summary>
    public TimeSpan ResetPulseInterval { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Send the text "reboot\r\n" this often (OpenBeken firmware on UART1 reboots into the bootloader). Null = never.</summary>
    public TimeSpan? RebootTextInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Quiet time after linking, to drain stale link-check replies.</summary>
    public TimeSpan PostLinkDrain { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Base timeout of a command, on top of its wire time.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Extra time for an erase (a 64 KiB block takes ~300 ms on real parts).</summary>
    public TimeSpan EraseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pessimistic CheckCRC throughput of the chip, to size its timeout.</summary>
    public double CrcBytesPerSecond { get; set; } = 200_000;

    /// <summary>Attempts per idempotent command (link check, read, CRC, register) before giving up.</summary>
    public int CommandAttempts { get; set; } = 4;

    /// <summary>Rates tried from the requested one downwards when a baud change does not hold.</summary>
    public IReadOnlyList<int> BaudSteps { get; set; } = [3_000_000, 2_000_000, 1_500_000, 921_600, 460_800, 230_400, 115_200];

    /// <summary>delay_ms sent with SetBaudRate (the chip waits this long before answering at the new rate).</summary>
    public byte BaudSwitchDelayMs { get; set; } = 20;

    /// <summary>Wait for the SetBaudRate echo at the new rate.</summary>
    public TimeSpan BaudEchoTimeout { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Link checks tried to re-synchronise after a garbled or lost reply.</summary>
    public int ResyncAttempts { get; set; } = 10;

    /// <summary>Times the status register write is retried during unprotect.</summary>
    public int UnprotectAttempts { get; set; } = 5;
}
