using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Jobs;

/// <summary>
/// A job request the hub will not run. <see cref="Unprocessable"/>: well-formed but naming something the hub does not
/// offer (a firmware not in the library, a port not listed, an unknown template) — HTTP 422; otherwise 400.
/// The message is one line and never says whether a path exists on the server.
/// </summary>
public sealed class JobRequestException(string message, bool unprocessable) : ArgumentException(message)
{
    public bool Unprocessable { get; } = unprocessable;
}

/// <summary>What <c>POST /api/jobs/{id}/pins</c> takes: a template name, a pin table, or both (the table's pins win).</summary>
public sealed record PinsChoice(string? Template, IReadOnlyDictionary<string, PinChoice>? Pins);

public sealed partial class FlashJobRunner
{
    /// <summary>
    /// The gate for requests from the pages and the API: firmware only by library id, ports only from the list the
    /// wizard shows (adapters found in sysfs, configured stations, simulated stations), templates and pins that parse.
    /// </summary>
    public async Task CheckAsync(FlashJobRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.FirmwarePath is not null)
        {
            throw new JobRequestException("firmwarePath is not accepted: add the file to the firmware library and pass its firmwareId.", unprocessable: false);
        }
        var problems = request.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new JobRequestException(string.Join("; ", problems), unprocessable: false);
        }
        if (!stations.IsListed(request.Port))
        {
            throw new JobRequestException("That port is not one of the listed serial ports or stations.", unprocessable: true);
        }
        if (request.FirmwareId!.Length > 64 || await firmware.GetAsync(request.FirmwareId, ct) is null)
        {
            throw new JobRequestException("That firmware id is not in the firmware library.", unprocessable: true);
        }
        if (request.ProfileId is not null && await profiles.GetAsync(request.ProfileId, ct) is null)
        {
            throw new JobRequestException("That provisioning profile does not exist.", unprocessable: true);
        }
        try
        {
            await ResolvePinsAsync(request, ct);
        }
        catch (ArgumentException ex)
        {
            throw new JobRequestException(ex.Message, unprocessable: true);
        }
    }

    /// <summary>
    /// Continues a job stopped in <see cref="JobState.NeedsPins"/> with a template or a pin table. The choice must give
    /// the plug a channel; it is stored in the job's request (no secrets there) and the job resumes from its last
    /// verified step (the backup is kept).
    /// </summary>
    public async Task<FlashJob> ChoosePinsAsync(string id, PinsChoice choice, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(choice);
        if (_jobs.TryGetValue(id, out var live) && live.State == JobState.Running)
        {
            throw new InvalidOperationException("This job is running again already (pins were chosen in another tab).");
        }
        var summary = await jobs.GetAsync(id, ct) ?? throw new KeyNotFoundException($"No job '{id}'.");
        if (summary.State != JobState.NeedsPins)
        {
            throw new InvalidOperationException($"This job is {summary.State}, not waiting for pins.");
        }
        var hasTemplate = !string.IsNullOrWhiteSpace(choice.Template);
        var hasPins = choice.Pins is { Count: > 0 };
        if (!hasTemplate && !hasPins)
        {
            throw new JobRequestException("Give a \"template\" name or a non-empty \"pins\" table.", unprocessable: false);
        }
        // both: the table's pins over the template's (which still gives its flags and startup command)
        var request = summary.Request with
        {
            TemplateName = hasTemplate ? choice.Template!.Trim() : null,
            Pins = hasPins ? choice.Pins : null,
        };
        PinsOrThrow(await ResolvePinsAsync(request, ct));
        await jobs.UpdateRequestAsync(id, request, ct);
        return await ResumeAsync(id, ct);
    }

    private static void PinsOrThrow(Provisioning.Templates.PinTemplate? pins)
    {
        if (pins is null || !FlashPipeline.GivesChannels(pins))
        {
            throw new JobRequestException(
                $"{(pins is null ? "No pins" : $"'{pins.Name}'")} would give the plug no channel: include a relay, LED, PWM or input pin (e.g. P26 Rel channel 1).",
                unprocessable: true);
        }
    }
}
