using System.Collections.Concurrent;
using CausalEval.Dr.Adapters.Failover;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Failover;
using CausalEval.Dr.Orchestrations.Failover;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Orchestrations.Failover;

/// <summary>
/// The one way a failover starts (monitor and people alike), against a task hub that, like the real one,
/// keeps the first start of an id: concurrent starters end up with one instance; a running one is joined;
/// an attempt that ended leaves room for the next; a changed DR state epoch starts a new series.
/// </summary>
public sealed class Failover_start_is_a_singleton_test
{
    private sealed class TaskHub : IInstanceStarter
    {
        public ConcurrentDictionary<string, InstanceInfo> Instances { get; } = new();

        // Every call takes a moment, as a task hub's round trip does, so racing starters interleave between
        // their looks and their starts (the race that once started eight failovers out of twenty).
        public async Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Random.Shared.Next(0, 3), cancellationToken);
            return Instances.Values.Where(i => i.Id.StartsWith(idPrefix, StringComparison.Ordinal)).ToList();
        }

        public async Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) =>
            (await ListAsync("", cancellationToken)).Where(i => i.IsActive).ToList();

        public Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input,
            CancellationToken cancellationToken = default)
        {
            await Task.Delay(Random.Shared.Next(0, 3), cancellationToken);
            return Instances.TryAdd(instanceId, new InstanceInfo(instanceId, orchestrator, "Pending", DateTime.UtcNow));
        }
    }

    private static ServingPrimaryStore Store() => new(new LocalDirectoryObjectStore(RepoPaths.NewTempDirectory("serving")));

    [Fact]
    public async Task Twenty_concurrent_starts_make_one_failover_and_nineteen_joins()
    {
        var hub = new TaskHub();
        var store = Store();
        var starts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => FailoverInstance.StartAsync(hub, store, "Failover", "1", new { }))));

        Assert.Single(hub.Instances);
        Assert.Equal("failover-epoch-1-1", Assert.Single(starts.Select(s => s.InstanceId).Distinct()));
        Assert.Single(starts, s => !s.Joined);
    }

    [Fact]
    public async Task An_ended_attempt_leaves_room_for_the_next_and_a_new_epoch_starts_a_new_series()
    {
        var hub = new TaskHub();
        var store = Store();
        var first = await FailoverInstance.StartAsync(hub, store, "Failover", "1", new { });
        hub.Instances[first.InstanceId] = hub.Instances[first.InstanceId] with { Status = "Failed" }; // rejected, say

        var second = await FailoverInstance.StartAsync(hub, store, "Failover", "1", new { });
        Assert.Equal(("failover-epoch-1-2", false), (second.InstanceId, second.Joined));

        hub.Instances[second.InstanceId] = hub.Instances[second.InstanceId] with { Status = "Completed" };
        await store.WriteAsync(new ServingPrimary(1, "secondary", "secondary-db", 2, "0/5000000", DateTimeOffset.UtcNow, second.InstanceId));
        var failback = await FailoverInstance.StartAsync(hub, store, "Failover", "1", new { });
        Assert.Equal(("failover-epoch-2-1", false), (failback.InstanceId, failback.Joined));
        Assert.True((await FailoverInstance.StartAsync(hub, store, "Failover", "1", new { })).Joined);
    }

    [Fact]
    public async Task A_running_instance_of_another_runbook_under_the_failover_prefix_is_never_joined()
    {
        // Squatted before ids were reserved: a diagnostic gate started as failover-epoch-1-1 and as failover-x.
        var hub = new TaskHub();
        hub.Instances["failover-epoch-1-1"] = new InstanceInfo("failover-epoch-1-1", "DiagnosticApproval", "Running", DateTime.UtcNow.AddMinutes(-5));
        hub.Instances["failover-x"] = new InstanceInfo("failover-x", "DiagnosticApproval", "Running", DateTime.UtcNow.AddMinutes(-4));

        var started = await FailoverInstance.StartAsync(hub, Store(), "Failover", "1", new { });

        Assert.Equal(("failover-epoch-1-2", false), (started.InstanceId, started.Joined));
        Assert.Equal("Failover", hub.Instances[started.InstanceId].Name);
    }
}
