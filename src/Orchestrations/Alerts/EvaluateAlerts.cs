using CausalEval.Dr.Adapters.Alerting;
using CausalEval.Dr.Adapters.Runs;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Orchestrations.Drills;
using CausalEval.Dr.Orchestrations.Instances;
using CausalEval.Dr.Orchestrations.Registry;
using CausalEval.Dr.Orchestrations.Reports;
using CausalEval.Dr.Orchestrations.Steps;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CausalEval.Dr.Orchestrations.Alerts;

/// <param name="Firing">Alerts firing now (silenced ones included).</param>
/// <param name="NextAttemptAt">The earliest notification waiting for a retry, if any: the evaluator comes back no later than that.</param>
/// <param name="EverySeconds">The configured time between rounds (Alerts:EvaluateEverySeconds).</param>
public sealed record AlertRound(int Firing, int Silenced, int Queued, int Delivered, int Waiting, DateTimeOffset? NextAttemptAt, double EverySeconds);

/// <summary>
/// One round of the alert evaluator: the rules over the run records, drill reports and backup catalog; the book merged and
/// the round's notifications queued and saved (before any is sent: a crash repeats a delivery under the same id, never
/// loses one); then what is due delivered, and saved again. Only references and counts leave the activity: receivers'
/// secrets are read from configuration here.
/// </summary>
public sealed class EvaluateAlerts(RunRecordStore runs, BackupCatalog catalog, IConfiguration configuration, IOptions<AlertOptions> options,
    IInstanceStarter hub, ILogger<EvaluateAlerts> logger, TimeProvider clock) : DrActivity<EvaluateAlerts, object?, AlertRound>
{
    /// <summary>One client for every receiver; a receiver that does not answer within 10 s is tried again later.</summary>
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public override async Task<AlertRound> RunAsync(TaskActivityContext context, object? input)
    {
        var rules = options.Value.Rules;
        var receivers = options.Value.Receivers;
        var store = new AlertStore(runs.Store);
        var now = clock.GetUtcNow();
        var active = await hub.ListActiveAsync();
        var facts = await FactsAsync(rules, active, now);
        var state = await store.ReadAsync();
        await store.PruneSilencesAsync(state.Silences, now);
        state.Silences.RemoveAll(s => now - s.EndsAt > AlertBook.KeepResolved);
        var holding = AlertRules.Evaluate(facts, rules).Concat(AlertOutbox.DeliveryFailures(state)).ToList();
        var drill = active.FirstOrDefault(i => RunbookRegistry.Find(i.Name)?.Category == RunbookCategory.Drill)?.Id;
        var notifications = AlertBook.Step(state, holding, receivers, now, drill);
        AlertOutbox.Enqueue(state, notifications);
        await store.WriteAsync(state);

        var sender = new AlertSenders(Http, logger, options.Value.ExternalUrl);
        var delivered = await AlertOutbox.DeliverAsync(state, receivers, sender, clock.GetUtcNow, CancellationToken.None);
        await store.WriteAsync(state);
        var firing = state.Alerts.Values.Where(a => a.EndsAt is null).ToList();
        return new AlertRound(firing.Count, firing.Count(a => AlertBook.SilencedBy(state, a.Labels, now) is not null), notifications.Count, delivered,
            state.Outbox.Count, state.Outbox.Count == 0 ? null : state.Outbox.Min(p => p.NextAttemptAt), options.Value.EvaluateEverySeconds);
    }

    private async Task<AlertFacts> FactsAsync(IReadOnlyDictionary<string, AlertRuleOptions> rules, IReadOnlyList<InstanceInfo> active, DateTimeOffset now)
    {
        // Run records as far back as the longest window asks (the dr_test_failure quarter), as far as they are kept.
        var hours = Math.Min(AlertRules.Names.Max(n => rules.GetValueOrDefault(n)?.WindowHours ?? 24 * 92), RunRecordStore.DefaultKeep.TotalHours);
        var records = await runs.ListAsync(now.AddHours(-hours), now, null);
        var drills = await new DrillReports(runs.Store).ListAsync();
        var schedules = RunbookRegistry.LoadSchedules(configuration);
        var readiness = DrillReadiness.Of(drills, schedules, now);
        // The daily full backup's schedule: incrementals every 15 minutes must not hide a full that stopped.
        var newest = (await catalog.ListCompleteAsync(BackupKind.Database)).Where(m => m.Database is not { Incremental: true }).MaxBy(m => m.TakenAtUtc);
        var backups = RunbookRegistry.TakingBackupsOf(BackupKind.Database)!.Schedule!.Name;
        var period = schedules[backups].PeriodAtUtc(now.UtcDateTime) ?? TimeSpan.FromDays(1);
        // Open incidents are running EmergencyResponse instances (the instance id is the incident's): only their records are read.
        var incidentStore = new Incidents.IncidentStore(runs.Store);
        var incidents = new List<Incidents.IncidentRecord>();
        foreach (var instance in active.Where(i => i.Name == nameof(Incidents.EmergencyResponse)))
        {
            if (await incidentStore.FindAsync(instance.Id) is { Open: true } incident)
            {
                incidents.Add(incident);
            }
        }

        return new AlertFacts(now, records, drills, readiness, newest?.BackupId, newest?.TakenAtUtc, period, incidents);
    }
}
