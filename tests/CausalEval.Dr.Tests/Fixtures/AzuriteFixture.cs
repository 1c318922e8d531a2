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

// Lanes side by side, as many at a time as the machine has cores (xunit's default: two here), so the suite fits its budget on
// 2 cores; then the timing-sensitive lab tests alone (xunit runs collections that disable parallelization last). Labs take any
// free port, so two lanes' labs run at once. The lanes are balanced by measured time (TestResults/*.trx); test classes in no
// collection (the drills) fill the gaps. Three at a time was tried: every test ran slower (the machine is CPU-bound while
// labs start), the wall time stayed the same, and timing margins shrank.

[CollectionDefinition(Name)]
public sealed class LocalRuntimeCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests that run `dr` processes, PostgreSQL clusters and stores but no lab, one after another.</summary>
    public const string Name = "local runtime";
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Lab tests of backups, restores and the lab itself, one after another.</summary>
    public const string Name = "lab";
}

[CollectionDefinition(Name)]
public sealed class MovesLabCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Lab tests that move the service (switchover, reprotect, failover on other providers, rolling restart) and of the agents, one after
    /// another.</summary>
    public const string Name = "lab: moves";
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
