using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.Commands;

public enum ChannelAction
{
    On,
    Off,
    Toggle,
}

public enum CommandStatus
{
    /// <summary>Done and confirmed by the device (its own state publish or reply).</summary>
    Ok,

    /// <summary>Published; the firmware sends no confirmation for this command.</summary>
    Sent,

    /// <summary>Published, but the device did not confirm within the bound.</summary>
    Timeout,
    NotFound,
    BadRequest,

    /// <summary>The hub is not connected to the broker.</summary>
    Unavailable,

    /// <summary>The plug is offline (its LWT, or no answer after the hub reconnected): nothing was sent.</summary>
    Offline,

    /// <summary>The plug answered with an error (e.g. HTTP 401: its web password was refused).</summary>
    DeviceError,

    /// <summary>Sending failed (publish error, connection lost while sending).</summary>
    Failed,
}

/// <summary>
/// The envelope of every command: status, the device's reply text (if any), error, device state after. REST and the
/// pages use <see cref="HttpStatus"/> alike, so the same failure never gets two codes.
/// </summary>
public sealed record CommandResult(CommandStatus Status, string? Reply = null, string? Error = null, DeviceSnapshot? Device = null)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Sent;

    /// <summary>The one mapping to HTTP: 200 done/sent, 400, 404, 409 plug offline, 502 plug error or send failure, 503 no broker, 504 no confirmation.</summary>
    public int HttpStatus => Status switch
    {
        CommandStatus.Ok or CommandStatus.Sent => 200,
        CommandStatus.BadRequest => 400,
        CommandStatus.NotFound => 404,
        CommandStatus.Offline => 409,
        CommandStatus.DeviceError or CommandStatus.Failed => 502,
        CommandStatus.Unavailable => 503,
        CommandStatus.Timeout => 504,
        _ => 500,
    };
}
