using OpenBekenHub.Cli;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Foundation;

[Collection(Cli.CliCollection.Name)]
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("--Mqtt:Port=70000", "Mqtt:Port must be 1-65535")]
    [InlineData("--Mqtt:Embedded:Port=-1", "Mqtt:Embedded:Port must be 0-65535")]
    [InlineData("--Hub:LogLevel=Chatty", "Hub:LogLevel must be one of")]
    [InlineData("--Mqtt:Password=secret", "Mqtt:Password is set but Mqtt:Username is empty")]
    public async Task Bad_setting_stops_start_up_with_one_line_naming_the_key(string setting, string expected)
    {
        using var data = new TempDir();
        var (code, stderr) = await ServeCapturingStderrAsync($"--Hub:DataDirectory={data.Path}", "--urls=http://127.0.0.1:0", "--Mqtt:Embedded:Port=0", setting);
        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Data_directory_that_cannot_be_written_stops_start_up()
    {
        using var data = new TempDir();
        var file = data.File("not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var (code, stderr) = await ServeCapturingStderrAsync($"--Hub:DataDirectory={file}", "--urls=http://127.0.0.1:0", "--Mqtt:Embedded:Port=0");
        Assert.Equal(ExitCodes.Configuration, code);
        Assert.Contains("Hub:DataDirectory (--data)", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stderr)> ServeCapturingStderrAsync(params string[] args)
    {
        var original = Console.Error;
        using var capture = new StringWriter();
        Console.SetError(capture);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var code = await CliApp.ServeAsync(args, cts.Token);
            return (code, capture.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
