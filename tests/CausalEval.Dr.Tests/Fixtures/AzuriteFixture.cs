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

// Lanes, so the suite fits its budget on 2 cores: the first three run two at a time (one lab at a time: the
// lab's addresses are fixed), the last alone after them (xunit runs collections that disable parallelization
// last).

[CollectionDefinition(Name)]
public sealed class LocalRuntimeCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests that run `dr` processes, PostgreSQL clusters and stores but no lab, one after another.</summary>
    public const string Name = "local runtime";
}

[CollectionDefinition(Name)]
public sealed class DatabaseBackupCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Base backups of real clusters into every kind of store, killed and restored, one after another.</summary>
    public const string Name = "database backups";
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests that bring up the lab, one after another, beside the local-runtime lane.</summary>
    public const string Name = "lab";
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveLabCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>
    /// Lab tests whose verdict rests on timing (failure detection in a few probe rounds, blips that must not
    /// look like an outage, archive lag): alone on the machine, so another lane's CPU cannot make them lie.
    /// </summary>
    public const string Name = "timing-sensitive lab";
}
