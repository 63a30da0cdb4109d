using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>
/// The real obkhub program (or a repository script) as a child process, for what only a process shows: exit codes,
/// console output, the working directory. No <c>OBKHUB*</c> configuration is inherited from the test runner.
/// </summary>
internal static class ObkhubProcess
{
    /// <summary>The obkhub.dll the test project was built with, run by dotnet.</summary>
    public static ExternalProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        StartProgram("dotnet", [Path.Combine(AppContext.BaseDirectory, "obkhub.dll"), .. args], environment, workingDirectory);

    public static ExternalProcess StartProgram(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        ExternalProcess.Start(program, args, environment, workingDirectory, clearPrefix: "OBKHUB");
}
