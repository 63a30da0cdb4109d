using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Library;

namespace OpenBekenHub.Api;

/// <summary>The firmware library for scripts: upload (validated like the page) and list.</summary>
internal static class FirmwareApi
{
    public sealed record Added(string Id, string Kind, string? Chip, string? Version);

    public sealed record Refused(string Error, string? Existing = null);

    public sealed record Item(string Id, string FileName, string Kind, string? Chip, string? Version, string? Variant, long Size, string Sha256, DateTimeOffset Uploaded);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/firmware").WithTags("Firmware");
        group.MapPost("/", UploadAsync)
            .DisableAntiforgery() // cookie callers are checked by CookieCsrfFilter; bearer scripts need no token
            .WithMetadata(new RequestSizeLimitAttribute(FirmwareLibrary.MaxUploadBytes + (64 * 1024)))
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<Added>(StatusCodes.Status201Created)
            .Produces<Refused>(StatusCodes.Status422UnprocessableEntity)
            .WithName("UploadFirmware").WithSummary("Add a firmware file (multipart field 'file'): .rbl OTA packages are fully validated");
        group.MapGet("/", async (FirmwareLibrary library, CancellationToken ct) =>
                TypedResults.Ok((await library.ListAsync(ct)).Select(e => new Item(e.Id, e.FileName, e.Kind, e.Chip, e.Version, e.Variant, e.Size, e.Sha256, e.Uploaded))))
            .WithName("ListFirmware").WithSummary("The firmware library, newest first");
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, FirmwareLibrary library, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return TypedResults.UnprocessableEntity(new Refused("Send multipart/form-data with the file in the field 'file'."));
        }
        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return TypedResults.UnprocessableEntity(new Refused("No file in the field 'file' (or it is empty)."));
        }
        if (file.Length > FirmwareLibrary.MaxUploadBytes)
        {
            return TypedResults.UnprocessableEntity(new Refused($"'{file.FileName}' is {file.Length:N0} bytes, larger than any BK7231 firmware."));
        }
        using var ms = new MemoryStream();
        await file.CopyToAsync(ms, ct);
        var result = await library.AddAsync(file.FileName, ms.ToArray(), ct);
        return result.Entry is { } e
            ? TypedResults.Created($"/firmware#fw-{e.Id}", new Added(e.Id, e.Kind, e.Chip, e.Version))
            : TypedResults.UnprocessableEntity(new Refused(result.Error ?? "refused", result.ExistingId is null ? null : $"/firmware#fw-{result.ExistingId}"));
    }
}
