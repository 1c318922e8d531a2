using System.Text.Json.Serialization;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Objectives;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Registry;

/// <summary>What a runbook is for; reports count its runs by it (a drill is never a recovery, a diagnostic never a backup).</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<RunbookCategory>))]
public enum RunbookCategory
{
    /// <summary>Takes a backup (the backup success rate).</summary>
    Backup,

    /// <summary>Restores or recovers data or a region (the recovery success rate).</summary>
    Recovery,

    /// <summary>Acts on where or how the service runs: failover, switchover, failback, reprotect, restarts.</summary>
    Move,

    /// <summary>Injects a failure on purpose and measures the recovery (the DR test success rate).</summary>
    Drill,

    /// <summary>Watches the service and starts what it must (the health monitor).</summary>
    Monitor,

    /// <summary>Exercises the runtime itself: overhead, crashes, compensation.</summary>
    Diagnostic,

    /// <summary>Tracks people's response to an incident (the emergency-response checklist).</summary>
    Incident,
}

/// <summary>Which approval gate a runbook has, and so which options its CLI verb offers.</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<ApprovalGate>))]
public enum ApprovalGate
{
    /// <summary>No gate.</summary>
    None,

    /// <summary>A gate that can be pre-approved (`--approve --by NAME`); it waits as the runbook decides.</summary>
    PreApproval,

    /// <summary>A gate that can be pre-approved, and whose wait the starter sets (`--approval-timeout S`).</summary>
    WithTimeout,
}

/// <summary>A yes/no that may depend on the start's input (a database recovery moves the service only when it replaces the serving data).</summary>
public sealed class InputCondition
{
    private readonly Func<object?, bool> test;

    private InputCondition(string text, Func<object?, bool> test) => (Text, this.test) = (text, test);

    public static InputCondition Never { get; } = new("no", _ => false);

    public static InputCondition Always { get; } = new("yes", _ => true);

    /// <param name="text">What the condition says, for the catalogue ("with replace").</param>
    public static InputCondition When<TInput>(string text, Func<TInput, bool> test) => new(text, input => input is TInput typed && test(typed));

    /// <summary>"yes", "no", or the condition in words.</summary>
    public string Text { get; }

    public bool For(object? input) => test(input);

    public override string ToString() => Text;
}

/// <summary>How a runbook's instances get their ids, and so who may start one.</summary>
public enum StartPolicy
{
    /// <summary>Any id the caller gives (outside the reserved ones), else a new one.</summary>
    Plain,

    /// <summary>At most one runs: a start joins the running one, else takes the next id under <see cref="RunbookDefinition.ReservedId"/> (the
    /// failover).</summary>
    JoinRunning,

    /// <summary>One instance under one id, <see cref="RunbookDefinition.ReservedId"/> (the health monitor).</summary>
    FixedId,
}

/// <summary>
/// One runbook, declared once: its orchestrator, what it is for, when it runs by itself and with what input, how it
/// starts, whether it moves the service, the objective it is judged by, its gate, its CLI verb and its version.
/// Everything that treats runbooks differently reads these rows, never a runbook's type or name
/// (<see cref="RunbookRegistry"/>).
/// </summary>
/// <param name="Summary">One line for `dr runbooks` and the README's table.</param>
public sealed record RunbookDefinition(Type Orchestrator, RunbookCategory Category, string Summary)
{
    /// <summary>Task names are the class names (no [DurableTask] renames), as the Functions wrappers assume.</summary>
    public string Name => Orchestrator.Name;

    /// <summary>The backup kind this runbook takes (backup success rate, `dr backup run KIND`).</summary>
    public BackupKind? Backs { get; init; }

    /// <summary>The default schedule (seed: "Backup Automation"); <c>Schedules:{Name}</c> overrides its cron.</summary>
    public RunbookSchedule? Schedule { get; init; }

    /// <summary>The input a scheduled run starts with.</summary>
    public Func<object>? ScheduledInput { get; init; }

    public StartPolicy Start { get; init; } = StartPolicy.Plain;

    /// <summary>
    /// Whether a run changes which node serves, or rebuilds or replaces one: at most one such run at a time
    /// (<see cref="Instances.ServiceMoves"/>).
    /// </summary>
    public InputCondition Moves { get; init; } = InputCondition.Never;

    /// <summary>The service tier whose RTO a run's measured <c>rtoSeconds</c> is judged by (the RTO compliance KPI).</summary>
    public ServiceTier? RtoTier { get; init; }

    /// <summary>The data class whose RPO a run proves or misses (the RPO compliance KPI): the WAL archive check's.</summary>
    public DataClass? ProvesRpoOf { get; init; }

    public ApprovalGate Gate { get; init; } = ApprovalGate.None;

    /// <summary>When a runbook with a gate stops at it (a database recovery only when it replaces the serving data).</summary>
    public InputCondition Gated { get; init; } = InputCondition.Always;

    /// <summary>Its own `dr` verbs (`dr failover`; `dr pitr` and `dr restore` both recover a database); every runbook also starts with `dr run NAME`.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = [];

    /// <summary>A fixed-id monitor: the boolean setting under which the hosts keep it running (Monitor:Enabled, Alerts:Enabled).</summary>
    public string? KeptWhen { get; init; }

    /// <summary>The runbook this one starts by itself (the health monitor starts the failover).</summary>
    public Type? Starts { get; init; }

    /// <summary>Whether a run counts as a recovery attempt (the recovery success rate): a recovery, or a move of the service.</summary>
    public bool IsRecovery => Category == RunbookCategory.Recovery || (Category == RunbookCategory.Move && Moves != InputCondition.Never);

    /// <summary>
    /// With <see cref="StartPolicy.JoinRunning"/> the id prefix, with <see cref="StartPolicy.FixedId"/> the id, that
    /// only this runbook's own starter uses: refused for any other runbook (see <see cref="RunbookRegistry.InstanceIdProblem"/>).
    /// </summary>
    public string? ReservedId { get; init; }

    /// <summary>The steps its code plans, in order, every branch included: read from the code at build time (<see cref="Registry.PlannedSteps"/>).</summary>
    public IReadOnlyList<string> PlannedSteps => Registry.PlannedSteps.Of(Orchestrator);

    /// <summary>The version new instances start on (see <see cref="RunbookVersions"/>).</summary>
    public string Version { get; init; } = RunbookVersions.First;

    /// <summary>The TInput of its TaskOrchestrator&lt;TInput, TOutput&gt;: what a start request must parse as.</summary>
    public Type InputType => GenericArgumentsOf(Orchestrator)[0];

    private static Type[] GenericArgumentsOf(Type orchestrator)
    {
        for (var t = orchestrator; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskOrchestrator<,>))
            {
                return t.GetGenericArguments();
            }
        }

        throw new ArgumentException($"{orchestrator.Name} is not a TaskOrchestrator<TInput, TOutput>");
    }
}
