using CausalEval.Dr.Activities.ApplicationState;
using CausalEval.Dr.Activities.ConfigurationBackup;
using CausalEval.Dr.Activities.Wal;
using CausalEval.Dr.Orchestrations.ApplicationState;
using CausalEval.Dr.Orchestrations.Wal;
using CausalEval.Dr.Activities.DatabaseBackup;
using CausalEval.Dr.Orchestrations.DatabaseBackup;
using CausalEval.Dr.Activities.Diagnostics;
using CausalEval.Dr.Activities.Retention;
using CausalEval.Dr.Activities.FileBackup;
using CausalEval.Dr.Orchestrations.FileBackup;
using CausalEval.Dr.Activities.Runs;
using CausalEval.Dr.Orchestrations.ConfigurationBackup;
using CausalEval.Dr.Orchestrations.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;

namespace CausalEval.Dr.Orchestrations;

/// <summary>
/// THE list of orchestrators and activities. Both hosts take it from here: the local runtime registers
/// it with <see cref="Register"/>; the Functions app has one [Function] wrapper per entry, and a test fails
/// when the wrappers and this list differ.
/// </summary>
public static class DrTasks
{
    public static IReadOnlyList<Type> Orchestrators { get; } =
    [
        typeof(BackupConfiguration),
        typeof(BackupDatabase),
        typeof(BackupApplicationState),
        typeof(BackupMetrics),
        typeof(BackupLogs),
        typeof(RestoreApplicationState),
        typeof(CheckWalArchive),
        typeof(DiagnosticStepChain),
        typeof(DiagnosticApproval),
        typeof(DiagnosticCountdown),
    ];

    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(SnapshotConfiguration),
        typeof(TakeBaseBackup),
        typeof(SnapshotFiles),
        typeof(SnapshotApplicationState),
        typeof(ApplyApplicationStateBackup),
        typeof(SwitchWalAndAwaitArchive),
        typeof(ApplyRetention),
        typeof(ApplyWalRetention),
        typeof(RecordBackupRun),
        typeof(RecordDiagnosticStep),
    ];

    public static void Register(DurableTaskRegistry registry)
    {
        foreach (var type in Orchestrators)
        {
            registry.AddOrchestrator(type);
        }

        foreach (var type in Activities)
        {
            registry.AddActivity(type);
        }
    }

    /// <summary>Task names are the class names (no [DurableTask] renames), as the Functions wrappers assume.</summary>
    public static string NameOf(Type task) => task.Name;

    public static Type? FindOrchestrator(string name) =>
        Orchestrators.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>The TInput of a TaskOrchestrator&lt;TInput, TOutput&gt;.</summary>
    public static Type InputTypeOf(Type orchestrator)
    {
        for (var t = orchestrator; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(TaskOrchestrator<,>))
            {
                return t.GetGenericArguments()[0];
            }
        }

        throw new ArgumentException($"{orchestrator.Name} is not a TaskOrchestrator<TInput, TOutput>");
    }
}
