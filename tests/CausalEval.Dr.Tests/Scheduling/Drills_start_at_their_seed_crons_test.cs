using System.Collections.Concurrent;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Local.Scheduling;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CausalEval.Dr.Tests.Scheduling;

/// <summary>
/// The three drills on a fake clock, from the registry's defaults (the seed's DR testing schedule): the local scheduler
/// starts the backup-restore test at 02:00 every other day, the failover test at 03:00 on the 1st, and the full
/// simulation at 04:00 on the 1st of every third month (January here); a Functions timer that fires (late) starts the
/// same occurrence under the same id, running the drill's orchestrator.
/// </summary>
public sealed class Drills_start_at_their_seed_crons_test : IDisposable
{
    private readonly string state = RepoPaths.NewTempDirectory("sched-drills");

    public void Dispose() => Directory.Delete(state, recursive: true);

    [Fact]
    public async Task The_scheduler_and_the_timers_start_each_drill_at_its_seed_cron()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection([]).Build();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero));
        var starter = new RecordingStarter();
        using var scheduler = new LocalScheduler(settings, starter, new StateDirectory(state), clock, NullLogger<LocalScheduler>.Instance);
        await scheduler.StartAsync(CancellationToken.None);
        for (var minutes = 0; minutes < 6 * 60; minutes += 15)
        {
            clock.Advance(TimeSpan.FromMinutes(15));
            await Task.Delay(20);
        }

        await WaitForAsync(() => starter.Drills.Count >= 3);
        await scheduler.StopAsync(CancellationToken.None);
        Assert.Equal(new Dictionary<string, string>
        {
            ["schedule-BackupRestoreTest-20270101T020000Z"] = "BackupRestoreTest",
            ["schedule-FailoverTest-20270101T030000Z"] = "FailoverTest",
            ["schedule-FullDrSimulation-20270101T040000Z"] = "FullDrSimulation",
        }, starter.Drills);

        // A Functions timer firing 3 s late stands for the same occurrence: same id, same orchestrator.
        var timer = new RecordingStarter();
        foreach (var (schedule, at) in new[] { ("BackupRestoreTest", 2), ("FailoverTest", 3), ("FullDrSimulation", 4) })
        {
            var started = await ScheduledOccurrence.StartLatestAsync(timer, schedule, new DateTime(2027, 1, 1, at, 0, 3, DateTimeKind.Utc), settings);
            Assert.True(started.Started);
        }

        Assert.Equal(starter.Drills, timer.Drills);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }
    }

    private sealed class RecordingStarter : IInstanceStarter
    {
        private readonly ConcurrentDictionary<string, string> started = new();

        public Dictionary<string, string> Drills => started.Where(s => RunbookRegistry.Find(s.Value)?.Category == RunbookCategory.Drill)
            .ToDictionary(s => s.Key, s => s.Value);

        public Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<InstanceInfo>>(started.Select(s => new InstanceInfo(s.Key, s.Value, "Running", DateTime.UtcNow)).ToList());

        public Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) => ListAsync("", cancellationToken);

        public Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default) =>
            Task.FromResult(started.TryAdd(instanceId, orchestrator));
    }
}
