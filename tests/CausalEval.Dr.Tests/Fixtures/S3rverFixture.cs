using CausalEval.Dr.Lab.ObjectStorage;
using CausalEval.Dr.Adapters.Processes;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>A real s3rver (from the project's node_modules) on a free loopback port.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private readonly string directory = RepoPaths.NewTempDirectory("s3rver");
    private int pid;

    public string ServiceUrl { get; private set; } = "";

    /// <summary>Where s3rver keeps buckets, objects and (in <c>._S3rver_uploads</c>) multipart uploads in progress.</summary>
    public string DataDirectory => directory;

    public async Task InitializeAsync()
    {
        var port = Ports.FreePort("127.0.0.1");
        pid = await LabS3.StartAsync(directory, "127.0.0.1", port);
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await DetachedProcess.StopAsync(pid, TimeSpan.FromSeconds(5));
        Directory.Delete(directory, recursive: true);
    }
}
