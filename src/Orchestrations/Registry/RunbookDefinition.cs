using System.Text.Json.Serialization;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Backups;
using CausalEval.Dr.Core.Schedules;
using Microsoft.DurableTask;

namespace CausalEval.Dr.Orchestrations.Registry;

[JsonConverter(typeof(KebabCaseEnumConverter<RunbookCategory>))]
public enum RunbookCategory { Backup, Restore, Operations, Failover, Monitor, Diagnostic }

/// <summary>How a runbook's instances get their ids, and so who may start one.</summary>
public enum StartPolicy
{
    /// <summary>Any id the caller gives (outside the reserved ones), else a new one.</summary>
    Plain,

    /// <summary>At most one runs: a start joins the running one, else takes the next id under <see cref="RunbookDefinition.ReservedId"/> (the failover).</summary>
    JoinRunning,

    /// <summary>One instance under one id, <see cref="RunbookDefinition.ReservedId"/> (the health monitor).</summary>
    FixedId,
}

/// <summary>
/// One runbook, declared once: its orchestrator, what it is for, when it runs by itself and with what input,
/// and its current version. The task list, the scheduler, the Functions timers' check, the CLI's kind maps
/// and `dr backup list` all derive from these rows (<see cref="RunbookRegistry"/>).
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
    /// With <see cref="StartPolicy.JoinRunning"/> the id prefix, with <see cref="StartPolicy.FixedId"/> the id, that
    /// only this runbook's own starter uses: refused for any other runbook (see <see cref="RunbookRegistry.InstanceIdProblem"/>).
    /// </summary>
    public string? ReservedId { get; init; }

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
