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

// Two lanes side by side (as many collections at a time as the machine has cores: two here), so the suite fits its budget on
// 2 cores, then the timing-sensitive lab tests alone (xunit runs collections that disable parallelization last). The lanes are
// a lab lane and a lane without a lab, balanced by measured time (TestResults/*.trx); test classes in no collection (the
// drills) fill the gaps. Tried and dropped: three at a time (every test slower, the same wall time, a flake), and two lab
// lanes (labs beside labs slowed both, and the lane without a lab ran last: 2 minutes more).

[CollectionDefinition(Name)]
public sealed class LocalRuntimeCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Tests that run `dr` processes, PostgreSQL clusters and stores but no lab, one after another.</summary>
    public const string Name = "local runtime";
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
