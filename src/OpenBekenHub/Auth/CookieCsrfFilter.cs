using Microsoft.AspNetCore.Antiforgery;

namespace OpenBekenHub.Auth;

/// <summary>
/// API calls made with the login cookie (the pages' fetch calls) must carry the antiforgery token in X-CSRF-TOKEN;
/// scripts with a bearer token are not exposed to CSRF and need none.
/// </summary>
internal static class CookieCsrfFilter
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        var viaCookie = !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (unsafeMethod && viaCookie)
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return TypedResults.Problem("Missing or invalid antiforgery token (send X-CSRF-TOKEN).", statusCode: StatusCodes.Status400BadRequest);
            }
        }
        return await next(context);
    }
}
