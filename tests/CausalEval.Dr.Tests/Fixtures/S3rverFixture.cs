using CausalEval.Dr.Lab.ObjectStorage;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>A real s3rver (from the project's node_modules) on a loopback port it binds itself.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private readonly string directory = RepoPaths.NewTempDirectory("s3rver");
    private int pid;

    public string ServiceUrl { get; private set; } = "";

    /// <summary>Where s3rver keeps buckets, objects and (in <c>._S3rver_uploads</c>) multipart uploads in progress.</summary>
    public string DataDirectory => directory;

    public async Task InitializeAsync()
    {
        (pid, var port) = await LabS3.StartAsync(directory, "127.0.0.1"); // port 0: s3rver binds and says
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
        Directory.Delete(directory, recursive: true);
    }
}
