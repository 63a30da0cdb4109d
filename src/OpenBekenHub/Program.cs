return await OpenBekenHub.Cli.CliApp.RunAsync(args);

/// <summary>Entry point; the verbs live in <see cref="OpenBekenHub.Cli.CliApp"/>.</summary>
public partial class Program;
