using CausalEval.Dr.Adapters.Azurite;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>One real Azurite (from the project's node_modules) for the whole test run, on free loopback ports.</summary>
public sealed class AzuriteFixture : IDisposable
{
    private readonly ManagedAzurite azurite;

    public AzuriteFixture()
    {
        StateDirectory = RepoPaths.NewTempDirectory("azurite");
        azurite = new ManagedAzurite(StateDirectory);
        ConnectionString = azurite.EnsureRunningAsync().GetAwaiter().GetResult().ConnectionString;
    }

    public string StateDirectory { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        azurite.StopAsync().GetAwaiter().GetResult();
        Directory.Delete(StateDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class LocalRuntimeCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests that run `dr` processes share one Azurite and run one after another (2 cores).</summary>
    public const string Name = "local runtime";
}
