namespace OpenBekenHub.Flashing.Transport;

/// <summary>How the chip gets reset into its download window while link checks are being sent.</summary>
public interface IResetStrategy
{
    string Name { get; }

    Task PulseAsync(IBkLink link, CancellationToken cancellationToken);
}

/// <summary>Does nothing: the user bridges CEN to GND briefly or re-powers the plug.</summary>
public sealed class ManualCenReset : IResetStrategy
{
    public static ManualCenReset Instance { get; } = new();

    public string Name => "manual (touch CEN to GND or re-power the plug)";

    public Task PulseAsync(IBkLink link, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Pulses DTR/RTS for boards wired for auto-reset (RTS to CEN). Best-effort: on ptys and adapters without the lines
/// nothing happens and <see cref="LinesAvailable"/> becomes false.
/// </summary>
public sealed class DtrRtsReset(TimeSpan? pulse = null) : IResetStrategy
{
    private readonly TimeSpan _pulse = pulse ?? TimeSpan.FromMilliseconds(100);

    public string Name => "DTR/RTS pulse";

    public bool LinesAvailable { get; private set; } = true;

    public async Task PulseAsync(IBkLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (!link.TrySetControlLines(dtr: true, rts: true))
        {
            LinesAvailable = false;
            return;
        }
        await Task.Delay(_pulse, cancellationToken).ConfigureAwait(false);
        link.TrySetControlLines(dtr: false, rts: true);
        await Task.Delay(_pulse, cancellationToken).ConfigureAwait(false);
        link.TrySetControlLines(dtr: false, rts: false);
    }
}
