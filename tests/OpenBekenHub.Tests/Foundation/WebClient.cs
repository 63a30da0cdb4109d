using System.Net;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>A browser-like HTTP client whose cookie jar the test can read, to save a login cookie and replay it later.</summary>
internal sealed class WebClient : IDisposable
{
    private readonly CookieContainer _jar = new();

    public WebClient(HubHost hub)
    {
        BaseUrl = hub.BaseUrl;
        Http = new HttpClient(new HttpClientHandler { CookieContainer = _jar, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri(hub.BaseUrl) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>The login cookie as a browser would send it ("obkhub.auth=…"), for a later replay.</summary>
    public string AuthCookie => _jar.GetCookies(new Uri(BaseUrl)).FirstOrDefault(c => c.Name == "obkhub.auth") is { } c
        ? $"{c.Name}={c.Value}"
        : throw new InvalidOperationException("no login cookie");

    public async Task LoginAsync(string password = HubHost.AdminPassword)
    {
        var response = await HubHost.LoginAsync(Http, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"login answered {(int)response.StatusCode}");
    }

    public async Task<HttpResponseMessage> PostFormAsync(string page, string handler, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await HubHost.AntiforgeryTokenAsync(Http, page);
        return await Http.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(fields));
    }

    public async Task<HttpResponseMessage> LogoutAsync()
    {
        var token = await HubHost.AntiforgeryTokenAsync(Http, "/");
        return await Http.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    /// <summary>GET with only the given cookie (no jar): what an attacker holding a copied cookie would send.</summary>
    public static async Task<HttpStatusCode> ReplayAsync(string baseUrl, string cookie, string path)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/login", StringComparison.Ordinal)
            ? HttpStatusCode.Unauthorized
            : response.StatusCode;
    }

    public void Dispose() => Http.Dispose();
}
