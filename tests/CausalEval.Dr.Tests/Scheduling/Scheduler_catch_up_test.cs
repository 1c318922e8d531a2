using System.Collections.Concurrent;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Local.Scheduling;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Tests.Fixtures;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CausalEval.Dr.Tests.Scheduling;

/// <summary>
/// The scheduler on a fake clock: a `dr serve` that was down over several occurrences starts exactly one
/// catch-up instance (the latest missed occurrence), a second scheduler on the same ledger starts none, and
/// the next occurrence fires on time. The Functions timers start with the occurrence's id in one call
/// that the backend refuses when the id exists (no get-then-start race).
/// </summary>
public sealed class Scheduler_catch_up_test : IDisposable
{
    private static readonly DateTime LastFired = new(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc);
    private readonly string state = RepoPaths.NewTempDirectory("sched-clock");

    public void Dispose() => Directory.Delete(state, recursive: true);

    private static IConfiguration Settings() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Schedules:ConfigurationBackup"] = "0 0 * * * *", // hourly
    }).Build();

    [Fact]
    public async Task A_scheduler_down_over_missed_occurrences_starts_one_catch_up_then_runs_on_time()
    {
        new ScheduleLedger(state).Record("ConfigurationBackup", LastFired);
        var clock = new FakeTimeProvider(new DateTimeOffset(LastFired.AddHours(3).AddMinutes(20))); // 03:00, 04:00 and 05:00 were missed
        var starter = new InMemoryStarter();

        using (var scheduler = Scheduler(starter, clock))
        {
            await scheduler.StartAsync(CancellationToken.None);
            await starter.WaitForAsync(1);
            Assert.Equal(["schedule-ConfigurationBackup-20261201T050000Z"], starter.Of("ConfigurationBackup"));
            await scheduler.StopAsync(CancellationToken.None);
        }

        using (var second = Scheduler(starter, clock))
        {
            await second.StartAsync(CancellationToken.None);
            await Task.Delay(300);
            Assert.Single(starter.Of("ConfigurationBackup")); // the ledger says 05:00 was started: nothing more to catch up

            clock.Advance(TimeSpan.FromMinutes(40)); // 06:00
            await starter.WaitForAsync(2);
            Assert.Equal(["schedule-ConfigurationBackup-20261201T050000Z", "schedule-ConfigurationBackup-20261201T060000Z"], starter.Of("ConfigurationBackup"));
            await second.StopAsync(CancellationToken.None);
        }

        Assert.Equal(2, starter.AttemptsOf("ConfigurationBackup")); // never even tried twice
    }

    [Fact]
    public async Task A_timer_starts_its_occurrence_in_one_call_that_refuses_an_existing_id()
    {
        var options = new List<StartOrchestrationOptions?>();
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test"); // strict: a GetInstanceAsync before the start fails the test
        client.SetupSequence(c
            => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), Capture.In(options), It.IsAny<CancellationToken>()))
            .ReturnsAsync("first")
            .ThrowsAsync(new OrchestrationAlreadyExistsException("exists"));
        var starter = new DurableClientInstanceStarter(client.Object);

        var first = await ScheduledOccurrence.StartLatestAsync(starter, "ConfigurationBackup", LastFired.AddMinutes(3), Settings());
        var second = await ScheduledOccurrence.StartLatestAsync(starter, "ConfigurationBackup", LastFired.AddMinutes(4), Settings());

        Assert.Equal((true, false), (first.Started, second.Started));
        Assert.All(options, o => Assert.Equal("schedule-ConfigurationBackup-20261201T020000Z", o!.InstanceId));
        Assert.All(options, o
            => Assert.Equal(Enum.GetValues<OrchestrationRuntimeStatus>().Order(), o!.DedupeStatuses!.Select(Enum.Parse<OrchestrationRuntimeStatus>).Order()));
    }

    private LocalScheduler Scheduler(IInstanceStarter starter, TimeProvider clock) =>
        new(Settings(), starter, new StateDirectory(state), clock, NullLogger<LocalScheduler>.Instance);

    private sealed class InMemoryStarter : IInstanceStarter
    {
        private readonly ConcurrentQueue<string> attempts = new();

        public ConcurrentDictionary<string, string> Started { get; } = new();

        /// <summary>The other seed schedules run too (the registry has their defaults): look at one.</summary>
        public List<string> Of(string schedule) => Started.Keys.Where(k => k.StartsWith($"schedule-{schedule}-", StringComparison.Ordinal)).Order().ToList();

        public int AttemptsOf(string schedule) => attempts.Count(k => k.StartsWith($"schedule-{schedule}-", StringComparison.Ordinal));

        public Task<IReadOnlyList<InstanceInfo>> ListAsync(string idPrefix, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<InstanceInfo>>(Started.Select(s => new InstanceInfo(s.Key, s.Value, "Running", DateTime.UtcNow)).ToList());

        public Task<IReadOnlyList<InstanceInfo>> ListActiveAsync(CancellationToken cancellationToken = default) => ListAsync("", cancellationToken);

        public Task RaiseEventAsync(string instanceId, string eventName, object? data, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> TryStartAsync(string orchestrator, string version, string instanceId, object? input, CancellationToken cancellationToken = default)
        {
            attempts.Enqueue(instanceId);
            return Task.FromResult(Started.TryAdd(instanceId, orchestrator));
        }

        public async Task WaitForAsync(int count, string schedule = "ConfigurationBackup")
        {
            for (var i = 0; i < 100 && Of(schedule).Count < count; i++)
            {
                await Task.Delay(50);
            }

            Assert.True(Of(schedule).Count >= count, $"expected {count} started, got: {string.Join(", ", Started.Keys)}");
        }
    }
}
