using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using OpenBekenHub.Auth;
using OpenBekenHub.Configs;
using OpenBekenHub.Health;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Store;
using Serilog;
using Serilog.Events;

namespace OpenBekenHub.Hosting;

/// <summary>Builds the web host: configuration, logging, store, broker, bridge, auth, pages and APIs.</summary>
public static class HubApp
{
    /// <summary>Environment variables with this prefix are configuration: OBKHUB__Mqtt__Host → Mqtt:Host.</summary>
    public const string EnvironmentPrefix = "OBKHUB__";

    /// <param name="overrides">Test seam: replaces services (e.g. a fake GPIO driver) after the hub registered its own.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // pages and static files live in obkhub.dll even when a test runner is the entry assembly
            ApplicationName = typeof(HubApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args);
        var initial = builder.Configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions();
        // settings saved from the pages sit above appsettings.json but below environment and command line
        var userSettings = new UserSettingsFile(Path.Combine(initial.FullDataDirectory, UserSettingsFile.FileName));
        builder.Configuration.AddJsonFile(userSettings.Path, optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args);
        builder.Services.AddSingleton(userSettings);

        var hubOptions = builder.Configuration.GetSection(HubOptions.SectionName).Get<HubOptions>() ?? new HubOptions();
        builder.Services.AddOptions<HubOptions>().BindConfiguration(HubOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        builder.Services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();

        builder.Services.AddSerilog((_, lc) => ConfigureLogging(lc, builder.Configuration, hubOptions));

        builder.Services.AddHubDataProtection(hubOptions);

        builder.Services.AddSingleton(new HubStore(hubOptions.DatabasePath));
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<SettingsStore>();
        builder.Services.AddSingleton<ApiTokenStore>();
        builder.Services.AddSingleton<ProfileStore>();
        builder.Services.AddHostedService<StoreInitializer>();

        builder.Services.AddSingleton<EmbeddedBrokerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBrokerService>());
        builder.Services.AddBrokerSecurity(hubOptions, builder.Configuration);
        builder.Services.AddHubFeatures(hubOptions.Demo);
        builder.Services.AddConfigBackups();

        builder.Services.AddHubAuth();
        builder.Services.AddRazorPages(o => o.Conventions.AllowAnonymousToPage("/Login"));
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddResponseCompression(); // text/event-stream is not in its list, so live streams stay unbuffered
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddSingleton(TimeProvider.System);

        overrides?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseHubForwardedHeaders(hubOptions.ForwardedHeaders);
        app.UseHubSecurityHeaders();
        app.UseSerilogRequestLogging(o => o.GetLevel = (ctx, _, ex) =>
            ex is not null || ctx.Response.StatusCode >= 500 ? LogEventLevel.Error
            : ctx.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose
            : LogEventLevel.Information);
        app.UseResponseCompression();
        app.UseStatusCodePages();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealth();
        app.MapOpenApi();
        app.MapRazorPages();
        app.MapHubFeatures();
        app.MapConfigBackups();
        return app;
    }

    private static void ConfigureLogging(LoggerConfiguration lc, IConfiguration configuration, HubOptions hub)
    {
        var level = Enum.TryParse<LogEventLevel>(hub.LogLevel, ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        lc.MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            // "No XML encryptor configured" is the documented default on Linux (owner-only key files); StoreInitializer says it once, plainly
            .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogEventLevel.Error)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(
                new Serilog.Formatting.Compact.CompactJsonFormatter(),
                Path.Combine(hub.LogsDirectory, "obkhub-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14,
                fileSizeLimitBytes: 20 * 1024 * 1024,
                rollOnFileSizeLimit: true);
    }
}

/// <summary>
/// Migrates the store before anything else uses it; creates the first admin only once the whole start succeeded
/// (web server and broker listening), so a failed start leaves no account whose password nobody saw.
/// </summary>
internal sealed class StoreInitializer(HubStore store, AdminBootstrap admin, Jobs.JobStore jobs, IOptions<HubOptions> options, ILogger<StoreInitializer> logger) : IHostedLifecycleService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DataDirectory.EnsureOwnerOnly(options.Value.FullDataDirectory);
        foreach (var dir in new[] { options.Value.BackupsDirectory, options.Value.FirmwareDirectory, options.Value.LogsDirectory })
        {
            Directory.CreateDirectory(dir);
        }
        var from = await store.MigrateAsync(cancellationToken);
        if (from != Store.Migrations.LatestVersion)
        {
            logger.LogInformation("Store {Path} migrated from schema {From} to {To}", store.DatabasePath, from, Store.Migrations.LatestVersion);
        }
        if (string.IsNullOrEmpty(options.Value.DataProtection.CertificatePath) && !OperatingSystem.IsWindows())
        {
            logger.LogInformation("Data-protection keys in {Directory} are protected by file permissions only (0600 in a 0700 directory); set Hub:DataProtection:CertificatePath to encrypt them", options.Value.KeysDirectory);
        }
        var interrupted = await jobs.MarkInterruptedAsync(cancellationToken);
        if (interrupted > 0)
        {
            logger.LogWarning("{Count} flash job(s) were interrupted by the last stop; they can be resumed from the Flash page", interrupted);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => admin.EnsureAdminAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
