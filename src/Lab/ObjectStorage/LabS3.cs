using CausalEval.Dr.Adapters.Azurite;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Lab.ObjectStorage;

/// <summary>s3rver, an S3-compatible server (credentials S3RVER/S3RVER), from the project's node_modules.</summary>
public static class LabS3
{
    public static async Task<int> StartAsync(string directory, string address, int port)
    {
        Directory.CreateDirectory(directory);
        var log = Path.Combine(directory, "s3rver.log");
        var pid = DetachedProcess.Start(ManagedAzurite.FindNodeBin("s3rver"), ["-d", directory, "-a", address, "-p", $"{port}", "--silent"], log);
        await DetachedProcess.WaitListeningAsync("s3rver", pid, address, port, log, TimeSpan.FromSeconds(20));
        return pid;
    }
}
