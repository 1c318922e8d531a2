using System.Globalization;
using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.ObjectStorage;

/// <summary>s3rver, an S3-compatible server (credentials S3RVER/S3RVER), from the project's node_modules.</summary>
public static partial class LabS3
{
    /// <param name="port">0: any free port, bound by s3rver itself and read from what it says (nothing can take it in between).</param>
    /// <returns>Its PID and the port it listens on.</returns>
    public static async Task<(int Pid, int Port)> StartAsync(string directory, string address, int port = 0)
    {
        Directory.CreateDirectory(directory);
        var log = Path.Combine(directory, "s3rver.log");
        var pid = DetachedProcess.Start(ManagedAzurite.FindNodeBin("s3rver"), ["-d", directory, "-a", address, "-p", $"{port}", "--silent"], log);
        try
        {
            var said = await DetachedProcess.WaitForLogAsync("s3rver", pid, log, Listening(), TimeSpan.FromSeconds(20));
            var bound = int.Parse(said.Groups[1].Value, CultureInfo.InvariantCulture);
            await DetachedProcess.WaitListeningAsync("s3rver", pid, address, bound, log, TimeSpan.FromSeconds(20));
            return (pid, bound);
        }
        catch
        {
            await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
            throw;
        }
    }

    /// <summary>"S3rver listening on 127.0.0.1:35097" (printed even with --silent).</summary>
    [GeneratedRegex(@"S3rver listening on [^\s]+:(\d+)")]
    private static partial Regex Listening();
}
