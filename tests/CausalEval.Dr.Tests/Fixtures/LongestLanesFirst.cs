using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("CausalEval.Dr.Tests.Fixtures.LongestLanesFirst", "CausalEval.Dr.Tests")]

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// The order collections start in (two at a time, on two cores): the longest lanes first, so the short test classes fill in
/// beside them instead of holding a lane back until the end: the lab lane, the local-runtime lane, the drills, then the rest.
/// (Collections that disable parallelization run after all of these whatever the order.) Measured in TestResults/*.trx: with
/// the lab lane started last, the suite took two and a half minutes longer.
/// </summary>
public sealed class LongestLanesFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCollection collection) => collection.DisplayName switch
    {
        LabCollection.Name => 0,
        LocalRuntimeCollection.Name => 1,
        var name when name.Contains(".Drills.", StringComparison.Ordinal) || name.Contains(".FileStorage.", StringComparison.Ordinal) => 2,
        _ => 3,
    };
}
