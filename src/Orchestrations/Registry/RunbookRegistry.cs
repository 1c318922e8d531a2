using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Requests;
using CausalEval.Dr.Core.Schedules;
using CausalEval.Dr.Orchestrations.Backups;
using CausalEval.Dr.Orchestrations.Diagnostics;
using CausalEval.Dr.Orchestrations.Monitor;
using CausalEval.Dr.Orchestrations.Recovery;
using CausalEval.Dr.Orchestrations.RollingRestart;
using Microsoft.Extensions.Configuration;

namespace CausalEval.Dr.Orchestrations.Registry;

/// <summary>
/// THE list of runbooks, one row each. Adding a runbook: its folder and a row here (and a README line). Everything
/// else derives from these rows: the task list, the schedules, the start checks, one move at a time, the KPIs, the
/// monitor's failover, the CLI verbs and the catalogue.
/// </summary>
public static class RunbookRegistry
{
    public static IReadOnlyList<RunbookDefinition> All { get; } =
    [
        new(typeof(BackupDatabase), RunbookCategory.Backup, "full base backup of the primary (or standby), then backup and WAL retention")
        {
            Backs = BackupKind.Database,
            Schedule = new("DatabaseFullBackup", "0 0 2 * * *"),
            ScheduledInput = () => new BackupDatabaseInput(Trigger: "schedule"),
        },
        new(typeof(DatabaseIncrementalBackup), RunbookCategory.Backup,
            "the 15-minute database incremental: the files changed since the newest backup, read by the primary's agent; then retention")
        {
            Backs = BackupKind.Database,
            Schedule = new("DatabaseIncrementalBackup", "0 */15 * * * *"),
            ScheduledInput = () => new DatabaseIncrementalBackupInput(Trigger: "schedule"),
        },
        new(typeof(CheckWalArchive), RunbookCategory.Backup, "the 15-minute incremental: switch WAL, prove the segment reached the archive")
        {
            Backs = BackupKind.Wal,
            ProvesRpoOf = DataClass.Database,
            Schedule = new("WalArchiveCheck", "0 */15 * * * *"),
            ScheduledInput = () => new CheckWalArchiveInput(Trigger: "schedule"),
        },
        new(typeof(BackupConfiguration), RunbookCategory.Backup, "configuration files as one checksummed archive, then retention")
        {
            Backs = BackupKind.Configuration,
            Schedule = new("ConfigurationBackup", "0 0 */6 * * *"),
            ScheduledInput = () => new SnapshotBackupInput(Trigger: "schedule"),
        },
        new(typeof(BackupApplicationState), RunbookCategory.Backup, "sessions, evaluation queue and model cache, then retention")
        {
            Backs = BackupKind.ApplicationState,
            Schedule = new("ApplicationStateBackup", "0 */30 * * * *"),
            ScheduledInput = () => new SnapshotBackupInput(Trigger: "schedule"),
        },
        new(typeof(BackupMetrics), RunbookCategory.Backup, "metrics files by pattern, then retention")
        {
            Backs = BackupKind.Metrics,
            Schedule = new("MetricsBackup", "0 0 1 * * *"),
            ScheduledInput = () => new SnapshotBackupInput(Trigger: "schedule"),
        },
        new(typeof(BackupLogs), RunbookCategory.Backup, "log files by pattern, then retention")
        {
            Backs = BackupKind.Logs,
            Schedule = new("LogsBackup", "0 0 0 * * 0"),
            ScheduledInput = () => new SnapshotBackupInput(Trigger: "schedule"),
        },
        new(typeof(FileStorage.FileStorageBackup), RunbookCategory.Backup,
            "the framework's file storage: new and changed objects only, each content once, a point per run; then retention")
        {
            Backs = BackupKind.FileStorage,
            Schedule = new("FileStorageBackup", "0 */15 * * * *"),
            ScheduledInput = () => new FileStorage.FileStorageBackupInput(Trigger: "schedule"),
        },
        new(typeof(FileStorage.RestoreFiles), RunbookCategory.Recovery, "the framework's files as of a file-storage point, into a region's file store")
        {
            Gate = ApprovalGate.PreApproval,
            Gated = InputCondition.When<FileStorage.RestoreFilesInput>("with replace", i => i.Replace),
            Verbs = ["restore-files"],
        },
        new(typeof(RestoreApplicationState), RunbookCategory.Recovery, "make sessions, queue and model cache equal to one backup"),
        new(typeof(RestoreBackupToNode), RunbookCategory.Recovery, "a database backup into a new data directory on a node's host, as an agent job"),
        new(typeof(Recovery.RecoverDatabase), RunbookCategory.Recovery,
            "point-in-time recovery (or a full restore) beside the running cluster: plan, restore, replay WAL, verify, ANALYZE")
        {
            Moves = ReplacingServingData,
            Gate = ApprovalGate.PreApproval,
            Gated = ReplacingServingData,
            Verbs = ["pitr", "restore"],
        },
        new(typeof(Recovery.RecoverRegion), RunbookCategory.Recovery,
            "the full system recovery in another region (the cold dr one): provision, recover the database from the store, serve, restore app state, DNS, " +
            "scale, verify")
        {
            Moves = InputCondition.Always,
            RtoTier = ServiceTier.FullSystem,
            Gate = ApprovalGate.PreApproval,
            Verbs = ["recover-region"],
        },
        new(typeof(RollingRestart.RollingRestart), RunbookCategory.Move,
            "restart a region's services a group at a time (at most half down), each group healthy before the next"),
        new(typeof(Failover.Failover), RunbookCategory.Move, "fail the service over to another region: fence, promote, switch DNS, scale, verify")
        {
            Start = StartPolicy.JoinRunning,
            ReservedId = Failover.FailoverInstance.Prefix,
            Moves = InputCondition.Always,
            RtoTier = ServiceTier.Critical,
            Gate = ApprovalGate.WithTimeout,
            Verbs = ["failover"],
        },
        new(typeof(Switchover.Switchover), RunbookCategory.Move,
            "planned move to another region with zero loss: stand down, demotion token, promote, DNS, the old primary re-joins")
        {
            Moves = InputCondition.Always,
            Gate = ApprovalGate.WithTimeout,
            Verbs = ["switchover"],
        },
        new(typeof(Reprotect.Reprotect), RunbookCategory.Move,
            "after a failover, the fenced old primary becomes a standby of the new one (pg_rewind, else a base backup)")
        {
            Moves = InputCondition.Always,
            Verbs = ["reprotect"],
        },
        new(typeof(Switchover.Failback), RunbookCategory.Move, "back to the original roles: reprotect home's old primary, then switch over to it")
        {
            Moves = InputCondition.Always,
            Gate = ApprovalGate.WithTimeout,
            Verbs = ["failback"],
        },
        new(typeof(Drills.FailoverTest), RunbookCategory.Drill,
            "the monthly failover test: lose the primary region, the monitor fails over by itself, measured by the prober; revive, fail back, report")
        {
            // A drill is a move: one at a time, and never beside a person's failover or switchover (the API refuses either while the other runs).
            Moves = InputCondition.Always,
            Schedule = new("FailoverTest", "0 0 3 1 * *"),
            ScheduledInput = () => new Drills.FailoverTestInput(Trigger: "schedule"),
        },
        new(typeof(Drills.BackupRestoreTest), RunbookCategory.Drill,
            "the backup-restore test: catalog and WAL chain checked, the newest backup restored to a random moment into a sandbox, its rows " +
            "against the truth, marked verified, the sandbox dropped")
        {
            Moves = InputCondition.Always,
            Schedule = new("BackupRestoreTest", "0 0 2 */2 * *"),
            ScheduledInput = () => new Drills.BackupRestoreTestInput(Trigger: "schedule"),
        },
        new(typeof(Drills.FullDrSimulation), RunbookCategory.Drill,
            "the quarterly full DR simulation: lose both live regions, recover in the cold DR region from the store, measured by the prober; rebuild " +
            "the original layout")
        {
            Moves = InputCondition.Always,
            Schedule = new("FullDrSimulation", "0 0 4 1 */3 *"),
            ScheduledInput = () => new Drills.FullDrSimulationInput(Trigger: "schedule"),
        },
        new(typeof(HealthMonitor), RunbookCategory.Monitor,
            "eternal: probe the serving primary from two vantage points; start the failover after N failed rounds")
        {
            Start = StartPolicy.FixedId,
            ReservedId = HealthMonitor.InstanceId,
            KeptWhen = $"{MonitorOptions.Section}:{nameof(MonitorOptions.Enabled)}",
            Starts = typeof(Failover.Failover),
        },
        new(typeof(Alerts.AlertEvaluator), RunbookCategory.Monitor,
            "eternal: the alert rules over run records, drills and the backup catalog; notifications grouped, delivered, retried, silenced")
        {
            Start = StartPolicy.FixedId,
            ReservedId = Alerts.AlertEvaluator.InstanceId,
            KeptWhen = $"{Alerts.AlertOptions.Section}:{nameof(Alerts.AlertOptions.Enabled)}",
        },
        new(typeof(Incidents.EmergencyResponse), RunbookCategory.Incident,
            "the emergency-response checklist: the seed's items by phase, with due times and owners, ticked by people or by the runbooks that do " +
            "them; an overdue item alerts until ticked"),
        new(typeof(StandbyCheck.CheckStandby), RunbookCategory.Monitor, "is a standby fit to take over: a standby, not fenced, streaming (reads only)"),
        new(typeof(DiagnosticStepChain), RunbookCategory.Diagnostic, "N no-op steps with undo (overhead, crash and compensation checks)"),
        new(typeof(DiagnosticApproval), RunbookCategory.Diagnostic, "an approval gate on its own"),
        new(typeof(DiagnosticCountdown), RunbookCategory.Diagnostic, "a ContinueAsNew loop with durable timers"),
        new(typeof(DiagnosticVersioned), RunbookCategory.Diagnostic, "two versions of one runbook") { Version = "2" },
    ];

    public static IEnumerable<RunbookDefinition> Scheduled => All.Where(r => r.Schedule is not null);

    /// <summary>A database recovery moves the service (and waits at its gate) only when it replaces the serving data.</summary>
    private static InputCondition ReplacingServingData => InputCondition.When<Recovery.RecoverDatabaseInput>("with replace", i => i.Replace);

    /// <summary>The monitors that run under a fixed id: the hosts' keepers keep them running while <c>Monitor:Enabled</c>.</summary>
    public static IEnumerable<RunbookDefinition> KeptRunning => All.Where(r => r.Category == RunbookCategory.Monitor && r.Start == StartPolicy.FixedId);

    /// <summary>The fixed-id monitors this configuration keeps running (each by its own setting).</summary>
    public static IEnumerable<RunbookDefinition> KeptRunningBy(IConfiguration configuration) =>
        KeptRunning.Where(r => r.KeptWhen is { } setting && configuration.GetValue<bool>(setting));

    /// <summary>The runbook behind `dr VERB`.</summary>
    public static RunbookDefinition ForVerb(string verb) =>
        All.FirstOrDefault(r => r.Verbs.Contains(verb, StringComparer.Ordinal)) ?? throw new KeyNotFoundException($"no runbook has the verb '{verb}'");

    /// <summary>The row of the runbook <paramref name="runbook"/> starts by itself (<see cref="RunbookDefinition.Starts"/>).</summary>
    public static RunbookDefinition StartedBy(RunbookDefinition runbook) =>
        runbook.Starts is { } started ? Find(started) ?? throw new InvalidOperationException($"{runbook.Name} starts {started.Name}, which has no row")
            : throw new InvalidOperationException($"{runbook.Name} starts no runbook");

    /// <summary>
    /// Id prefixes only a starter of the deployment uses, whatever the runbook: the schedulers' occurrences
    /// (<see cref="ScheduleTable.InstanceIdFor"/>) and the DR drills'. With the runbooks' own reserved ids, no caller
    /// can take an id a starter will need (a squatted <c>health-monitor</c> would keep the monitor from ever starting).
    /// </summary>
    public static IReadOnlyList<(string Prefix, string Owner)> ReservedPrefixes { get; } =
        [(ScheduleTable.InstancePrefix, "the schedulers' occurrences"), ("drtest-", "the DR drills")];

    /// <summary>
    /// Null when a caller may start <paramref name="runbook"/> under <paramref name="instanceId"/> (null: the
    /// starter picks one); else why not: an id that is not one (<see cref="DrIds"/>), one a starter reserves, or any
    /// id at all for a runbook whose starter picks it.
    /// </summary>
    public static string? InstanceIdProblem(RunbookDefinition runbook, string? instanceId)
    {
        if (instanceId is null)
        {
            return null;
        }

        if (DrIds.InstanceIdProblem(instanceId) is { } bad)
        {
            return bad;
        }

        if (runbook.Start == StartPolicy.JoinRunning)
        {
            return $"'{instanceId}': a {runbook.Name}'s id is chosen by its starter ({runbook.ReservedId}…, from the DR state, so racing starts " +
                "share one): leave instanceId out";
        }

        if (runbook.Start == StartPolicy.FixedId && instanceId != runbook.ReservedId)
        {
            return $"'{instanceId}': a {runbook.Name} runs only as '{runbook.ReservedId}'";
        }

        foreach (var other in All.Where(r => r != runbook && r.ReservedId is not null))
        {
            if (other.Start == StartPolicy.FixedId ? instanceId == other.ReservedId
                : instanceId.StartsWith(other.ReservedId!, StringComparison.OrdinalIgnoreCase))
            {
                return $"'{instanceId}' is reserved for {other.Name} ({other.ReservedId}{(other.Start == StartPolicy.FixedId ? "" : "…")})";
            }
        }

        return ReservedPrefixes.FirstOrDefault(r => instanceId.StartsWith(r.Prefix, StringComparison.OrdinalIgnoreCase)) is { Prefix: not null } reserved
            ? $"'{instanceId}' is reserved for {reserved.Owner} ({reserved.Prefix}…)"
            : null;
    }

    public static RunbookDefinition? Find(string name) => All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal));

    public static RunbookDefinition? Find(Type orchestrator) => All.FirstOrDefault(r => r.Orchestrator == orchestrator);

    /// <summary>The runbook that takes backups of <paramref name="kind"/> (`dr backup run KIND`).</summary>
    public static RunbookDefinition? TakingBackupsOf(BackupKind kind) => All.FirstOrDefault(r => r.Backs == kind);

    /// <summary>The switch of every schedule: false (a test's `dr serve`, a host that only serves requests) starts nothing by the clock.</summary>
    public const string SchedulesEnabledKey = "Schedules:Enabled";

    public static bool SchedulesEnabled(IConfiguration configuration) => configuration.GetValue(SchedulesEnabledKey, true);

    /// <summary>The schedules in force: each scheduled runbook's default, overridden by <c>Schedules:{Name}</c>.</summary>
    public static ScheduleTable LoadSchedules(IConfiguration configuration) =>
        ScheduleTable.WithOverrides(Scheduled.Select(r => r.Schedule!).ToList(),
            configuration.GetSection("Schedules").GetChildren().Where(c => c.Path != SchedulesEnabledKey).ToDictionary(c => c.Key, c => c.Value));

    public static RunbookDefinition ForSchedule(string scheduleName) =>
        Scheduled.FirstOrDefault(r => r.Schedule!.Name == scheduleName) ?? throw new KeyNotFoundException($"no runbook is scheduled as '{scheduleName}'");

    /// <summary>
    /// The version a new instance of <paramref name="runbook"/> starts on: <c>Runbooks:{Name}:StartVersion</c>
    /// when set (to keep starting the previous version while a new one is proven), else the current one.
    /// </summary>
    public static string StartVersion(RunbookDefinition runbook, IConfiguration? configuration)
    {
        var pinned = configuration?[$"Runbooks:{runbook.Name}:StartVersion"];
        if (string.IsNullOrWhiteSpace(pinned))
        {
            return runbook.Version;
        }

        if (!int.TryParse(pinned, out var n) || n < 1 || n > RunbookVersions.Number(runbook.Version))
        {
            throw new DrConfigurationException($"Runbooks:{runbook.Name}:StartVersion: '{pinned}' is not a version of {runbook.Name} (1..{runbook.Version})");
        }

        return pinned;
    }
}
