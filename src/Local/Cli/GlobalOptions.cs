using System.CommandLine;
using CausalEval.Dr.Local.Hosting;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Local.Cli;

/// <summary>The options every `dr` command takes, and what they resolve to.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> StateDir = new("--state-dir") { Description = "Local state directory (default: $DR_STATE_DIR or ./.dr)",
        Recursive = true };

    public static readonly Option<string?> Settings = new("--settings") { Description = "Extra settings file (JSON) over the embedded defaults",
        Recursive = true };

    public static StateDirectory State(ParseResult parse) => new(parse.GetValue(StateDir));

    public static IConfigurationRoot Configuration(ParseResult parse) => LocalConfiguration.Build(parse.GetValue(Settings), State(parse));

    /// <summary>A `dr serve` of this state directory, or a host embedded for the command's duration.</summary>
    public static Task<HostConnection> HostAsync(ParseResult parse, bool needsWorker, CancellationToken ct) =>
        HostConnection.OpenAsync(State(parse), parse.GetValue(Settings), needsWorker, ct);
}
